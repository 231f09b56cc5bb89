/**
 * Writes small checkpoints for the smoke test into `<out>/` (default dist/fixtures/):
 * - text-tiny/: a 1 × 64 character model trained here for a few seconds on a short text (kind 'text-lm');
 * - hand/: the handwriting checkpoint at $SEQGEN_STUDIO_HAND (a directory with model.json + weights.bin) when
 *   set or when runs/hand-synth-default/latest exists, else a randomly initialised tiny synthesis network
 *   (it scribbles, but proves decode → FastNet → synthesize → SVG in the bundle).
 * Run: tsx --conditions=@seqgen/source scripts/make-fixtures.ts [out]
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng, encodeCheckpoint, type CheckpointContent } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { HandwritingModel, resolveModelConfig } from '@seqgen/handwriting';
import { TEXT_CHECKPOINT_KIND, TextModel, disposeState, encodeText, trainStep, type TextVocabulary } from '@seqgen/text';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] ?? join(here, '..', 'dist', 'fixtures'));

const CORPUS =
  'This paper shows how Long Short-term Memory recurrent neural networks can be used to generate complex ' +
  'sequences with long-range structure, simply by predicting one data point at a time. The approach is ' +
  'demonstrated for text (where the data are discrete) and online handwriting (where the data are real-valued). ' +
  'It is then extended to handwriting synthesis by allowing the network to condition its predictions on a text ' +
  'sequence. The resulting system is able to generate highly realistic cursive handwriting in a wide variety of styles.\n';

async function save(dir: string, content: CheckpointContent): Promise<void> {
  const { json, weightData } = await encodeCheckpoint(content);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), weightData);
}

async function textFixture(): Promise<void> {
  const symbols = [...new Set(CORPUS)].sort();
  const vocabulary: TextVocabulary = { unit: 'char', symbols, separator: '' };
  const model = TextModel.create(
    { hiddenSizes: [64], peepholes: true, inputSkips: true, outputSkips: true, lstmClip: 1, outputClip: null, initScale: null, forgetBias: 0 },
    vocabulary,
    createRng(7),
  );
  const ids = encodeText(vocabulary, CORPUS.repeat(2));
  const optimizer = createOptimizer({ name: 'adam', learningRate: 0.02 });
  const T = 48;
  const B = 4;
  const start = Date.now();
  let first = NaN;
  let last = NaN;
  const steps = 150;
  for (let step = 0; step < steps; step++) {
    const inputs = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    for (let b = 0; b < B; b++) {
      const offset = ((step * B + b) * 37) % (CORPUS.length - 1);
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = ids[offset + t] as number;
        targets[t * B + b] = ids[offset + t + 1] as number;
      }
    }
    const x = tf.tensor2d(inputs, [T, B], 'int32');
    const y = tf.tensor2d(targets, [T, B], 'int32');
    const state = model.zeroState(B);
    const result = trainStep(model, optimizer, x, y, state);
    disposeState(state);
    disposeState(result.state);
    tf.dispose([x, y]);
    const perChar = result.nats / result.count;
    if (step === 0) first = perChar;
    last = perChar;
  }
  optimizer.dispose();
  const fields = model.checkpointFields();
  await save(join(out, 'text-tiny'), {
    kind: TEXT_CHECKPOINT_KIND,
    config: fields.config,
    data: fields.data,
    createdBy: '@seqgen/studio make-fixtures',
    tensors: { ...model.params },
  });
  model.dispose();
  console.log(`text-tiny: ${steps} steps in ${((Date.now() - start) / 1000).toFixed(1)} s, loss ${first.toFixed(3)} -> ${last.toFixed(3)} nats/char`);
}

async function handFixture(): Promise<void> {
  const dir = join(out, 'hand');
  const trained = process.env['SEQGEN_STUDIO_HAND'] ?? resolve(here, '..', '..', '..', 'runs', 'hand-synth-default', 'latest');
  if (existsSync(join(trained, 'model.json')) && existsSync(join(trained, 'weights.bin'))) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(trained, 'model.json'), join(dir, 'model.json'));
    copyFileSync(join(trained, 'weights.bin'), join(dir, 'weights.bin'));
    console.log(`hand: copied the trained checkpoint ${trained}`);
    return;
  }
  const alphabet = ['#', ' ', ...'abcdefghijklmnopqrstuvwxyz'];
  const model = new HandwritingModel(resolveModelConfig({ task: 'synthesis', hiddenSizes: [32], alphabet }), createRng(3));
  await save(dir, {
    kind: 'handwriting-synthesis',
    config: model.config,
    data: { offsetMean: [0.3, 0], offsetStd: [2, 2], source: 'random initialisation (studio smoke fixture)', pointsPerChar: 25 },
    createdBy: '@seqgen/studio make-fixtures',
    tensors: { ...model.params },
  });
  model.dispose();
  console.log('hand: no trained checkpoint found; wrote a randomly initialised 1 x 32 synthesis network');
}

await tf.setBackend('cpu');
await textFixture();
await handFixture();
