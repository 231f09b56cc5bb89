/**
 * Child process of hand-data-parallel.test.ts: trains a tiny synthesis (2 layers 6, 5) and a tiny prediction
 * network (1 layer 7), B 4 lines of varying lengths per batch (T changes from step to step), Adam, for `steps`
 * updates each, in process with `trainStep` (workers 0) or with W data-parallel workers (`delegatedTrainStep`).
 * Prints one JSON line (per-step reports, final weights, main-thread tensor counts) and then just returns: it
 * must exit by itself.
 *
 *   tsx --conditions=@seqgen/source hand-data-parallel-child.ts <backend> <workers> <steps>
 */
import * as tf from '@tensorflow/tfjs-core';
import '@seqgen/core/train';
import { createRng, type Rng } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import type { HandwritingLine } from '@seqgen/datasets';
import { HandwritingModel, delegatedTrainStep, makeBatch, trainStep, type HandwritingModelConfig, type TrainStepReport } from '@seqgen/handwriting';
import { initBackend } from '../backend.js';
import { createHandDataParallelGradients } from '../parallel/hand-data-parallel.js';

const [backendName = 'cpu', workersArg = '2', stepsArg = '4'] = process.argv.slice(2);
const W = Number(workersArg);
const steps = Number(stepsArg);
await initBackend({ requested: backendName, threads: 1, env: {} });

const alphabet = ['#', ' ', 'a', 'b', 'c'];
const common = { mixtures: 2, windowMixtures: 2, outputClip: 100, lstmClip: 10, kappaBiasInit: -2 };
const configs: Record<string, HandwritingModelConfig> = {
  synthesis: { task: 'synthesis', hiddenSizes: [6, 5], alphabet, ...common },
  prediction: { task: 'prediction', hiddenSizes: [7], alphabet: [], ...common },
};

function line(rng: Rng, id: number): HandwritingLine {
  const n = 3 + Math.floor(rng.next() * 8);
  const text = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, () => alphabet[1 + Math.floor(rng.next() * 4)] as string).join('');
  const offsets = Float32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal()));
  return { id: String(id), text, split: 'train', offsets };
}

interface TaskResult {
  reports: TrainStepReport[];
  steps: number[];
  weights: Record<string, number[]>;
  growthPerTwoSteps: number;
  shards: Array<[number, number]> | null;
}

const tensorsAtStart = tf.memory().numTensors;
const results: Record<string, TaskResult> = {};
for (const [task, config] of Object.entries(configs)) {
  const rng = createRng(21);
  const model = new HandwritingModel(config, createRng(5));
  const optimizer = createOptimizer({ name: 'adam', learningRate: 0.02 });
  const parallel = W > 0 ? await createHandDataParallelGradients({ workers: W, model, batchSize: 4, backend: backendName }) : undefined;
  const reports: TrainStepReport[] = [];
  const T: number[] = [];
  let mid = 0;
  for (let s = 0; s < steps; s++) {
    if (s === 2) mid = tf.memory().numTensors;
    const batch = makeBatch(Array.from({ length: 4 }, (_, b) => line(rng, 4 * s + b)), config.task === 'synthesis' ? alphabet : null);
    T.push(batch.steps);
    reports.push(parallel ? await delegatedTrainStep(model, optimizer, parallel.gradients, batch) : trainStep(model, optimizer, batch));
  }
  const growthPerTwoSteps = tf.memory().numTensors - mid;
  const weights = Object.fromEntries(Object.entries(model.weights()).map(([n, w]) => [n, Array.from(w)]));
  optimizer.dispose();
  model.dispose();
  await parallel?.close();
  results[task] = { reports, steps: T, weights, growthPerTwoSteps, shards: parallel?.shards ?? null };
}
process.stdout.write(`${JSON.stringify({ results, leaked: tf.memory().numTensors - tensorsAtStart })}\n`);
