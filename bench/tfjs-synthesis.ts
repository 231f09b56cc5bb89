/**
 * One tfjs measurement for `pnpm bench` (a child of bench/run.ts, own process and peak RSS): training
 * throughput of the handwriting synthesis network (Graves 2013 §5) in points/s, through the public API of
 * @seqgen/handwriting: `new HandwritingModel(config)` + `trainStep(model, optimizer, makeBatch(lines))`.
 * Prints one JSON line on stdout and exits.
 *
 *   npx tsx --conditions=@seqgen/source bench/tfjs-synthesis.ts --backend wasm --hidden 400,400,400 --steps 1 --reps 3
 *
 * Data: synthetic lines (the speed does not depend on the values): every line has T points (dx, dy ~ N(0, 1),
 * eos with probability 0.05, so the mask is all ones) and a text of U characters drawn from the paper's
 * 57-symbol alphabet. Optimiser: Adam (the paper's RMSProp costs the same per weight; bench/pytorch_synthesis.py
 * uses Adam too). Every step also reads the loss and the gradient norm back (trainStep does), as training does.
 *
 * `--workers N` (N >= 2): data-parallel, as `seqgen hand train --workers N`: N worker threads (each its own
 * single-threaded backend and model copy) differentiate B/N lines each and `delegatedTrainStep` applies one
 * update on this thread (pass `--threads 1` for a single-threaded main thread too).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { PAPER_ALPHABET, type HandwritingLine } from '@seqgen/datasets';
import { HandwritingModel, delegatedTrainStep, makeBatch, trainStep } from '@seqgen/handwriting';
import { initBackend } from '../packages/cli/src/backend.js';
import { createHandDataParallelGradients } from '../packages/cli/src/parallel/hand-data-parallel.js';
import { MatmulProbe, median, peakRssMB, round } from './bench-util.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    hidden: { type: 'string', default: '400,400,400' },
    mixtures: { type: 'string', default: '20' },
    'window-mixtures': { type: 'string', default: '10' },
    seq: { type: 'string', default: '300' },
    batch: { type: 'string', default: '32' },
    chars: { type: 'string', default: '30' },
    steps: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '1' },
    reps: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'stock-kernels': { type: 'boolean', default: false },
    // wasm threads (1 = the single-threaded build); unset: initBackend's default (SEQGEN_THREADS, else min(cores, 4)).
    threads: { type: 'string' },
    // Stop timing after the repetition that passes this many seconds (at least one repetition).
    'max-seconds': { type: 'string' },
    'no-matmul': { type: 'boolean', default: false },
    // Data-parallel worker threads (1: in process, trainStep).
    workers: { type: 'string', default: '1' },
  },
});

function int(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench/tfjs-synthesis.ts: --${name} expects an integer >= 0, got '${String(values[name])}'`);
  return n;
}

const hiddenSizes = String(values.hidden).split(',').map((s) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/tfjs-synthesis.ts: --hidden expects e.g. 400,400,400, got '${String(values.hidden)}'`);
  return n;
});
const [T, B, U, M, K] = [int('seq'), int('batch'), int('chars'), int('mixtures'), int('window-mixtures')];
const [steps, warmup, reps, workers] = [int('steps'), int('warmup'), int('reps'), int('workers')];
if (workers < 1 || workers > B) throw new Error(`bench/tfjs-synthesis.ts: --workers expects 1 to the batch size ${B}, got ${workers}`);

const maxSeconds = values['max-seconds'] === undefined ? Infinity : Number(values['max-seconds']);
const backend = await initBackend({ requested: values.backend, patchKernels: values['stock-kernels'] !== true, threads: values.threads });
const rng = createRng(int('seed'));
const alphabet = [...PAPER_ALPHABET];
const model = new HandwritingModel(
  { task: 'synthesis', hiddenSizes, mixtures: M, windowMixtures: K, alphabet, outputClip: 100, lstmClip: 10, kappaBiasInit: -2.2 },
  rng,
);
const optimizer = createOptimizer({ name: 'adam', learningRate: 1e-3 });
const parallel = workers > 1 ? await createHandDataParallelGradients({ workers, model, batchSize: B, backend: backend.name }) : undefined;

function syntheticLine(i: number): HandwritingLine {
  const offsets = new Float32Array(3 * T);
  for (let t = 0; t < T; t++) {
    offsets[3 * t] = rng.normal();
    offsets[3 * t + 1] = rng.normal();
    offsets[3 * t + 2] = rng.next() < 0.05 ? 1 : 0;
  }
  // Characters 1.. (not the 'other' label '#'), like real transcriptions.
  const text = Array.from({ length: U }, () => alphabet[1 + Math.floor(rng.next() * (alphabet.length - 1))] as string).join('');
  return { id: `bench-${i}`, text, split: 'train', offsets };
}

// Two fixed batches, cycled (data preparation is not part of the measurement).
const batches = [0, 1].map((k) => makeBatch(Array.from({ length: B }, (_, b) => syntheticLine(k * B + b)), alphabet));

let lastLossPerPoint = Number.NaN;
async function run(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const batch = batches[i % batches.length] as (typeof batches)[number];
    lastLossPerPoint = (parallel ? await delegatedTrainStep(model, optimizer, parallel.gradients, batch) : trainStep(model, optimizer, batch)).lossPerPoint;
  }
}

await run(warmup);
// The backend's matMul rate in this process (same backend and threads), sampled between repetitions: the ceiling.
const H = Math.max(...hiddenSizes);
const probe = values['no-matmul'] === true ? null : new MatmulProbe(T, B, H, H);
const tensorsBefore = tf.memory().numTensors;
const rates: number[] = [];
const cpuRates: number[] = [];
const timingStart = performance.now();
for (let r = 0; r < reps && (r === 0 || performance.now() - timingStart < maxSeconds * 1000); r++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await run(steps);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  rates.push((steps * T * B) / seconds);
  cpuRates.push((steps * T * B) / ((cpu.user + cpu.system) / 1e6));
  await probe?.sample();
}
const leaked = tf.memory().numTensors - tensorsBefore;
const matmul = probe ? await probe.result() : null;
await parallel?.close();

const result = {
  config: `synthesis-${hiddenSizes.length}x${hiddenSizes[0] as number}`,
  backend: backend.name,
  threads: backend.threads,
  threadsNote: backend.threadsNote,
  simd: backend.simd,
  patchedKernels: backend.patchedKernels.length > 0,
  model: `seqgen HandwritingModel synthesis (peephole LSTM, soft window, skips, MDN), ${parallel ? `delegatedTrainStep, ${workers} data-parallel workers` : 'trainStep'}, Adam`,
  workers,
  hiddenSizes,
  weights: model.numWeights(),
  T,
  batch: B,
  textChars: U,
  alphabet: alphabet.length,
  mixtures: M,
  windowMixtures: K,
  stepsPerRep: steps,
  warmup,
  reps: rates.length,
  pointsPerSec: median(rates),
  repsPointsPerSec: rates.map((x) => round(x)),
  pointsPerCpuSec: median(cpuRates),
  lastLossPerPoint,
  tensorsLeaked: leaked,
  matmul,
  peakRssMB: peakRssMB(),
  versions: backend.versions,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
