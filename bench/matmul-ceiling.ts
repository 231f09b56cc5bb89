/**
 * The matMul ceiling of this machine for tfjs-backend-wasm (single-threaded build, XNNPACK f32 GEMM): GFLOP/s of
 * one thread alone, and of W worker threads running the same matMuls at the same time (what data-parallel
 * training can use at most). Shapes: the LSTM's [T·B, H] × [H, 4H] (3200 × 256 × 1024) and the per-step
 * [B, H] × [H, 4H] (32 × 256 × 1024). Prints one JSON line.
 *
 *   npx tsx --conditions=@seqgen/source bench/matmul-ceiling.ts [--workers 2] [--seconds 4]
 */
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../packages/cli/src/backend.js';

const SHAPES: Array<[number, number, number]> = [
  [3200, 256, 1024],
  [32, 256, 1024],
];

/** GFLOP/s of repeated a × b for about `seconds` (after a warm-up). */
function rate(m: number, k: number, n: number, seconds: number): number {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  tf.matMul(a, b).dataSync();
  let reps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    tf.tidy(() => tf.matMul(a, b)).dispose();
    reps++;
  }
  const s = (performance.now() - start) / 1000;
  tf.dispose([a, b]);
  return (2 * m * k * n * reps) / s / 1e9;
}

async function measureAll(seconds: number): Promise<number[]> {
  await initBackend({ requested: 'wasm', threads: 1, env: {} });
  return SHAPES.map(([m, k, n]) => rate(m, k, n, seconds));
}

if (!isMainThread) {
  const { seconds } = workerData as { seconds: number };
  parentPort?.postMessage(await measureAll(seconds));
} else {
  const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, seconds: { type: 'string', default: '4' } } });
  const W = Number(values.workers);
  const seconds = Number(values.seconds);
  const alone = await measureAll(seconds);
  const url = new URL(import.meta.url);
  const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  const together = await Promise.all(
    Array.from({ length: W }, () => new Promise<number[]>((resolve, reject) => {
      const w = new Worker(bootstrap, { eval: true, workerData: { seconds }, execArgv: ['--conditions=@seqgen/source'] });
      w.once('message', (r: number[]) => { resolve(r); void w.terminate(); });
      w.once('error', reject);
    })),
  );
  const row = {
    task: 'matmul-ceiling', backend: 'wasm', build: 'single-threaded', workers: W,
    shapes: SHAPES.map((s) => s.join('x')),
    gflopsAlone: alone.map((x) => Number(x.toFixed(1))),
    gflopsPerWorkerTogether: together.map((r) => r.map((x) => Number(x.toFixed(1)))),
    gflopsTotalTogether: SHAPES.map((_, i) => Number(together.reduce((s, r) => s + (r[i] as number), 0).toFixed(1))),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
