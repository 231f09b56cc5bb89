/**
 * The matMul ceiling of this machine for tfjs-backend-wasm (single-threaded build): GFLOP/s of seqgen's own
 * WebAssembly SIMD gemm (core's patched BatchMatMul; for the per-step shape also with the weights packed once, as
 * the LSTM layers multiply) and of XNNPACK's f32 GEMM as tfjs ships it (`setLstmSimdEnabled(false)`), in one thread
 * alone and in W worker threads running the same products at the same time (what data-parallel training can use at
 * most). Shapes: the LSTM's [T·B, H] × [H, 4H] (3200 × 256 × 1024), the per-step [B, H] × [H, 4H]
 * (32 × 256 × 1024), a synthesis step's (16 × 457 × 1600) and the default text model's (1 × 384, 16 streams per
 * worker: the step forward and backward, and W_h's gradient over a sequence). Prints one JSON line.
 *
 *   npx tsx --conditions=@seqgen/source bench/matmul-ceiling.ts [--workers 2] [--seconds 4]
 */
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { matMulPacked, packWeights, setLstmSimdEnabled } from '@seqgen/core';
import { initBackend } from '../packages/cli/src/backend.js';

const SHAPES: Array<[number, number, number]> = [
  [3200, 256, 1024],
  [32, 256, 1024],
  [16, 457, 1600], // a 3×400 synthesis step in one of 2 workers: [h, w] · [W_h; W_extra]
  [16, 384, 1536], // the default text model (1 × 384) per step in one of 2 workers: h · W_h
  [16, 1536, 384], // … its backward step: δ · W_hᵀ
  [384, 800, 1536], // … its W_h gradient over a 50-step sequence: Hᵀ · δ (K = T · B/2)
];

const KINDS = ['gemm', 'gemm, weights packed once', 'XNNPACK'] as const;

/** GFLOP/s of repeated a × b for about `seconds` (after a warm-up), by each of {@link KINDS}. */
function rate(m: number, k: number, n: number, seconds: number, kind: (typeof KINDS)[number]): number {
  const a = tf.randomNormal([m, k]) as tf.Tensor2D;
  const b = tf.randomNormal([k, n]) as tf.Tensor2D;
  const previous = setLstmSimdEnabled(kind !== 'XNNPACK');
  const packed = kind === 'gemm, weights packed once' ? packWeights(b, false) : null;
  const product = (): tf.Tensor => (packed === null ? tf.matMul(a, b) : matMulPacked(a, packed));
  try {
    product().dispose();
    let reps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      tf.tidy(product).dispose();
      reps++;
    }
    const s = (performance.now() - start) / 1000;
    return (2 * m * k * n * reps) / s / 1e9;
  } finally {
    setLstmSimdEnabled(previous);
    tf.dispose([a, b, ...(packed === null ? [] : [packed.panels])]);
  }
}

/** [kind][shape] GFLOP/s (the packed kind only for the per-step shape; null elsewhere). */
async function measureAll(seconds: number): Promise<Array<Array<number | null>>> {
  await initBackend({ requested: 'wasm', threads: 1, env: {} });
  return KINDS.map((kind) => SHAPES.map(([m, k, n]) => (kind === 'gemm, weights packed once' && m > 64 ? null : rate(m, k, n, seconds, kind))));
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
    Array.from({ length: W }, () => new Promise<Array<Array<number | null>>>((resolve, reject) => {
      const w = new Worker(bootstrap, { eval: true, workerData: { seconds }, execArgv: ['--conditions=@seqgen/source'] });
      w.once('message', (r: Array<Array<number | null>>) => { resolve(r); void w.terminate(); });
      w.once('error', reject);
    })),
  );
  const round = (x: number | null): number | null => (x === null ? null : Number(x.toFixed(1)));
  const row = {
    task: 'matmul-ceiling', backend: 'wasm', build: 'single-threaded', workers: W,
    shapes: SHAPES.map((s) => s.join('x')),
    kinds: KINDS.map((kind, i) => ({
      kind,
      gflopsAlone: (alone[i] as Array<number | null>).map(round),
      gflopsTotalTogether: SHAPES.map((_, j) => round(together.reduce((s, r) => s + ((r[i] as Array<number | null>)[j] ?? NaN), 0))),
    })),
  };
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
