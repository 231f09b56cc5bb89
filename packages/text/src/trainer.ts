/**
 * The training loop for text models, with an explicit, serialisable run state so a run can be checkpointed and
 * resumed EXACTLY (same weights as an uninterrupted run): update count, data position, random-stream state,
 * optimiser slots and the carried LSTM state all travel in the checkpoint. No I/O: progress and checkpoints go
 * through callbacks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, createRng, type LstmState, type Rng } from '@seqgen/core';
import { createOptimizer, OPTIMIZER_STATE_PREFIX, WeightNoise, type CheckpointContent, type Optimizer } from '@seqgen/core/train';
import { TbpttBatcher, type BatcherPosition } from './batcher.js';
import { hasLearningRateSchedule, learningRateAt, type TextTrainingConfig } from './config.js';
import { evaluate } from './evaluate.js';
import type { TextMetrics } from './metrics.js';
import { disposeState, stateFromTensors, stateTensors, TEXT_CHECKPOINT_KIND, type TextModel } from './text-model.js';
import { trainStep } from './train-step.js';
import { delegatedTrainStep, type GradientFunction } from './gradients.js';

/** Everything besides tensors that an exact resume needs; stored as the checkpoint's `training.run`. */
export interface TrainRunState {
  /** Updates applied so far. */
  step: number;
  /** Where the next batch comes from. */
  position: BatcherPosition;
  /** State of the run's random stream (weight noise), `Rng.state()`. */
  rngState: number;
  /** Symbols trained on so far (B·T per update). */
  symbolsSeen: number;
  /** Training wall time so far, seconds (summed over resumed sessions; measured with the `clock` option). */
  elapsedSeconds: number;
  /** Exponential moving average of the training bits per symbol (for display). */
  smoothedBits: number | null;
  /** Best validation result so far. */
  best: { step: number; bitsPerSymbol: number } | null;
  /**
   * The length of a `learningRateDecay` with `steps: "run"` once fitted (updates), else null/absent. Saved so
   * that a resumed run keeps the schedule it started with.
   */
  decaySteps?: number | null;
}

/** What {@link RunOptions.onScheduleFitted} reports. */
export interface ScheduleFit {
  /** The decay's length in updates (absolute, counting resumed ones). */
  steps: number;
  /** Updates per second measured to fit a time budget; undefined when the length came from an update limit. */
  updatesPerSecond?: number;
}

/** Updates measured (and ended by a validation) before a `steps: "run"` decay is fitted to a time budget. */
export const DECAY_CALIBRATION_UPDATES = 500;
/**
 * Updates at the start of a session left out of that measurement: the first ones are slower (compilation, first
 * allocations; 1 × 384 with 2 workers: 10.6 updates/s over the first 1,000 vs 11.5 over the whole run).
 */
export const DECAY_CALIBRATION_WARMUP = 100;

/** What {@link TextTrainer.run} reports after each update. */
export interface StepInfo {
  step: number;
  /** Updates the configured number of epochs needs. */
  totalSteps: number;
  /** Fractional epochs done. */
  epoch: number;
  /** Bits per symbol of this batch (at the noisy weights, before the update). */
  bitsPerSymbol: number;
  smoothedBits: number;
  symbolsSeen: number;
  /** True when the carried state was reset before this batch. */
  reset: boolean;
}

/** What {@link TextTrainer.run} reports after each validation. */
export interface ValidationInfo {
  step: number;
  metrics: TextMetrics;
  /** True when this is the best validation result so far (the run state's `best` is already updated). */
  isBest: boolean;
}

/** Options of {@link TextTrainer}. */
export interface TextTrainerOptions {
  model: TextModel;
  /** Training ids. */
  train: ArrayLike<number>;
  /** Validation ids for periodic validation (none: no validation). */
  valid?: ArrayLike<number>;
  config: TextTrainingConfig;
  /** Resume from a checkpoint: its `training.run` and its tensors (optimizer/… and state/…; not disposed). */
  resume?: { run: TrainRunState; tensors: Record<string, tf.Tensor>; source: string };
  /** Milliseconds clock for `elapsedSeconds` (e.g. `performance.now`); default: time is not measured. */
  clock?: () => number;
  /** Evaluation batch size for validation; default 32. */
  evalBatchSize?: number;
  /**
   * Delegates each update's gradient computation (e.g. to worker threads, each taking a share of the B streams;
   * see `GradientFunction`); the trainer still clips and applies the optimiser. Default: in process
   * ({@link trainStep}). Weight noise cannot be delegated: a config with `weightNoise > 0` is refused.
   */
  gradients?: GradientFunction;
}

