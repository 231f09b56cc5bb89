import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { LstmStack, createRng, softmaxCrossEntropy, createOptimizer } from '@seqgen/core';
import '@seqgen/core/train';
const [H, B, T, K, L, fix] = process.argv.slice(2).map(Number);
if (fix) { const m = await import('../../cli/src/text/wasm-kernels.ts'); console.log('patched', m.patchWasmKernels()); }
await tf.setBackend('wasm'); await tf.ready();
const stack = new LstmStack({ inputSize: K, hiddenSizes: new Array(L).fill(H), outputSize: K, lstmClip: 1 }, createRng(1));
const opt = createOptimizer({ name: 'adam', learningRate: 1e-3 });
const ids = tf.randomUniform([T, B], 0, K, 'int32') as tf.Tensor2D;
const tg = tf.randomUniform([T, B], 0, K, 'int32') as tf.Tensor2D;
for (let s = 0; s < 5; s++) {
  const t0 = performance.now();
  const state = stack.zeroState(B);
  const { value, grads } = tf.variableGrads(() => { const out = stack.forward({ ids }, state); return tf.div(softmaxCrossEntropy(out.logits, tg), B) as tf.Scalar; }, Object.values(stack.params));
  const named: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(stack.params)) named[k] = grads[v.name]!;
  opt.apply(named, stack.params);
  const loss = (await value.data())[0];
  tf.dispose([value, ...Object.values(grads), ...state.h, ...state.c]);
  console.log(`H=${H} L=${L} B=${B} fix=${fix}`, ((performance.now() - t0) / 1000).toFixed(3), 's', loss?.toFixed(1), tf.memory().numTensors);
}
