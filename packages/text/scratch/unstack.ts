import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm'); await tf.ready();
const x = tf.randomNormal([100, 32, 1024]);
const cases: Record<string, () => tf.Tensor[]> = {
  unstack: () => tf.unstack(x),
  slice: () => Array.from({ length: 100 }, (_, t) => tf.reshape(tf.slice(x, [t, 0, 0], [1, 32, 1024]), [32, 1024])),
  split: () => tf.split(x, 100, 0),
  reshape2d_slice: () => { const y = tf.reshape(x, [3200, 1024]); return Array.from({ length: 100 }, (_, t) => tf.slice(y, [t * 32, 0], [32, 1024])); },
};
for (const [n, f] of Object.entries(cases)) {
  for (let k = 0; k < 2; k++) { const t0 = performance.now(); const r = f(); r[99]!.dataSync(); tf.dispose(r); if (k) console.log(n, (performance.now() - t0).toFixed(1), 'ms'); }
}
