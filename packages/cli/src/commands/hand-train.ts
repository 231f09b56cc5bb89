/**
 * `seqgen hand train`: trains a handwriting prediction or synthesis network (Graves 2013 §4–5) with
 * checkpoints under runs/<name>/{latest,best}, metrics.jsonl, exact --resume and --json, like `seqgen text train`.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { AdaptiveWeightNoise } from '@seqgen/core/train';
import { ConfigError, createOptimizer, createRng, type Optimizer } from '@seqgen/core';
import { mixSeed, type HandwritingLine } from '@seqgen/datasets';
import { HandwritingModel, delegatedTrainStep, evaluate, makeBatch, trainStep, type HandwritingModelConfig } from '@seqgen/handwriting';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { initBackend } from '../backend.js';
import { Progress } from '../progress.js';
import { loadHandData } from '../hand/data.js';
import { loadHandModel, saveHandModel, type HandModelData, type HandTrainingState } from '../hand/model-io.js';
import { defaultRunConfig, readRunConfig, type HandRunConfig } from '../hand/run-config.js';
import { pickStyles, pointsPerChar } from '../hand/styles.js';
import { createHandDataParallelGradients, type HandDataParallelGradients } from '../parallel/hand-data-parallel.js';
import { assertWorkerCount } from '../parallel/worker-pool.js';

/** The deterministic permutation of `n` items for epoch `epoch` (exact resume: batches depend only on the step). */
export function epochOrder(n: number, seed: number, epoch: number): Int32Array {
  const rng = createRng(mixSeed(seed, epoch));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

/** The training lines of step `step` (0-based). */
export function batchLines(lines: readonly HandwritingLine[], batchSize: number, seed: number, step: number): HandwritingLine[] {
  const perEpoch = Math.max(1, Math.floor(lines.length / batchSize));
  const order = epochOrder(lines.length, seed, Math.floor(step / perEpoch));
  const start = (step % perEpoch) * batchSize;
  return Array.from(order.subarray(start, start + batchSize), (i) => lines[i] as HandwritingLine);
}

export const handTrainCommand: Command = {
  path: ['hand', 'train'],
  summary: 'train a handwriting prediction or synthesis network (Graves 2013 §4-5)',
  usage: [
    'Examples:',
    '  seqgen hand train --task synthesis --name hand-synth          # small default, synthetic Hershey data',
    '  seqgen hand train --config configs/hand-prediction.paper-3x400.json --name pred-3x400',
    '  seqgen hand train --name hand-synth --resume                    # continue exactly where it stopped',
    '  seqgen hand train --name synth-awn --init-from runs/hand-synth/best --adaptive-noise 0.075   # paper §2.6 retraining',
    '  seqgen hand train --task synthesis --name hand-synth --workers 2   # gradients of each batch in 2 threads (B/2 lines each)',
    'Writes runs/<name>/latest and runs/<name>/best (checkpoints), runs/<name>/metrics.jsonl and run.json.',
  ].join('\n'),
  options: {
    task: { type: 'string' },
    config: { type: 'string' },
    name: { type: 'string' },
    runs: { type: 'string' },
    steps: { type: 'string' },
    'batch-size': { type: 'string' },
    hidden: { type: 'string' },
    lr: { type: 'string' },
    optimizer: { type: 'string' },
    data: { type: 'string' },
    lines: { type: 'string' },
    'eval-every': { type: 'string' },
    'save-every': { type: 'string' },
    seed: { type: 'string' },
    resume: { type: 'boolean' },
    'adaptive-noise': { type: 'string' },
    'init-from': { type: 'string' },
    workers: { type: 'string' },
  },
  optionHelp: {
    task: 'prediction | synthesis (default synthesis; or from --config)',
    config: 'a run config (configs/hand-*.json)',
    name: 'run name (default hand-<task>)',
    runs: 'runs folder (default runs)',
    steps: 'total optimisation steps',
    'batch-size': 'lines per batch',
    hidden: 'LSTM sizes, e.g. 400,400,400',
    lr: 'learning rate (with --resume: a manual decay from the current step; the optimiser keeps its state)',
    optimizer: 'graves-rmsprop | adam | sgd',
    data: "a cache from `seqgen hand data prepare`, or 'hershey' (synthetic, generated and cached)",
    lines: 'hershey: number of synthetic lines',
    'eval-every': 'steps between validations (best checkpoint)',
    'save-every': 'steps between latest checkpoints',
    seed: 'seed of the weights and the batch order',
    resume: 'continue runs/<name>/latest exactly (same batches, optimiser state)',
    'adaptive-noise': 'adaptive weight noise (Graves 2011, paper §2.6) with this initial std (paper: 0.075)',
    'init-from': "start from a checkpoint's weights (same network; the paper retrains with noise from trained weights)",
    workers:
      "data-parallel worker threads, each computing B/n lines of every batch (default 1: in process; on --resume: the run's count); not with --adaptive-noise",
  },
  async run(args, io) {
    const { values } = args;
    const json = values.json === true;
    const say = (m: string): void => {
      if (!json) io.err.write(`${m}\n`);
    };
    const runsDir = resolve(stringOption(values, 'runs') ?? 'runs');
    const configPath = stringOption(values, 'config');
    const taskFlag = stringOption(values, 'task');
    if (taskFlag !== undefined && taskFlag !== 'prediction' && taskFlag !== 'synthesis') {
      throw new UsageError(`--task expects prediction | synthesis, got '${taskFlag}'`);
    }
    let run: HandRunConfig = configPath ? readRunConfig(resolve(configPath)) : defaultRunConfig(taskFlag ?? 'synthesis');
    const name = stringOption(values, 'name') ?? `hand-${run.task}`;
    const runDir = join(runsDir, name);
    const resume = values.resume === true;
    const backend = await initBackend({ requested: stringOption(values, 'backend') });
    let loaded: Awaited<ReturnType<typeof loadHandModel>> | null = null;
    let lrChange: { step: number; from: number | null; to: number } | null = null;
    if (resume) {
      loaded = await loadHandModel(join(runDir, 'latest'));
      if (!loaded.training) throw new ConfigError(`${runDir}/latest holds no training state; cannot resume`);
      run = loaded.training.run as HandRunConfig;
      // The step budget may be raised on resume; everything else stays for an exact continuation, except an
      // explicit --lr (a manual learning-rate decay: the optimiser keeps its slots, the run is no longer exact).
      if (values.steps !== undefined) run.train.steps = positive(values, 'steps', run.train.steps);
      if (values.lr !== undefined) {
        const lr = numberOption(values, 'lr', 1e-3);
        if (!(lr > 0)) throw new UsageError(`--lr expects a learning rate > 0, got ${lr}`);
        const before = (run.train.optimizer as { learningRate?: number }).learningRate;
        (run.train.optimizer as { learningRate?: number }).learningRate = lr;
        lrChange = { step: loaded.training.step, from: before ?? null, to: lr };
      }
    } else {
      if (taskFlag !== undefined) run.task = taskFlag;
      if (values.steps !== undefined) run.train.steps = positive(values, 'steps', run.train.steps);
      if (values['batch-size'] !== undefined) run.train.batchSize = positive(values, 'batch-size', run.train.batchSize);
      if (values['eval-every'] !== undefined) run.train.evalEvery = positive(values, 'eval-every', run.train.evalEvery);
      if (values['save-every'] !== undefined) run.train.saveEvery = positive(values, 'save-every', run.train.saveEvery);
      if (values.seed !== undefined) run.train.seed = numberOption(values, 'seed', run.train.seed);
      if (values.lines !== undefined) run.data.lines = positive(values, 'lines', run.data.lines ?? 4000);
      const data = stringOption(values, 'data');
      if (data !== undefined) run.data.source = data;
      const hidden = stringOption(values, 'hidden');
      if (hidden !== undefined) {
        const sizes = hidden.split(',').map((s) => Number(s.trim()));
        if (!sizes.every((s) => Number.isInteger(s) && s > 0)) throw new UsageError(`--hidden expects sizes like 400,400,400, got '${hidden}'`);
        run.model.hiddenSizes = sizes;
      }
      const optimizerName = stringOption(values, 'optimizer');
      if (optimizerName !== undefined) run.train.optimizer = { name: optimizerName } as HandRunConfig['train']['optimizer'];
      if (values.lr !== undefined) (run.train.optimizer as { learningRate?: number }).learningRate = numberOption(values, 'lr', 1e-3);
      if (values['adaptive-noise'] !== undefined) {
        const std = numberOption(values, 'adaptive-noise', 0.075);
        if (!(std > 0)) throw new UsageError(`--adaptive-noise expects an initial standard deviation > 0 (paper: 0.075), got ${std}`);
        run.train.adaptiveWeightNoise = std;
      }
      if (existsSync(join(runDir, 'latest'))) {
        throw new UsageError(`${runDir}/latest exists: pass --resume to continue it, or choose another --name`);
      }
    }
    // Data parallelism: the run's worker count (saved in checkpoints) unless --workers says otherwise.
    const savedWorkers = loaded?.training?.workers;
    const workers = values.workers !== undefined ? numberOption(values, 'workers', 1) : typeof savedWorkers === 'number' ? savedWorkers : 1;
    try {
      assertWorkerCount(workers, run.train.batchSize, 'line');
      const noiseStd = run.train.adaptiveWeightNoise ?? null;
      if (workers > 1 && noiseStd !== null) {
        throw new ConfigError(
          `--workers ${workers} cannot be used with adaptive weight noise (--adaptive-noise ${noiseStd}): the noise is sampled in the main thread; train with --workers 1`,
        );
      }
    } catch (error) {
      if (loaded) {
        loaded.model.dispose();
        tf.dispose([...Object.values(loaded.optimizerState), ...Object.values(loaded.noiseState)]);
      }
      throw error;
    }
    if (resume && typeof savedWorkers === 'number' && workers !== savedWorkers) {
      say(`note: the run used ${savedWorkers} worker(s), continuing with ${workers}: gradients are summed in another order (float32 rounding differences)`);
    }
    const { dataset, from } = loadHandData(run.data, say);
    const train = dataset.lines.filter((l) => l.split === 'train');
    const validationAll = dataset.lines.filter((l) => l.split === 'validation');
    const validation = run.train.validationLines > 0 ? validationAll.slice(0, run.train.validationLines) : validationAll;
    if (train.length < run.train.batchSize) throw new ConfigError(`${from}: ${train.length} training lines, fewer than one batch of ${run.train.batchSize}`);
    const modelConfig: HandwritingModelConfig = { task: run.task, ...run.model, alphabet: run.task === 'synthesis' ? dataset.alphabet : [] };
    let model: HandwritingModel;
    let optimizer: Optimizer;
    let step = 0;
    let best: number | null = null;
    let elapsedBefore = 0;
    if (loaded) {
      model = loaded.model;
      optimizer = createOptimizer(run.train.optimizer);
      step = loaded.training?.step ?? 0;
      best = loaded.training?.bestValidation ?? null;
      elapsedBefore = loaded.training?.elapsedSeconds ?? 0;
    } else {
      model = new HandwritingModel(modelConfig, createRng(run.train.seed));
      const initFrom = stringOption(values, 'init-from');
      if (initFrom !== undefined) {
        const start = await loadHandModel(resolve(initFrom));
        tf.dispose([...Object.values(start.optimizerState), ...Object.values(start.noiseState)]);
        const a = start.model.config;
        const same = a.task === modelConfig.task && a.hiddenSizes.join() === modelConfig.hiddenSizes.join() && a.mixtures === modelConfig.mixtures &&
          a.windowMixtures === modelConfig.windowMixtures && a.alphabet.join('') === modelConfig.alphabet.join('');
        if (!same) {
          start.model.dispose();
          throw new ConfigError(`--init-from ${initFrom}: its network (${a.task}, ${a.hiddenSizes.join('x')}, M ${a.mixtures}, K ${a.windowMixtures}, ${a.alphabet.length} symbols) differs from this run's (${modelConfig.task}, ${modelConfig.hiddenSizes.join('x')}, M ${modelConfig.mixtures}, K ${modelConfig.windowMixtures}, ${modelConfig.alphabet.length} symbols)`);
        }
        model.setWeights(start.model.params);
        start.model.dispose();
        say(`starting from the weights of ${initFrom}`);
      }
      optimizer = createOptimizer(run.train.optimizer);
      mkdirSync(runDir, { recursive: true });
      writeFileSync(join(runDir, 'run.json'), `${JSON.stringify({ ...run, backend: backend.name, workers, data: { ...run.data, cache: from } }, null, 2)}\n`);
    }
    const noiseStd = run.train.adaptiveWeightNoise ?? null;
    const noise = noiseStd === null ? null : new AdaptiveWeightNoise(model.params, { datasetSize: train.length, initStd: noiseStd });
    if (noise && loaded) {
      for (const [name, v] of Object.entries(noise.logStd)) {
        const saved = loaded.noiseState[name];
        if (!saved) throw new ConfigError(`${runDir}/latest: the run uses adaptive weight noise but the checkpoint has no '${name}'`);
        v.assign(tf.reshape(saved, v.shape));
      }
    }
    if (loaded) {
      // The optimiser's slots cover the log-stds too when the run is noisy.
      optimizer.setState(loaded.optimizerState, noise ? { ...model.params, ...noise.logStd } : model.params);
      tf.dispose([...Object.values(loaded.optimizerState), ...Object.values(loaded.noiseState)]);
    }
    const modelData: HandModelData = {
      offsetMean: dataset.offsetMean,
      offsetStd: dataset.offsetStd,
      source: from,
      pointsPerChar: pointsPerChar(train),
      styles: pickStyles(validationAll, 8),
    };
    const metricsPath = join(runDir, 'metrics.jsonl');
    const t0 = performance.now();
    const elapsed = (): number => elapsedBefore + (performance.now() - t0) / 1000;
    const state = (): HandTrainingState => ({
      step,
      seed: run.train.seed,
      bestValidation: best,
      elapsedSeconds: elapsed(),
      optimizer: run.train.optimizer,
      backend: backend.name,
      workers,
      run,
    });
    say(
      `hand train ${run.task}: ${model.numWeights().toLocaleString('en')} weights, layers ${run.model.hiddenSizes.join('x')}, ` +
        `M ${run.model.mixtures}${run.task === 'synthesis' ? `, K ${run.model.windowMixtures}, alphabet ${dataset.alphabet.length}` : ''}; ` +
        `data ${from}: ${train.length} train / ${validation.length} validation lines; backend ${backend.name}; ${resume ? `resuming at step ${step}` : 'from scratch'}`,
    );
    if (lrChange) {
      appendFileSync(metricsPath, `${JSON.stringify({ kind: 'learning-rate', ...lrChange })}\n`);
      say(`learning rate ${lrChange.from ?? 'default'} -> ${lrChange.to} from step ${lrChange.step} (not an exact continuation)`);
    }
    const progress = new Progress({ label: 'train', total: run.train.steps, unit: 'steps', stream: io.err, silent: json, plainIntervalMs: 30_000, initial: step });
    const alphabet = run.task === 'synthesis' ? dataset.alphabet : null;
    let window: number[] = [];
    const validate = (): number => {
      const r = evaluate(model, validation, { batchSize: 32, maxSteps: run.train.maxPoints });
      // With adaptive noise: the complexity loss L_C (nats, whole net) and L_C / N (its share per training line).
      const c = noise?.complexity(model.params);
      const complexity = c ? { complexityNats: c.nats, complexityPerLine: c.nats / train.length, meanStd: c.meanStd, priorStd: c.priorStd } : {};
      const record = { step, kind: 'validation', ...r, ...complexity, seconds: elapsed() };
      appendFileSync(metricsPath, `${JSON.stringify(record)}\n`);
      if (json) io.out.write(`${JSON.stringify(record)}\n`);
      else {
        const extra = c ? `; noise: L_C/N ${(c.nats / train.length).toFixed(1)} nats/line, mean σ ${c.meanStd.toFixed(4)}` : '';
        progress.log(`step ${step}: validation ${r.nllPerSequence.toFixed(1)} nats/line, ${r.nllPerPoint.toFixed(3)} nats/point, SSE ${r.ssePerSequence.toFixed(2)}${extra}`);
      }
      return r.nllPerSequence;
    };
    let parallel: HandDataParallelGradients | undefined;
    if (workers > 1) {
      parallel = await createHandDataParallelGradients({ workers, model, batchSize: run.train.batchSize, backend: backend.name });
      say(`data-parallel: ${workers} worker threads (${parallel.backend}${parallel.backend === 'wasm' ? ', 1 thread each' : ''}), lines ${parallel.shards.map(([a, b]) => `${a}–${b - 1}`).join(' | ')}`);
    }
    try {
      while (step < run.train.steps) {
        const batch = makeBatch(batchLines(train, run.train.batchSize, run.train.seed, step), alphabet, run.train.maxPoints);
        // The noise of step s depends only on (seed, s): exact resume needs no saved RNG.
        const report = parallel
          ? await delegatedTrainStep(model, optimizer, parallel.gradients, batch)
          : trainStep(model, optimizer, batch, noise ? { noise: { adaptive: noise, rng: createRng(mixSeed(run.train.seed + 7919, step)) } } : {});
        step++;
        window.push(report.lossPerSequence);
        if (window.length > 20) window = window.slice(-20);
        const mean = window.reduce((a, b) => a + b, 0) / window.length;
        appendFileSync(metricsPath, `${JSON.stringify({ step, kind: 'train', ...report, seconds: elapsed() })}\n`);
        progress.tick(1, { loss: mean, 'nats/pt': report.lossPerPoint });
        if (step % run.train.evalEvery === 0 || step === run.train.steps) {
          const v = validate();
          if (best === null || v < best) {
            best = v;
            await saveHandModel(join(runDir, 'best'), model, modelData, state(), null);
          }
        }
        if (step % run.train.saveEvery === 0 || step === run.train.steps) {
          await saveHandModel(join(runDir, 'latest'), model, modelData, state(), optimizer, noise?.logStd ?? {});
        }
      }
    } finally {
      await parallel?.close();
    }
    progress.finish();
    const summary = { run: runDir, steps: step, bestValidation: best, seconds: elapsed(), backend: backend.name, workers };
    if (json) io.out.write(`${JSON.stringify({ kind: 'done', ...summary })}\n`);
    else io.out.write(`done: ${step} steps in ${(summary.seconds / 60).toFixed(1)} min; best validation ${best?.toFixed(1)} nats/line; ${runDir}\n`);
    model.dispose();
    optimizer.dispose();
    noise?.dispose();
  },
};

function positive(values: Record<string, unknown>, name: string, fallback: number): number {
  const n = numberOption(values as never, name, fallback);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive integer, got ${n}`);
  return n;
}
