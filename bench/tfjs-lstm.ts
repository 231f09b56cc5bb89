/**
 * One tfjs measurement for `pnpm bench` (run as a child of bench/run.ts so that every backend and
 * configuration gets its own process and its own peak RSS): training throughput of the seqgen
 * char-level LSTM in characters/s. Prints one JSON line on stdout and exits.
 *
 *   npx tsx --conditions=@seqgen/source bench/tfjs-lstm.ts --backend wasm --layers 2 --steps 4 --reps 5
 *
 * Model: `LstmStack({ inputSize: V, hiddenSizes: [H × layers], outputSize: V, lstmClip: 1 })` from
 * @seqgen/core with its defaults (peepholes, input and output skip connections, Graves 2013 Eqs. 1–3,
 * 7–11), ids input (one-hot implied), loss `softmaxCrossEntropy` (summed nats, Eq. 13), gradients
 * by `tf.variableGrads`, Adam from `@seqgen/core/train`. One step = forward + backward + update on a
 * [T, B] batch from zero state.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, LstmStack, softmaxCrossEntropy } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { initBackend } from '../packages/cli/src/backend.js';
import { MatmulProbe } from './bench-util.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    layers: { type: 'string', default: '1' },
    hidden: { type: 'string', default: '256' },
    vocab: { type: 'string', default: '100' },
    seq: { type: 'string', default: '100' },
    batch: { type: 'string', default: '32' },
    steps: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    reps: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    // Leave tfjs-backend-wasm's kernels as shipped (initBackend otherwise applies core's patchWasmKernels).
    'stock-kernels': { type: 'boolean', default: false },
    // wasm threads (1 = the single-threaded build); unset: initBackend's default (SEQGEN_THREADS, else min(cores, 4)).
    threads: { type: 'string' },
  },
});

function int(name: keyof typeof values): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bench/tfjs-lstm.ts: --${name} expects an integer >= 0, got '${String(values[name])}'`);
  return n;
}

const [L, H, V, T, B] = [int('layers'), int('hidden'), int('vocab'), int('seq'), int('batch')];
const [steps, warmup, reps] = [int('steps'), int('warmup'), int('reps')];

const backend = await initBackend({ requested: values.backend, patchKernels: values['stock-kernels'] !== true, threads: values.threads });
const patchedKernels = backend.patchedKernels.length > 0;
const rng = createRng(int('seed'));
const stack = new LstmStack({ inputSize: V, hiddenSizes: new Array<number>(L).fill(H), outputSize: V, lstmClip: 1 }, rng);
const optimizer = createOptimizer({ name: 'adam' });
const paramEntries = Object.entries(stack.params);
const varList = paramEntries.map(([, v]) => v);

// Four fixed batches of random ids, cycled (data loading is not part of the measurement).
const batches = Array.from({ length: 4 }, () => {
  const ids = Int32Array.from({ length: (T + 1) * B }, () => Math.floor(rng.next() * V));
  return tf.tidy(() => {
    const all = tf.tensor2d(ids, [T + 1, B], 'int32');
    return { inputs: tf.slice(all, [0, 0], [T, B]) as tf.Tensor2D, targets: tf.slice(all, [1, 0], [T, B]) as tf.Tensor2D };
  });
});

function trainStep(i: number): tf.Scalar {
  const { inputs, targets } = batches[i % batches.length] as (typeof batches)[number];
  const state = stack.zeroState(B);
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = stack.forward({ ids: inputs }, state);
    return softmaxCrossEntropy(logits, targets);
  }, varList);
  // variableGrads keys by variable name; the optimiser wants the keys of stack.params.
  const keyed: Record<string, tf.Tensor> = {};
  for (const [key, v] of paramEntries) keyed[key] = grads[v.name] as tf.Tensor;
  optimizer.apply(keyed, stack.params);
  tf.dispose([grads, state.h, state.c]);
  return value;
}

async function run(n: number): Promise<number> {
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const loss = trainStep(i);
    // Reading the last loss makes sure the work is done before the clock stops.
    if (i === n - 1) last = (await loss.data())[0] as number;
    loss.dispose();
  }
  return last;
}

let lastLoss = await run(warmup);
// The backend's matMul rate in this process (same backend and threads), sampled between repetitions: the ceiling.
const probe = new MatmulProbe(T, B, H, H);
const tensorsBefore = tf.memory().numTensors;
const rates: number[] = [];
const cpuRates: number[] = [];
for (let r = 0; r < reps; r++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  lastLoss = await run(steps);
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  rates.push((steps * T * B) / seconds);
  cpuRates.push((steps * T * B) / ((cpu.user + cpu.system) / 1e6));
  await probe.sample();
}
const leaked = tf.memory().numTensors - tensorsBefore;
const matmul = await probe.result();

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const result = {
  config: `${L}x${H}`,
  backend: backend.name,
  threads: backend.threads,
  threadsNote: backend.threadsNote,
  simd: backend.simd,
  patchedKernels,
  model: 'seqgen LstmStack (peepholes, input/output skips, lstmClip 1), ids input, Adam',
  weights: stack.numWeights(),
  T,
  batch: B,
  vocab: V,
  stepsPerRep: steps,
  warmup,
  reps,
  charsPerSec: median(rates),
  repsCharsPerSec: rates.map((x) => Math.round(x * 10) / 10),
  // Characters per second of this process's CPU time (user + system): less sensitive to other load.
  charsPerCpuSec: median(cpuRates),
  lastLossPerChar: lastLoss / (T * B),
  tensorsLeaked: leaked,
  matmul,
  peakRssMB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
  versions: backend.versions,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
