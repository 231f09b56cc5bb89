/**
 * `seqgen text train`: trains a char/byte/word language model (Graves 2013 §3) with truncated BPTT, periodic
 * validation, best and latest checkpoints under runs/<name>/, metrics.jsonl, exact --resume, Ctrl-C = save and
 * stop, and a final evaluation + sample. With no arguments: the default model on the Brown corpus.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import '@seqgen/core/train';
import { ConfigError, createRng } from '@seqgen/core';
import {
  assertSameVocabulary,
  bitsLabel,
  DEFAULT_DECAY_FINAL,
  describeLearningRateSchedule,
  evaluate,
  readTrainingJson,
  sampleText,
  TextModel,
  TextTrainer,
  vocabularyOf,
  type TextMetrics,
  type TextTrainingConfig,
  type TrainRunState,
} from '@seqgen/text';
import { initBackend } from '../backend.js';
import { createDataParallelGradients, type DataParallelGradients } from '../parallel/data-parallel.js';
import { numberOption, stringOption, UsageError, type Command } from '../command.js';
import { Progress } from '../progress.js';
import { copyCheckpointDir, disposeLoaded, loadTextCheckpoint, saveTrainerCheckpoint, startTrainerCheckpoint } from '../text/checkpoints.js';
import { corpusLines, describeDataSpec, loadTextCorpus, parseDataOption, type TextDataSpec } from '../text/data.js';
import { defaultTextRunConfig, readRunConfigFile, type TextRunConfig } from '../text/run-config.js';

/** Metrics as JSON-friendly numbers. */
export function metricsJson(m: TextMetrics): Record<string, number | string> {
  return {
    unit: m.unit,
    bitsPerSymbol: round(m.bitsPerSymbol),
    perplexity: round(m.perplexity),
    errorRate: round(m.errorRate),
    symbols: m.count,
    words: m.words,
  };
}

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}

/** One line of metrics for people. */
export function metricsLine(m: TextMetrics): string {
  const ppl = m.unit === 'word' ? 'perplexity' : 'per-word perplexity';
  return `${bitsLabel(m.unit)} ${m.bitsPerSymbol.toFixed(4)}  ${ppl} ${m.perplexity.toFixed(1)}  error ${(100 * m.errorRate).toFixed(2)}%  (${m.count.toLocaleString('en-US')} ${m.unit === 'word' ? 'words' : 'symbols'})`;
}

