/**
 * Training speed of the handwriting SYNTHESIS network, fused layer 1 + window (windowLstmSequence, the
 * default) against the step-by-step tape path (`synthesisPath: 'stepwise'`), alternating in one process so
 * that both see the same machine load. Prints one JSON line.
 *
 *   npx tsx --conditions=@seqgen/source bench/synthesis-step.ts --backend wasm --hidden 128,128 --batch 32 --points 400
 *   npx tsx --conditions=@seqgen/source bench/synthesis-step.ts --hidden 400,400,400 --batch 1 --points 700 --chars 40
 *
 * A step = forward + backward (`tf.variableGrads` of the per-line loss, as `trainStep`) + Adam update, on a
 * fixed batch of synthetic lines (`points` − 25%..`points` points, texts of `chars` − 25%..`chars`
 * characters from the paper's 57-symbol alphabet). Also counts the backend kernels of one step of each path
 * (tf.profile) and checks that both paths give the same loss.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { PAPER_ALPHABET, type HandwritingLine } from '@seqgen/datasets';
import { HandwritingModel, makeBatch, type ForwardOptions } from '@seqgen/handwriting';
import { initBackend } from '../packages/cli/src/backend.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    // wasm threads (as the CLI's --threads); default: the CLI's default.
    threads: { type: 'string' },
    hidden: { type: 'string', default: '128,128' },
    batch: { type: 'string', default: '32' },
    points: { type: 'string', default: '400' },
    chars: { type: 'string', default: '30' },
    reps: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    // Which paths to run, alternating: fused (windowLstmSequence) and/or stepwise (the taped reference).
    paths: { type: 'string', default: 'fused,stepwise' },
    // Count the kernels of one step per path with tf.profile (keeps every kernel's record: memory-hungry).
    'count-kernels': { type: 'boolean', default: true },
    'no-count-kernels': { type: 'boolean', default: false },
  },
});

function int(name: 'batch' | 'points' | 'chars' | 'reps' | 'seed'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/synthesis-step.ts: --${name} expects an integer >= 1, got '${String(values[name])}'`);
  return n;
}

const hiddenSizes = String(values.hidden).split(',').map(Number);
const [B, maxPoints, maxChars, reps] = [int('batch'), int('points'), int('chars'), int('reps')];
const backend = await initBackend({ requested: values.backend, threads: values.threads });
const rng = createRng(int('seed'));
const alphabet = [...PAPER_ALPHABET];
const model = new HandwritingModel(
  { task: 'synthesis', hiddenSizes, mixtures: 20, windowMixtures: 10, alphabet, outputClip: 100, lstmClip: 10, kappaBiasInit: -2.2 },
  rng,
);
const lines: HandwritingLine[] = Array.from({ length: B }, (_, i) => {
  const n = maxPoints - Math.floor(rng.next() * 0.25 * maxPoints);
  const u = maxChars - Math.floor(rng.next() * 0.25 * maxChars);
  const text = Array.from({ length: u }, () => alphabet[1 + Math.floor(rng.next() * (alphabet.length - 1))] as string).join('');
  const offsets = Float32Array.from({ length: 3 * n }, (_, k) => (k % 3 === 2 ? (rng.next() < 0.05 ? 1 : 0) : 0.5 * rng.normal()));
  return { id: `l${i}`, text, split: 'train', offsets };
});
const batch = makeBatch(lines, alphabet);
const points = batch.mask.reduce((a, b) => a + b, 0);
const optimizers = { fused: createOptimizer({ name: 'adam' }), stepwise: createOptimizer({ name: 'adam' }) };
const names = new Map(Object.entries(model.params).map(([name, v]) => [v.name, name]));

/** One training step (as trainStep); returns the loss per line. The weights change a little every step. */
function step(path: 'fused' | 'stepwise'): number {
  const options: ForwardOptions = { synthesisPath: path };
  const { value, grads } = tf.variableGrads(() => tf.div(model.loss(batch, options).total, B) as tf.Scalar, Object.values(model.params));
  const named: Record<string, tf.Tensor> = {};
  for (const [v, g] of Object.entries(grads)) named[names.get(v) ?? v] = g;
  optimizers[path].apply(named, model.params);
  const loss = value.dataSync()[0] as number;
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/** Loss (no update) of both paths at the same weights: they must agree to float32 precision. */
function lossOf(path: 'fused' | 'stepwise'): number {
  const r = model.loss(batch, { synthesisPath: path });
  const v = r.total.dataSync()[0] as number;
  r.total.dispose();
  return v / B;
}

async function kernelsPerStep(path: 'fused' | 'stepwise'): Promise<number> {
  const info = await tf.profile(() => {
    step(path);
  });
  return info.kernels.length;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const paths = String(values.paths)
  .split(',')
  .map((p) => {
    if (p !== 'fused' && p !== 'stepwise') throw new Error(`bench/synthesis-step.ts: --paths takes fused and/or stepwise, got '${p}'`);
    return p;
  });
const lossCheck = paths.map(lossOf);
const kernels: Record<string, number> = {};
for (const path of paths) {
  if (values['no-count-kernels']) step(path); // warm-up
  else kernels[path] = await kernelsPerStep(path); // also the warm-up step
}
const seconds: Record<string, number[]> = { fused: [], stepwise: [] };
for (let r = 0; r < reps; r++) {
  for (const path of paths) {
    const start = performance.now();
    step(path);
    (seconds[path] as number[]).push((performance.now() - start) / 1000);
  }
}
const summary = (path: string): Record<string, number | number[]> | undefined => {
  if (!paths.includes(path as 'fused')) return undefined;
  const s = seconds[path] as number[];
  const med = median(s);
  return { medianSeconds: Math.round(med * 1000) / 1000, stepsPerSec: Math.round((1000 / med)) / 1000, pointsPerSec: Math.round(points / med), seconds: s.map((x) => Math.round(x * 1000) / 1000) };
};
const result: Record<string, unknown> = {
  backend: backend.name,
  threads: backend.threads,
  patchedKernels: backend.patchedKernels.length > 0,
  hiddenSizes,
  weights: model.numWeights(),
  batch: B,
  steps: batch.steps,
  points,
  textChars: Math.max(...batch.texts.map((t) => t.length)),
  reps,
  lossPerLine: Object.fromEntries(paths.map((p, i) => [p, lossCheck[i]])),
  kernelsPerStep: kernels,
  fused: summary('fused'),
  stepwise: summary('stepwise'),
};
if (paths.length === 2) {
  result['speedup'] = Math.round((median(seconds['stepwise'] as number[]) / median(seconds['fused'] as number[])) * 100) / 100;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