/** Options of {@link TextTrainer.run}. */
export interface RunOptions {
  /** Stop once this many updates are done in total (absolute, counting resumed ones). */
  maxSteps?: number;
  /** Polled after every update; true stops the loop cleanly (Ctrl-C, a time limit). */
  shouldStop?: () => boolean;
  onStep?: (info: StepInfo) => void | Promise<void>;
  onValidate?: (info: ValidationInfo) => void | Promise<void>;
  /**
   * Seconds left of this session's time budget (e.g. `--max-minutes`), or Infinity. A `learningRateDecay` with
   * `steps: "run"` is then fitted to the updates that fit into it: the rate is measured over
   * {@link DECAY_CALIBRATION_UPDATES}+ updates after the session's first {@link DECAY_CALIBRATION_WARMUP} (ending
   * with a validation, so its cost counts), then the length is fixed.
   * Without it the decay spans the update limit (`maxSteps` or the configured epochs).
   */
  secondsLeft?: () => number;
  /** Called once when a `steps: "run"` decay gets its length. */
  onScheduleFitted?: (fit: ScheduleFit) => void | Promise<void>;
}

/** Why {@link TextTrainer.run} returned. */
export type StopReason = 'epochs' | 'max-steps' | 'stopped';

/** JSON stored as a text checkpoint's `training` field. */
export interface TextTrainingJson {
  run: TrainRunState;
  config: TextTrainingConfig;
}

const SMOOTHING = 0.98;

/**
 * Trains a {@link TextModel} with truncated BPTT over B parallel streams (paper §3.3: 100-step sequences, state
 * carried and reset every 100 sequences, no shuffling), validating every `validateEvery` updates.
 */
export class TextTrainer {
  readonly model: TextModel;
  private optimizer_: Optimizer;
  readonly batcher: TbpttBatcher;
  readonly config: TextTrainingConfig;
  private rng: Rng;
  private carried: LstmState;
  private run_: TrainRunState;
  private readonly noise: WeightNoise | null;
  private readonly valid: ArrayLike<number> | undefined;
  private readonly clock: (() => number) | undefined;
  private readonly evalBatchSize: number;
  private readonly gradients: GradientFunction | undefined;

  /**
   * @throws {@link ConfigError} for an invalid optimiser spec, data too short for one batch or `gradients` with
   *   weight noise;
   *   {@link CheckpointError} when resume tensors do not fit the model.
   */
  constructor(options: TextTrainerOptions) {
    const { model, config } = options;
    this.model = model;
    this.config = config;
    this.valid = options.valid;
    this.clock = options.clock;
    this.evalBatchSize = options.evalBatchSize ?? 32;
    this.gradients = options.gradients;
    if (this.gradients !== undefined && config.weightNoise > 0) {
      throw new ConfigError(`weight noise (${config.weightNoise}) cannot be used with delegated gradients (parallel workers): set weightNoise to 0 or train in one process`);
    }
    this.batcher = new TbpttBatcher(options.train, { batchSize: config.batchSize, seqLength: config.seqLength, resetEvery: config.resetEvery });
    this.optimizer_ = createOptimizer(config.optimizer);
    this.noise = config.weightNoise > 0 ? new WeightNoise(config.weightNoise) : null;
    if (options.resume) {
      const { run, tensors, source } = options.resume;
      this.batcher.setPosition(run.position);
      this.rng = createRng(run.rngState);
      this.run_ = { ...run, position: { ...run.position }, best: run.best ? { ...run.best } : null };
      const optimizerState: Record<string, tf.Tensor> = {};
      for (const [name, t] of Object.entries(tensors)) if (name.startsWith(OPTIMIZER_STATE_PREFIX)) optimizerState[name] = t;
      if (run.step > 0) this.optimizer_.setState(optimizerState, model.params);
      this.carried = stateFromTensors(tensors, model, config.batchSize, source) ?? model.zeroState(config.batchSize);
    } else {
      // The weights were initialised from the seed; weight noise gets its own stream derived from it.
      this.rng = createRng((config.seed ^ 0x9e3779b9) >>> 0);
      this.run_ = {
        step: 0,
        position: this.batcher.position(),
        rngState: this.rng.state(),
        symbolsSeen: 0,
        elapsedSeconds: 0,
        smoothedBits: null,
        best: null,
        decaySteps: null,
      };
      this.carried = model.zeroState(config.batchSize);
    }
  }

