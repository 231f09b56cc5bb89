import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
const x = tf.randomNormal([100, 32, 1024]);
const idx = Array.from({ length: 100 }, (_, t) => tf.tensor1d([t], 'int32'));
for (let k = 0; k < 3; k++) {
  let t0 = performance.now(); let r: tf.Tensor[] = []; for (let t = 0; t < 100; t++) r.push(tf.reshape(tf.gather(x, idx[t]!), [32, 1024])); r[99]!.dataSync();
  let dt = performance.now() - t0; tf.dispose(r);
  if (k == 2) console.log('gather', (dt / 100 * 1000).toFixed(0), 'us/slice');
  t0 = performance.now(); r = []; const y = tf.reshape(x, [3200, 1024]); for (let t = 0; t < 100; t++) r.push(tf.stridedSlice(y, [t*32, 0], [(t+1)*32, 1024])); r[99]!.dataSync();
  dt = performance.now() - t0; tf.dispose(r);
  if (k == 2) console.log('stridedSlice', (dt / 100 * 1000).toFixed(0), 'us/slice');
}
