/**
 * Child process of data-parallel.test.ts: trains a tiny text model (1×16, B 4, T 5, Adam, global-norm clip) with
 * TextTrainer for `steps` updates, in process (workers 0) or with W data-parallel workers, optionally stopping at
 * `resumeAt`, encoding a checkpoint to bytes, and resuming from it with a fresh model, trainer and worker pool.
 * Prints one JSON line (per-step bits, final weights, main-thread tensor counts) and then just returns: it must
 * exit by itself.
 *
 *   tsx --conditions=@seqgen/source data-parallel-child.ts <backend> <workers> <steps> [resumeAt]
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { decodeCheckpoint, encodeCheckpoint } from '@seqgen/core/train';
import { readTrainingJson, TextModel, TextTrainer, type TextTrainingConfig, type TextVocabulary } from '@seqgen/text';
import { initBackend } from '../backend.js';
import { createDataParallelGradients, type DataParallelGradients } from '../parallel/data-parallel.js';

const [backendName = 'cpu', workersArg = '2', stepsArg = '5', resumeArg] = process.argv.slice(2);
const W = Number(workersArg);
const steps = Number(stepsArg);
const resumeAt = resumeArg === undefined ? undefined : Number(resumeArg);

await initBackend({ requested: backendName, threads: 1, env: {} });
const symbols = 'abcdefgh .'.split('');
const vocabulary: TextVocabulary = { unit: 'char', symbols, separator: '' };
const rng = createRng(11);
const train = Int32Array.from({ length: 400 }, () => Math.floor(rng.next() * symbols.length));
const config: TextTrainingConfig = {
  seqLength: 5,
  batchSize: 4,
  resetEvery: 3,
  optimizer: { name: 'adam', learningRate: 0.01 },
  weightNoise: 0,
  clipNorm: 1,
  learningRateHalfLife: null,
  learningRateDecay: null,
  epochs: 1,
  validateEvery: 0,
  validateSymbols: 0,
  seed: 5,
};
const modelConfig = { hiddenSizes: [16], peepholes: true, inputSkips: true, outputSkips: true, lstmClip: 1, outputClip: null, initScale: null, forgetBias: 0 };

async function pool(model: TextModel): Promise<DataParallelGradients | undefined> {
  return W > 0 ? createDataParallelGradients({ workers: W, model, batchSize: config.batchSize, seqLength: config.seqLength, backend: backendName }) : undefined;
}

const tensorsAtStart = tf.memory().numTensors;
const bits: number[] = [];
let model = TextModel.create(modelConfig, vocabulary, createRng(config.seed));
let parallel = await pool(model);
let trainer = new TextTrainer({ model, train, config, ...(parallel && { gradients: parallel.gradients }) });
let tensorsMidRun: number | undefined;
const onStep = (info: { bitsPerSymbol: number; step: number }): void => {
  bits.push(info.bitsPerSymbol);
  if (info.step === 2) tensorsMidRun = tf.memory().numTensors;
  if (info.step === 4) tensorsMidRun = tf.memory().numTensors - (tensorsMidRun ?? 0);
};
if (resumeAt !== undefined) {
  await trainer.run({ maxSteps: resumeAt, onStep });
  const content = trainer.checkpointContent();
  const { json, weightData } = await encodeCheckpoint(content);
  tf.dispose(Object.values(content.tensors));
  trainer.dispose();
  model.dispose();
  await parallel?.close();
  const decoded = decodeCheckpoint(json, weightData);
  model = TextModel.fromCheckpoint(decoded, 'resume');
  parallel = await pool(model);
  trainer = new TextTrainer({
    model,
    train,
    config,
    ...(parallel && { gradients: parallel.gradients }),
    resume: { run: readTrainingJson(decoded.training, 'resume').run, tensors: decoded.tensors, source: 'resume' },
  });
  tf.dispose(Object.values(decoded.tensors));
}
await trainer.run({ maxSteps: steps, onStep });
const weights = Object.fromEntries(Object.entries(model.params).map(([name, v]) => [name, Array.from(v.dataSync())]));
const state = trainer.checkpointContent();
const carried = Object.fromEntries(Object.entries(state.tensors).filter(([n]) => n.startsWith('state/')).map(([n, t]) => [n, Array.from(t.dataSync())]));
tf.dispose(Object.values(state.tensors));
trainer.dispose();
model.dispose();
await parallel?.close();
process.stdout.write(`${JSON.stringify({ bits, weights, carried, leaked: tf.memory().numTensors - tensorsAtStart, growthPerTwoSteps: tensorsMidRun, shards: parallel?.shards ?? null })}\n`);
