import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
for (const be of ['wasm', 'cpu']) {
await tf.setBackend(be); await tf.ready();
for (const size of [[100, 32, 1024], [100, 32, 64], [10, 32, 1024]] as const) {
  const x = tf.randomNormal([...size]);
  for (let k = 0; k < 3; k++) {
    const t0 = performance.now(); const r = []; for (let t = 0; t < size[0]; t++) r.push(tf.slice(x, [t, 0, 0], [1, size[1], size[2]])); r[size[0]-1]!.dataSync();
    const dt = performance.now() - t0; tf.dispose(r);
    if (k == 2) console.log(be, size.join('x'), (dt / size[0] * 1000).toFixed(0), 'us/slice');
  }
  x.dispose();
}
}