  /** The optimiser (replaced by a copy with the new rate when a learning-rate schedule changes it). */
  get optimizer(): Optimizer {
    return this.optimizer_;
  }

  /** Sets the scheduled learning rate for the next update: rebuilds the optimiser with its state when it changes. */
  private applySchedule(): void {
    if (!hasLearningRateSchedule(this.config)) return;
    const lr = learningRateAt(this.config, this.run_.step, this.run_.decaySteps);
    const current = (this.optimizer_.spec as { learningRate?: number }).learningRate;
    if (current === lr) return;
    const state = this.optimizer_.getState();
    const next = createOptimizer({ ...this.optimizer_.spec, learningRate: lr } as typeof this.config.optimizer);
    next.setState(state);
    tf.dispose(Object.values(state));
    this.optimizer_.dispose();
    this.optimizer_ = next;
  }

  /** Updates the configured epochs take (⌈epochs · sequences per epoch⌉). */
  get totalSteps(): number {
    return Math.ceil(this.config.epochs * this.batcher.sequencesPerEpoch);
  }

  /** A copy of the run state (after the last completed update). */
  get runState(): TrainRunState {
    return { ...this.run_, position: { ...this.run_.position }, best: this.run_.best ? { ...this.run_.best } : null };
  }

  /**
   * Trains until the configured epochs are done, `maxSteps` is reached or `shouldStop` returns true. Every
   * update is complete when a callback runs, so a checkpoint taken inside `onStep`/`onValidate` resumes exactly.
   * @throws {@link DivergenceError} when the loss stops being finite (weights unchanged by that step).
   */
  async run(options: RunOptions = {}): Promise<StopReason> {
    const limit = Math.min(this.totalSteps, options.maxSteps ?? Infinity);
    const { batchSize: B, seqLength: T, validateEvery } = this.config;
    // A decay over the run's length: from the update limit, or (time budget) from the rate measured below.
    let calibration: { step: number; time: number } | null = null;
    let calibrateFrom: number | null = null; // the update after which the measurement starts
    if (this.config.learningRateDecay?.steps === 'run' && (this.run_.decaySteps ?? null) === null) {
      const budget = options.secondsLeft?.() ?? Infinity;
      if (Number.isFinite(budget) && this.clock) calibrateFrom = this.run_.step + DECAY_CALIBRATION_WARMUP;
      else await this.fitSchedule(limit, undefined, options);
    }
    while (true) {
      if (this.run_.step >= limit) return this.run_.step >= this.totalSteps ? 'epochs' : 'max-steps';
      if (options.shouldStop?.()) return 'stopped';
      const started = this.clock?.();
      this.applySchedule();
      const batch = this.batcher.next();
      if (batch.reset) {
        disposeState(this.carried);
        this.carried = this.model.zeroState(B);
      }
      const inputs = tf.tensor2d(batch.inputs, [T, B], 'int32');
      const targets = tf.tensor2d(batch.targets, [T, B], 'int32');
      let result;
      try {
        result = this.gradients
          ? await delegatedTrainStep(this.model, this.optimizer_, this.gradients, { inputs: batch.inputs, targets: batch.targets, seqLength: T, batchSize: B, state: this.carried }, { clipNorm: this.config.clipNorm })
          : trainStep(this.model, this.optimizer_, inputs, targets, this.carried, {
              weightNoise: this.noise,
              rng: this.rng,
              clipNorm: this.config.clipNorm,
            });
      } catch (error) {
        this.batcher.setPosition(batch.position);
        throw error;
      } finally {
        tf.dispose([inputs, targets]);
      }
      disposeState(this.carried);
      this.carried = result.state;
      const bits = result.nats / Math.LN2 / result.count;
      const r = this.run_;
      r.step += 1;
      r.position = this.batcher.position();
      r.rngState = this.rng.state();
      r.symbolsSeen += result.count;
      r.smoothedBits = r.smoothedBits === null ? bits : SMOOTHING * r.smoothedBits + (1 - SMOOTHING) * bits;
      if (started !== undefined && this.clock) r.elapsedSeconds += (this.clock() - started) / 1000;
      await options.onStep?.({
        step: r.step,
        totalSteps: this.totalSteps,
        epoch: r.step / this.batcher.sequencesPerEpoch,
        bitsPerSymbol: bits,
        smoothedBits: r.smoothedBits,
        symbolsSeen: r.symbolsSeen,
        reset: batch.reset,
      });
      const validates = this.valid !== undefined && validateEvery > 0 && r.step % validateEvery === 0;
      if (validates) await this.validateAndReport(options.onValidate);
      if (calibrateFrom !== null && r.step >= calibrateFrom && this.clock) {
        calibration = { step: r.step, time: this.clock() };
        calibrateFrom = null;
      } else if (calibration !== null && this.clock) {
        const done = r.step - calibration.step;
        if ((done >= DECAY_CALIBRATION_UPDATES && (validates || this.valid === undefined || validateEvery === 0)) || done >= 10 * DECAY_CALIBRATION_UPDATES) {
          const rate = done / Math.max((this.clock() - calibration.time) / 1000, 1e-3);
          const left = Math.max(options.secondsLeft?.() ?? 0, 0);
          calibration = null;
          await this.fitSchedule(Math.min(limit, r.step + Math.floor(rate * left)), rate, options);
        }
      }
    }
  }

