/**
 * Micro-benchmark of the ops an LSTM training step leans on, to explain `pnpm bench` numbers:
 * matMul with transposed operands (what tfjs's matMul gradient uses: dA = dY·Bᵀ, dB = Aᵀ·dY) against
 * an explicit transpose first, and per-step slicing of a `[T, B, 4H]` tensor. Not part of the tests.
 *
 *   npx tsx --conditions=@seqgen/source bench/wasm-ops.ts [wasm|cpu] [threads]
 *
 * Prints one JSON line per op: { backend, threads, op, ms } (median of the timed calls). `threads`: wasm
 * threads (1 = the single-threaded build); default initBackend's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../packages/cli/src/backend.js';

const backend = await initBackend({ requested: process.argv[2] ?? 'wasm', threads: process.argv[3] });

function time(op: string, f: () => tf.Tensor | tf.Tensor[], calls = 10): void {
  tf.tidy(f);
  const ms: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    tf.tidy(f);
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const median = ms[ms.length >> 1] as number;
  process.stdout.write(`${JSON.stringify({ backend: backend.name, threads: backend.threads, op, ms: Math.round(median * 1000) / 1000 })}\n`);
}

const T = 100;
const B = 32;
const H = 256;
const x = tf.randomNormal([T * B, H]);
const dz = tf.randomNormal([T * B, 4 * H]);
const h = tf.randomNormal([B, 4 * H]);
const w = tf.randomNormal([H, 4 * H]);
const a = tf.randomNormal([B, H]);
const big = tf.randomNormal([T, B, 4 * H]);

time('matMul [32,256]x[256,1024]', () => tf.matMul(a, w));
time('matMul [3200,256]x[256,1024]', () => tf.matMul(x, w), 3);
// Small elementwise ops: an LSTM step runs dozens of these; a thread pool pays a wake-up per call.
time('add [32,1024]', () => tf.add(h, h), 50);
time('sigmoid [32,1024]', () => tf.sigmoid(h), 50);
time('mul [32,256]', () => tf.mul(a, a), 50);
time('matMul(h, w, false, true) [32,1024]x[256,1024]^T', () => tf.matMul(h, w, false, true));
time('matMul(h, transpose(w))', () => tf.matMul(h, tf.transpose(w)));
time('matMul(x, dz, true, false) [3200,256]^T x [3200,1024]', () => tf.matMul(x, dz, true, false), 3);
time('matMul(transpose(x), dz)', () => tf.matMul(tf.transpose(x), dz), 3);
time('slice one step of [100,32,1024]', () => tf.slice(big, [7, 0, 0], [1, B, 4 * H]));
time('gather one step of [100,32,1024]', () => tf.gather(big, 7));
time('unstack [100,32,1024]', () => tf.unstack(big), 3);
process.exit(0);
