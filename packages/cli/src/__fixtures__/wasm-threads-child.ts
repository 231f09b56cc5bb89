/**
 * Child process of wasm-threads.test.ts (backend init is global, once per process): activates a backend
 * through initBackend, computes a matMul and an LSTM forward + gradient from fixed seeds, prints one JSON
 * line and then just returns: it must exit by itself (no process.exit), as the CLI's commands would.
 *
 *   tsx --conditions=@seqgen/source wasm-threads-child.ts <wasm|cpu> <threads> [--also-cpu]
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, LstmStack, softmaxCrossEntropy } from '@seqgen/core';
import '@seqgen/core/train';
import { initBackend } from '../backend.js';

const [requested = 'wasm', threads = '2'] = process.argv.slice(2);
const alsoCpu = process.argv.includes('--also-cpu');

/** matMul [64,256]x[256,512] and an LSTM (2 layers of 32, T 6, batch 4) loss and gradients, as plain arrays. */
function compute(): { matMul: number[]; loss: number; grads: Record<string, number[]> } {
  const rng = createRng(7);
  const uniform = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  const matMul = tf.tidy(() => Array.from(tf.matMul(tf.tensor2d(uniform(64 * 256), [64, 256]), tf.tensor2d(uniform(256 * 512), [256, 512])).dataSync()));
  const [T, B, V] = [6, 4, 11];
  const stack = new LstmStack({ inputSize: V, hiddenSizes: [32, 32], outputSize: V, lstmClip: 1 }, createRng(3));
  const ids = Int32Array.from({ length: (T + 1) * B }, () => Math.floor(rng.next() * V));
  const entries = Object.entries(stack.params);
  const result = tf.tidy(() => {
    const all = tf.tensor2d(ids, [T + 1, B], 'int32');
    const inputs = tf.slice(all, [0, 0], [T, B]) as tf.Tensor2D;
    const targets = tf.slice(all, [1, 0], [T, B]) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => {
      const { logits } = stack.forward({ ids: inputs }, stack.zeroState(B));
      return softmaxCrossEntropy(logits, targets);
    }, entries.map(([, v]) => v));
    return {
      loss: value.dataSync()[0] as number,
      grads: Object.fromEntries(entries.map(([key, v]) => [key, Array.from((grads[v.name] as tf.Tensor).dataSync())])),
    };
  });
  stack.dispose();
  return { matMul, ...result };
}

const info = await initBackend({ requested, threads, env: {} });
const pthread = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: unknown[] } } }).wasm?.PThread;
const out: Record<string, unknown> = {
  backend: info.name,
  threads: info.threads,
  threadsNote: info.threadsNote,
  pthreadWorkers: pthread?.runningWorkers.length ?? 0,
  result: compute(),
};
if (alsoCpu) {
  await initBackend({ requested: 'cpu', env: {} });
  out.cpu = compute();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
// No process.exit: the test measures how long the process takes to end on its own after this line.