function positiveInt(values: Record<string, unknown>, name: string, fallback: number): number {
  const n = numberOption(values as never, name, fallback);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} expects a positive integer, got '${String(values[name])}'`);
  return n;
}

function applyOverrides(run: TextRunConfig, values: Record<string, unknown>): void {
  const v = values as never;
  const hidden = stringOption(v, 'hidden');
  if (hidden !== undefined) {
    const sizes = hidden.split(/[,x]/).map((s) => Number(s));
    if (sizes.length === 0 || !sizes.every((s) => Number.isInteger(s) && s > 0)) throw new UsageError(`--hidden expects sizes like 512 or 256,256, got '${hidden}'`);
    run.model.hiddenSizes = sizes;
  }
  const t = run.training;
  if (values['batch-size'] !== undefined) t.batchSize = positiveInt(values, 'batch-size', t.batchSize);
  if (values['seq-length'] !== undefined) t.seqLength = positiveInt(values, 'seq-length', t.seqLength);
  if (values['validate-every'] !== undefined) t.validateEvery = numberOption(v, 'validate-every', t.validateEvery);
  if (values['validate-symbols'] !== undefined) t.validateSymbols = numberOption(v, 'validate-symbols', t.validateSymbols);
  if (values.epochs !== undefined) t.epochs = numberOption(v, 'epochs', t.epochs);
  if (values.seed !== undefined) t.seed = numberOption(v, 'seed', t.seed);
  if (values['weight-noise'] !== undefined) t.weightNoise = numberOption(v, 'weight-noise', t.weightNoise);
  const optimizer = stringOption(v, 'optimizer');
  if (optimizer !== undefined) {
    if (optimizer !== 'sgd' && optimizer !== 'adam' && optimizer !== 'graves-rmsprop') {
      throw new UsageError(`--optimizer expects sgd | adam | graves-rmsprop, got '${optimizer}'`);
    }
    const current = (t.optimizer as { learningRate?: number }).learningRate;
    const lr = optimizer === t.optimizer.name && current !== undefined ? current : optimizer === 'adam' ? 7e-3 : 1e-4;
    t.optimizer = (optimizer === 'sgd' ? { name: 'sgd', learningRate: lr, momentum: 0.9 } : { name: optimizer, learningRate: lr }) as typeof t.optimizer;
  }
  if (values.lr !== undefined) t.optimizer = { ...t.optimizer, learningRate: numberOption(v, 'lr', 0) } as typeof t.optimizer;
  if (values.momentum !== undefined) {
    if (t.optimizer.name === 'adam') throw new UsageError('--momentum applies to sgd and graves-rmsprop, not adam');
    t.optimizer = { ...t.optimizer, momentum: numberOption(v, 'momentum', 0) } as typeof t.optimizer;
  }
  const schedule = stringOption(v, 'lr-schedule');
  if (schedule !== undefined) Object.assign(t, parseScheduleOption(schedule));
}

/**
 * `--lr-schedule`: `constant` | `half-life:<updates>` | `linear[:<updates>|run][:<final>]` | `cosine[:…]`
 * (default length `run`, final {@link DEFAULT_DECAY_FINAL}).
 */
export function parseScheduleOption(text: string): Pick<TextTrainingConfig, 'learningRateHalfLife' | 'learningRateDecay'> {
  const bad = (): UsageError =>
    new UsageError(`--lr-schedule expects constant | half-life:<updates> | linear[:<updates>|run][:<final>] | cosine[:<updates>|run][:<final>] (final: fraction of the rate at the end, > 0 and ≤ 1, default ${DEFAULT_DECAY_FINAL}), got '${text}'`);
  const [kind, a, b, ...rest] = text.split(':');
  if (rest.length > 0) throw bad();
  if (kind === 'constant' && a === undefined) return { learningRateHalfLife: null, learningRateDecay: null };
  if (kind === 'half-life') {
    const halfLife = Number(a);
    if (a === undefined || b !== undefined || !(halfLife > 0)) throw bad();
    return { learningRateHalfLife: halfLife, learningRateDecay: null };
  }
  if (kind !== 'linear' && kind !== 'cosine') throw bad();
  const steps = a === undefined || a === 'run' ? 'run' : Number(a);
  if (steps !== 'run' && !(Number.isInteger(steps) && steps > 0)) throw bad();
  const final = b === undefined ? DEFAULT_DECAY_FINAL : Number(b);
  if (!(final > 0 && final <= 1)) throw bad();
  return { learningRateHalfLife: null, learningRateDecay: { shape: kind, steps, final } };
}

/** The first free default run name: `base`, `base-2`, `base-3`, … */
function freeRunName(runsDir: string, base: string): string {
  if (!existsSync(join(runsDir, base))) return base;
  for (let k = 2; ; k++) if (!existsSync(join(runsDir, `${base}-${k}`))) return `${base}-${k}`;
}

export const textTrainCommand: Command = {
  path: ['text', 'train'],
  summary: 'train a char/byte/word language model (Graves 2013 §3); no arguments: default model on the Brown corpus',
  usage: [
    'Examples:',
    '  seqgen text train                                   # default 2x256 model on the Brown corpus, then a sample',
    '  seqgen text train --max-minutes 30 --name brown     # bounded run (the README benchmark)',
    '  seqgen text train --config configs/text-penn-char.paper.json --data ptb:/data/simple-examples',
    '  seqgen text train --name brown --resume             # continue runs/brown/latest exactly',
    '  seqgen text train --workers 2                       # gradients of each batch in 2 threads (B/2 streams each)',
    'Writes runs/<name>/latest and runs/<name>/best (checkpoints), metrics.jsonl and run.json.',
    'Ctrl-C saves runs/<name>/latest and stops (resume with --resume); a second Ctrl-C quits at once.',
  ].join('\n'),
  options: {
    config: { type: 'string' },
    name: { type: 'string' },
    runs: { type: 'string' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    data: { type: 'string' },
    unit: { type: 'string' },
    unk: { type: 'string' },
    hidden: { type: 'string' },
    'batch-size': { type: 'string' },
    'seq-length': { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    'lr-schedule': { type: 'string' },
    'weight-noise': { type: 'string' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    steps: { type: 'string' },
    'max-minutes': { type: 'string' },
    'validate-every': { type: 'string' },
    'validate-symbols': { type: 'string' },
    'save-every': { type: 'string' },
    'sample-length': { type: 'string' },
    temperature: { type: 'string' },
    'skip-final-eval': { type: 'boolean' },
    workers: { type: 'string' },
  },
  optionHelp: {
    config: 'run config (configs/text-*.json); default: the built-in default (configs/text-default.json)',
    name: 'run name; default: the config file name, or text-default (a free text-default-N when taken)',
    runs: 'runs folder (default runs)',
    resume: 'continue runs/<name>/latest exactly (weights, optimiser, random stream, data position)',
    force: 'start over even if runs/<name> exists (its checkpoints are replaced when the new run saves)',
    data: 'brown (default) | ptb:<dir> | enwik8:<file> | text:<file|dir> | bytes:<file> | <file|dir>',
    unit: 'char | word | byte (ptb: char or word; text: char or byte)',
    unk: 'ptb char: <unk> as one symbol (symbol) or five characters (chars)',
    hidden: 'LSTM sizes, e.g. 512 or 256,256',
    'batch-size': 'parallel streams B',
    'seq-length': 'truncated-BPTT length T (paper: 100)',
    optimizer: 'sgd | adam | graves-rmsprop',
    lr: 'learning rate',
    momentum: 'momentum (sgd; paper 0.99 Penn, 0.9 enwik8)',
    'lr-schedule':
      'constant | half-life:<updates> | linear[:<updates>|run][:<final>] | cosine[…]; run = fitted to --steps/--max-minutes (default: the config\'s)',
    'weight-noise': 'fixed weight-noise std, resampled per sequence (paper Penn: 0.075)',
    epochs: 'passes over the training data',
    seed: 'seed of the weights and the weight noise',
    steps: 'stop after this many updates in total (counting resumed ones)',
    'max-minutes': 'stop after this many minutes of training in this session',
    'validate-every': 'updates between validations (0: only at the end)',
    'validate-symbols': 'validation symbols used during training (0: all)',
    'save-every': 'updates between latest checkpoints (default 50)',
    'sample-length': 'symbols sampled at the end (default from the config, 400)',
    temperature: 'sampling temperature for the final sample (default 1: the paper)',
    'skip-final-eval': 'skip the full validation/test evaluation at the end',
    workers:
      'data-parallel worker threads, each computing B/n streams of every batch (default 1: in process; on --resume: the run\'s count); no weight noise',
  },
  async run(args, io) {
    const { values } = args;
    const v = values as never;
    const json = values.json === true;
    const say = (m: string): void => {
      if (!json) io.err.write(`${m}\n`);
    };
    const emit = (event: Record<string, unknown>): void => {
      if (json) io.out.write(`${JSON.stringify(event)}\n`);
    };
    const runsDir = resolve(stringOption(v, 'runs') ?? 'runs');
    const configPath = stringOption(v, 'config');
    const resume = values.resume === true;
    const explicitName = stringOption(v, 'name');
    if (resume && explicitName === undefined && configPath === undefined) {
      throw new UsageError('--resume needs --name <run> (the run folder under runs/ to continue)');
    }
    const baseName = explicitName ?? (configPath ? basename(configPath).replace(/\.json$/, '').replace(/\.paper$/, '-paper') : 'text-default');
    const name = resume || explicitName !== undefined || values.force === true ? baseName : freeRunName(runsDir, baseName);
    const runDir = join(runsDir, name);
    if (!resume && explicitName !== undefined && values.force !== true && existsSync(join(runDir, 'latest'))) {
      throw new UsageError(`${runDir} already holds a run; continue it with --resume, start over with --force, or pick another --name`);
    }
    const maxMinutes = values['max-minutes'] === undefined ? Infinity : numberOption(v, 'max-minutes', Infinity);
    if (!(maxMinutes > 0)) throw new UsageError(`--max-minutes expects a number > 0, got '${String(values['max-minutes'])}'`);
    const maxSteps = values.steps === undefined ? undefined : positiveInt(values, 'steps', 1);
    const saveEvery = values['save-every'] === undefined ? 50 : positiveInt(values, 'save-every', 50);
    const temperature = numberOption(v, 'temperature', 1);
    if (!(temperature >= 0)) throw new UsageError(`--temperature expects a number >= 0, got '${String(values.temperature)}'`);

    const backend = await initBackend({ requested: stringOption(v, 'backend') });

    // Config and model: fresh, or from runs/<name>/latest.
    let run: TextRunConfig;
    let model: TextModel;
    let resumeFrom: Awaited<ReturnType<typeof loadTextCheckpoint>> | undefined;
    let dataSpec: TextDataSpec;
    if (resume) {
      resumeFrom = await loadTextCheckpoint(join(runDir, 'latest'));
      const training = readTrainingJson(resumeFrom.decoded.training, join(resumeFrom.dir, 'model.json'));
      run = {
        ...defaultTextRunConfig(),
        ...((resumeFrom.decoded.training as { runConfig?: Partial<TextRunConfig> }).runConfig ?? {}),
        model: resumeFrom.model.config,
        training: training.config,
      };
      for (const flag of ['hidden', 'batch-size', 'seq-length', 'optimizer', 'lr', 'momentum', 'weight-noise', 'seed', 'config', 'data', 'unit', 'unk']) {
        if (values[flag] !== undefined) {
          disposeLoaded(resumeFrom);
          resumeFrom.model.dispose();
          throw new UsageError(`--${flag} cannot change on --resume (an exact continuation keeps the run's settings); only --steps, --epochs, --max-minutes and output options may`);
        }
      }
      if (values.epochs !== undefined) run.training = { ...run.training, epochs: numberOption(v, 'epochs', run.training.epochs) };
      dataSpec = resumeFrom.data ?? run.data;
      model = resumeFrom.model;
    } else {
      run = configPath ? readRunConfigFile(resolve(configPath)) : defaultTextRunConfig();
      applyOverrides(run, values);
      dataSpec = parseDataOption(stringOption(v, 'data'), stringOption(v, 'unit'), stringOption(v, 'unk'), run.data);
      model = undefined as unknown as TextModel;
    }

    say(`backend ${backend.name} (${backend.threadsNote})`);
    say(`data ${describeDataSpec(dataSpec)}: reading…`);
    const corpus = await loadTextCorpus(dataSpec, ['train', 'valid']);
    for (const line of corpusLines(corpus)) say(line);
    const vocabulary = vocabularyOf(corpus);
    if (resume) {
      assertSameVocabulary(model.vocabulary, vocabulary, { model: join(runDir, 'latest'), data: `the data ${describeDataSpec(dataSpec)}` });
    } else {
      model = TextModel.create(run.model, vocabulary, createRng(run.training.seed));
    }

    // Data parallelism: the run's worker count (saved in checkpoints) unless --workers says otherwise.
    const savedWorkers = (resumeFrom?.decoded.training as { workers?: unknown } | undefined)?.workers;
    const workers = values.workers !== undefined ? positiveInt(values, 'workers', 1) : typeof savedWorkers === 'number' ? savedWorkers : 1;
    if (resume && typeof savedWorkers === 'number' && workers !== savedWorkers) {
      say(`note: the run used ${savedWorkers} worker(s), continuing with ${workers}: gradients are summed in another order (float32 rounding differences)`);
    }
    if (workers > 1 && run.training.weightNoise > 0) {
      if (resumeFrom) disposeLoaded(resumeFrom);
      model.dispose();
      throw new ConfigError(`--workers ${workers} cannot be used with weight noise (${run.training.weightNoise}): the noise is sampled in the main process; train with --workers 1 or --weight-noise 0`);
    }
    let parallel: DataParallelGradients | undefined;
    if (workers > 1) {
      parallel = await createDataParallelGradients({ workers, model, batchSize: run.training.batchSize, seqLength: run.training.seqLength, backend: backend.name });
      say(`data-parallel: ${workers} worker threads (${backend.name}${backend.name === 'wasm' ? ', 1 thread each' : ''}), streams ${parallel.shards.map(([a, b]) => `${a}–${b - 1}`).join(' | ')}`);
    }
    const closeWorkers = async (): Promise<void> => {
      await parallel?.close();
    };

    let trainer: TextTrainer;
    try {
      trainer = new TextTrainer({
        model,
        ...(parallel && { gradients: parallel.gradients }),
        train: corpus.splits.train,
        valid: corpus.splits.valid,
        config: run.training,
        clock: () => performance.now(),
        evalBatchSize: run.evaluation.batchSize,
        ...(resumeFrom && {
          resume: {
            run: readTrainingJson(resumeFrom.decoded.training, resumeFrom.dir).run,
            tensors: resumeFrom.decoded.tensors,
            source: join(resumeFrom.dir, 'model.json'),
          },
        }),
      });
    } catch (error) {
      await closeWorkers();
      throw error;
    }
    if (resumeFrom) disposeLoaded(resumeFrom);

    const t = run.training;
    const unit = corpus.unit;
    const label = bitsLabel(unit);
    const runConfigJson = { description: run.description, source: run.source, data: dataSpec, evaluation: run.evaluation, sampleLength: run.sampleLength };
    const checkpointExtra = {
      data: { dataset: dataSpec, corpus: corpus.name, conventions: [...corpus.conventions] },
      training: { runConfig: runConfigJson, backend: backend.name, workers },
    };
    mkdirSync(runDir, { recursive: true });
    const metricsPath = join(runDir, 'metrics.jsonl');
    const logMetrics = (event: Record<string, unknown>): void => {
      appendFileSync(metricsPath, `${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
      emit(event);
    };
    writeFileSync(
      join(runDir, 'run.json'),
      `${JSON.stringify({ name, backend: backend.name, workers, versions: backend.versions, config: { ...runConfigJson, model: model.config, training: t }, weights: model.numWeights() }, null, 1)}\n`,
    );
    const startRun = trainer.runState;
    const limit = Math.min(trainer.totalSteps, maxSteps ?? Infinity);
    say(
      `model ${model.config.hiddenSizes.join('x')} LSTM (peepholes ${model.config.peepholes}, skips ${model.config.inputSkips}/${model.config.outputSkips}, ` +
        `lstmClip ${model.config.lstmClip}), ${model.numWeights().toLocaleString('en-US')} weights, K = ${model.vocabularySize}`,
    );
    say(
      `training: ${t.optimizer.name} ${JSON.stringify(t.optimizer)}, B ${t.batchSize} × T ${t.seqLength}, reset every ${t.resetEvery} sequences, ` +
        `weight noise ${t.weightNoise}, ${describeLearningRateSchedule(t)}, ${trainer.batcher.sequencesPerEpoch} updates per epoch, ${t.epochs} epoch(s)` +
        `${Number.isFinite(maxMinutes) ? `, at most ${maxMinutes} min` : ''}${maxSteps ? `, at most ${maxSteps} updates` : ''}`,
    );
    say(`run ${runDir}${resume ? ` (resuming at update ${startRun.step})` : ''}`);
    emit({ event: 'start', run: runDir, backend: backend.name, step: startRun.step, totalSteps: limit, weights: model.numWeights(), vocabulary: model.vocabularySize });

    const progress = new Progress({
      label: 'train',
      total: limit,
      unit: unit === 'word' ? 'words' : unit === 'byte' ? 'bytes' : 'chars',
      unitsPerTick: t.batchSize * t.seqLength,
      stream: io.err,
      silent: json,
      initial: startRun.step,
      maxSeconds: maxMinutes * 60,
    });

    let stopRequested = false;
    let interrupts = 0;
    const onSigint = (): void => {
      interrupts++;
      if (interrupts > 1) {
        io.err.write('\nsecond Ctrl-C: quitting without saving (runs/<name>/latest holds the last periodic save)\n');
        process.exit(130);
      }
      stopRequested = true;
      progress.log('Ctrl-C: finishing this update, saving latest, stopping (Ctrl-C again to quit now)');
    };
    process.on('SIGINT', onSigint);
    const sessionStart = performance.now();
    const latestDir = join(runDir, 'latest');
    const bestDir = join(runDir, 'best');
    let lastSaved = startRun.step;
    let latestWrite: Promise<void> = Promise.resolve();
    let reason: Awaited<ReturnType<TextTrainer['run']>>;
    try {
      reason = await trainer.run({
        ...(maxSteps !== undefined && { maxSteps }),
        shouldStop: () => stopRequested || (performance.now() - sessionStart) / 60000 >= maxMinutes,
        secondsLeft: () => maxMinutes * 60 - (performance.now() - sessionStart) / 1000,
        onScheduleFitted: (fit) => {
          const how = fit.updatesPerSecond === undefined ? 'the update limit' : `${fit.updatesPerSecond.toFixed(2)} updates/s measured × the ${maxMinutes} min limit`;
          progress.log(`learning-rate decay fitted to ${fit.steps.toLocaleString('en-US')} updates (${how})`);
          logMetrics({ event: 'schedule', decaySteps: fit.steps, ...(fit.updatesPerSecond !== undefined && { updatesPerSecond: round(fit.updatesPerSecond) }) });
        },
        onStep: async (info) => {
          progress.tick(1, { loss: info.smoothedBits * Math.LN2, [label]: info.smoothedBits, epoch: info.epoch.toFixed(2) });
          if (info.step % 10 === 0) {
            appendFileSync(metricsPath, `${JSON.stringify({ time: new Date().toISOString(), event: 'train', step: info.step, epoch: round(info.epoch), bitsPerSymbol: round(info.smoothedBits) })}\n`);
          }
          if (info.step % saveEvery === 0) {
            // The snapshot is taken now; encoding and writing go on while the next updates run (the previous
            // write is awaited first, so its error, if any, stops the run here).
            await latestWrite;
            latestWrite = startTrainerCheckpoint(latestDir, trainer, checkpointExtra);
            latestWrite.catch(() => undefined); // handled where it is awaited
            lastSaved = info.step;
          }
        },
        onValidate: async (info) => {
          const state: TrainRunState = trainer.runState;
          progress.log(`validation @ ${info.step}: ${metricsLine(info.metrics)}${info.isBest ? '  (best)' : ''}  [${state.elapsedSeconds.toFixed(0)} s]`);
          logMetrics({ event: 'validate', step: info.step, elapsedSeconds: round(state.elapsedSeconds), best: info.isBest, ...metricsJson(info.metrics) });
          if (info.isBest) await saveTrainerCheckpoint(bestDir, trainer, checkpointExtra);
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
      await closeWorkers();
      await latestWrite.catch(() => undefined); // let a write in progress finish; its error is raised below if the run itself succeeded
    }
    await latestWrite;
    const state = trainer.runState;
    // A final validation when the last update was not validated, so `best` reflects the end of training.
    if (t.validateEvery === 0 || state.step % t.validateEvery !== 0) {
      if (state.step > startRun.step || state.best === null) {
        const info = await trainer.validateAndReport();
        progress.log(`validation @ ${info.step}: ${metricsLine(info.metrics)}${info.isBest ? '  (best)' : ''}`);
        logMetrics({ event: 'validate', step: info.step, elapsedSeconds: round(state.elapsedSeconds), best: info.isBest, ...metricsJson(info.metrics) });
        if (info.isBest) await saveTrainerCheckpoint(bestDir, trainer, checkpointExtra);
      }
    }
    if (state.step !== lastSaved || !existsSync(latestDir)) await saveTrainerCheckpoint(latestDir, trainer, checkpointExtra);
    progress.finish();
    const final = trainer.runState;
    trainer.dispose();
    const why = reason === 'stopped' ? (stopRequested ? 'interrupted' : `time limit (${maxMinutes} min)`) : reason === 'max-steps' ? `--steps ${maxSteps}` : `${t.epochs} epoch(s)`;
    say(`stopped after ${final.step} updates (${why}); ${(final.symbolsSeen / 1e6).toFixed(2)}M symbols, ${final.elapsedSeconds.toFixed(0)} s of training; saved ${latestDir}`);
    if (stopRequested) {
      say(`resume with: seqgen text train --name ${name} --resume${stringOption(v, 'runs') !== undefined ? ` --runs ${runsDir}` : ''}`);
      model.dispose();
      emit({ event: 'interrupted', step: final.step, latest: latestDir });
      return 130;
    }

    // Final evaluation (full validation and test splits), then a sample. The model evaluated is the best
    // checkpoint by periodic validation, or the final weights when the FULL validation split scores them better
    // (periodic validation sees only validateSymbols; after a decay to the end the final weights usually win).
    let evalModel = model;
    let evalStep = final.step;
    let evalLabel = 'final weights';
    const result: Record<string, unknown> = { event: 'done', run: runDir, steps: final.step, trainingSeconds: round(final.elapsedSeconds), best: final.best };
    const fullEval = async (m: TextModel, split: 'valid' | 'test', what: string): Promise<TextMetrics | null> => {
      const ids = corpus.splits[split];
      if (ids === undefined) return null;
      const evalProgress = new Progress({ label: `eval ${split} (${what})`, total: ids.length - 1, unit: 'symbols', stream: io.err, silent: json });
      let last = 0;
      const metrics = await evaluate(m, ids, {
        batchSize: run.evaluation.batchSize,
        seqLength: t.seqLength,
        onProgress: (done) => {
          evalProgress.tick(done - last);
          last = done;
        },
      });
      evalProgress.finish();
      return metrics;
    };
    const record = (split: 'valid' | 'test', m: TextMetrics): void => {
      say(`${split} (static, ${evalLabel} @ ${evalStep}): ${metricsLine(m)}`);
      result[split] = metricsJson(m);
      appendFileSync(metricsPath, `${JSON.stringify({ time: new Date().toISOString(), event: `final-${split}`, step: evalStep, ...metricsJson(m) })}\n`);
    };
    let validMetrics: TextMetrics | null = null;
    if (existsSync(join(bestDir, 'model.json')) && final.best !== null && final.best.step !== final.step) {
      const best = await loadTextCheckpoint(bestDir);
      disposeLoaded(best);
      if (values['skip-final-eval'] === true) {
        evalModel = best.model;
        evalStep = final.best.step;
      } else {
        const atEnd = await fullEval(model, 'valid', `final @ ${final.step}`);
        const atBest = await fullEval(best.model, 'valid', `best @ ${final.best.step}`);
        if (atEnd !== null && atBest !== null) {
          say(`full validation split: final weights @ ${final.step} ${atEnd.bitsPerSymbol.toFixed(4)}, best checkpoint @ ${final.best.step} ${atBest.bitsPerSymbol.toFixed(4)} ${bitsLabel(model.vocabulary.unit)}`);
          if (atBest.bitsPerSymbol <= atEnd.bitsPerSymbol) {
            evalModel = best.model;
            evalStep = final.best.step;
            evalLabel = 'best checkpoint';
            validMetrics = atBest;
          } else {
            validMetrics = atEnd;
            await copyCheckpointDir(latestDir, bestDir); // runs/<name> (= best) now names the weights evaluated
            say(`${bestDir} now holds the final weights (update ${final.step})`);
          }
        }
        if (evalModel !== best.model) best.model.dispose();
      }
    } else if (final.best !== null && final.best.step === final.step) {
      evalLabel = 'best checkpoint';
    }
    if (values['skip-final-eval'] !== true) {
      result.evaluated = { step: evalStep, weights: evalLabel };
      for (const split of ['valid', 'test'] as const) {
        const m = split === 'valid' && validMetrics !== null ? validMetrics : await fullEval(evalModel, split, evalLabel);
        if (m !== null) record(split, m);
      }
    }
    const sampleLength = values['sample-length'] === undefined ? run.sampleLength : numberOption(v, 'sample-length', run.sampleLength);
    if (sampleLength > 0) {
      say(`\nsample (${sampleLength} ${unit === 'word' ? 'words' : 'symbols'}, temperature ${temperature}, seed ${t.seed}):`);
      if (!json) io.out.write('\n');
      const sample = await sampleText(evalModel, {
        length: sampleLength,
        temperature,
        rng: createRng(t.seed),
        onText: (text) => {
          if (!json) io.out.write(text);
        },
      });
      if (!json) io.out.write('\n\n');
      result.sample = sample.text;
    }
    say(`evaluate with dynamic evaluation: seqgen text eval --checkpoint ${bestDir} --dynamic sgd`);
    emit(result);
    if (evalModel !== model) evalModel.dispose();
    model.dispose();
    if (final.step === 0) throw new ConfigError('no update was made (check --steps / --max-minutes / --epochs)');
    return 0;
  },
};