  private async fitSchedule(steps: number, updatesPerSecond: number | undefined, options: RunOptions): Promise<void> {
    this.run_.decaySteps = Math.max(1, steps);
    await options.onScheduleFitted?.({ steps: this.run_.decaySteps, ...(updatesPerSecond !== undefined && { updatesPerSecond }) });
  }

  /**
   * Evaluates on the validation ids (the first `validateSymbols`), updates `best` and calls `onValidate`.
   * @throws {@link ConfigError} when the trainer has no validation data.
   */
  async validateAndReport(onValidate?: (info: ValidationInfo) => void | Promise<void>): Promise<ValidationInfo> {
    if (this.valid === undefined) throw new ConfigError('no validation data was given to the trainer');
    const metrics = await evaluate(this.model, this.valid, {
      batchSize: this.evalBatchSize,
      seqLength: this.config.seqLength,
      maxSymbols: this.config.validateSymbols,
    });
    const r = this.run_;
    const isBest = r.best === null || metrics.bitsPerSymbol < r.best.bitsPerSymbol;
    if (isBest) r.best = { step: r.step, bitsPerSymbol: metrics.bitsPerSymbol };
    const info = { step: r.step, metrics, isBest };
    await onValidate?.(info);
    return info;
  }

  /**
   * Everything a checkpoint needs for an exact resume: config, vocabulary, run state, weights, optimiser slots
   * and the carried state. The tensors are copies: the caller disposes them (after encoding).
   */
  checkpointContent(extra: { createdBy?: string; createdAt?: string; data?: Record<string, unknown>; training?: Record<string, unknown> } = {}): CheckpointContent {
    const fields = this.model.checkpointFields();
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, v] of Object.entries(this.model.params)) tensors[name] = tf.clone(v);
    Object.assign(tensors, this.optimizer_.getState(), stateTensors(this.carried));
    const training: TextTrainingJson & Record<string, unknown> = { ...extra.training, run: this.runState, config: this.config };
    return {
      kind: TEXT_CHECKPOINT_KIND,
      config: fields.config,
      data: { ...extra.data, ...fields.data },
      training,
      tensors,
      ...(extra.createdBy !== undefined && { createdBy: extra.createdBy }),
      ...(extra.createdAt !== undefined && { createdAt: extra.createdAt }),
    };
  }

  /** Frees the optimiser slots, the carried state and any weight-noise copies (not the model). */
  dispose(): void {
    this.optimizer_.dispose();
    this.noise?.dispose();
    disposeState(this.carried);
  }
}

/**
 * Reads `training` of a text checkpoint back, validating the run state.
 * @throws {@link ConfigError} naming the source when it is absent or malformed.
 */
export function readTrainingJson(training: unknown, source: string): TextTrainingJson {
  const t = training as Partial<TextTrainingJson> | undefined;
  const run = t?.run as Partial<TrainRunState> | undefined;
  const ok =
    run !== undefined &&
    Number.isInteger(run.step) &&
    typeof run.position === 'object' &&
    run.position !== null &&
    Number.isInteger(run.position.epoch) &&
    Number.isInteger(run.position.sequence) &&
    Number.isInteger(run.rngState) &&
    typeof run.symbolsSeen === 'number' &&
    (run.decaySteps === undefined || run.decaySteps === null || (Number.isInteger(run.decaySteps) && run.decaySteps > 0)) &&
    typeof t?.config === 'object';
  if (!ok) {
    throw new ConfigError(`${source}: the checkpoint has no valid training state (training.run); it cannot be resumed, only evaluated or sampled`);
  }
  return t as TextTrainingJson;
}
