import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { LstmStack, createRng, softmaxCrossEntropy } from '@seqgen/core';
import '@seqgen/core/train';
const [H, B, T, K] = [256, 32, 100, 80];
await tf.setBackend('wasm'); await tf.ready();
const stack = new LstmStack({ inputSize: K, hiddenSizes: [H], outputSize: K, lstmClip: 1 }, createRng(1));
const ids = tf.randomUniform([T, B], 0, K, 'int32') as tf.Tensor2D;
const tg = tf.randomUniform([T, B], 0, K, 'int32') as tf.Tensor2D;
const state = stack.zeroState(B);
const run = () => { const { value, grads } = tf.variableGrads(() => { const out = stack.forward({ ids }, state); return softmaxCrossEntropy(out.logits, tg); }, Object.values(stack.params)); tf.dispose(grads); return value; };
tf.dispose(run());
const prof = await tf.profile(run);
const agg: Record<string, [number, number]> = {};
for (const k of prof.kernels) { const a = (agg[k.name] ??= [0, 0]); a[0] += (k.kernelTimeMs as number) ?? 0; a[1]++; }
console.log(Object.entries(agg).sort((a, b) => b[1][0] - a[1][0]).slice(0, 20).map(([n, [ms, c]]) => `${n} ${ms.toFixed(0)}ms x${c}`).join('\n'));
