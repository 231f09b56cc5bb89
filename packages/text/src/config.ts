/**
 * Model and training configuration for text models, with validation that names the field and what was expected.
 * Paper values (Graves 2013 §3.2–3.3): 1×1000 (Penn char and word), 7×700 (enwik8); SGD lr 1e-4 with momentum
 * 0.99 (Penn) or 0.9 (enwik8); LSTM derivatives clipped to [−1, 1]; weight noise std 0.075 (Penn); 100-step
 * sequences with the state reset every 100 sequences.
 */
import { ConfigError } from '@seqgen/core';
import type { OptimizerSpec } from '@seqgen/core/train';

/** The network (paper Fig. 1: LSTM stack with skip connections and a softmax output). */
export interface TextModelConfig {
  /** Units per hidden layer, bottom first (paper: [1000] for Penn, seven 700s for enwik8). */
  hiddenSizes: number[];
  /** Diagonal peephole weights, Eqs. (7)–(10). Default true. */
  peepholes: boolean;
  /** Input → every hidden layer (paper Eq. 2). Default true. */
  inputSkips: boolean;
  /** Every hidden layer → output (paper Eq. 3). Default true. */
  outputSkips: boolean;
  /** Elementwise clip of the errors at the LSTM pre-activations (paper text: 1), or null. */
  lstmClip: number | null;
  /** Elementwise clip of ∂L/∂ŷ (paper: handwriting only, 100), or null. */
  outputClip: number | null;
  /** Initial weights U(−s, s); null = the core default (1/√fan-in). */
  initScale: number | null;
  /** Added to the forget-gate biases at initialisation (paper: unstated; 0 = all biases start at 0). */
  forgetBias: number;
}

/** See {@link TextTrainingConfig.learningRateDecay}. */
export interface LearningRateDecay {
  shape: 'linear' | 'cosine';
  /** Updates over which the rate falls to `final` · lr₀; `run`: the run's length (see the field's notes). */
  steps: number | 'run';
  /** The rate at and after `steps`, as a fraction of lr₀ (0 < final ≤ 1; default 0.01). */
  final: number;
}

/** How a model is trained. */
export interface TextTrainingConfig {
  /** T, steps per truncated-BPTT sequence (paper: 100). */
  seqLength: number;
  /** B, parallel streams per update (paper: unstated; RNNLIB updates per sequence, i.e. 1). */
  batchSize: number;
  /** Reset the carried state every this many sequences (paper: 100); 0 = at epoch starts only. */
  resetEvery: number;
  /** The optimiser (paper text: `{ name: 'sgd', learningRate: 1e-4, momentum: 0.99 }`). */
  optimizer: OptimizerSpec;
  /** Fixed weight-noise std, resampled per sequence (paper Penn: 0.075); 0 = off. */
  weightNoise: number;
  /** Global-norm gradient clip (not in the paper), or null. */
  clipNorm: number | null;
  /**
   * Learning-rate half-life in updates (not in the paper): the rate is lr₀ · 0.5^(s / halfLife) at update s,
   * recomputed every 100 updates; null = constant. A function of the update count only, so resume stays exact.
   */
  learningRateHalfLife: number | null;
  /**
   * Learning-rate decay (not in the paper), or null: from lr₀ down to `final` · lr₀ at update `steps`, along a
   * straight line (`linear`) or half a cosine (`cosine`), then `final` · lr₀. `steps: "run"` fits the decay to the
   * run's bound: its update limit (`--steps`, epochs), or with a time limit the updates the measured rate fits
   * into it (measured over 500+ updates after the session's first 100, up to a validation; then fixed and saved,
   * so a resumed run keeps it; until then lr₀). Recomputed every 100
   * updates; a function of the update count only, so resume stays exact. Cannot be combined with
   * `learningRateHalfLife`.
   */
  learningRateDecay: LearningRateDecay | null;
  /** Passes over the training data (fractions allowed); the run stops after them unless stopped earlier. */
  epochs: number;
  /** Validate every this many updates (0 = only at the end). */
  validateEvery: number;
  /** Symbols of the validation split used for periodic validation (0 = all). The final evaluation uses all. */
  validateSymbols: number;
  /** Seed of the run's random stream (initialisation, weight noise). */
  seed: number;
}

/** Defaults for fields a config leaves out. */
export const DEFAULT_MODEL_CONFIG: TextModelConfig = {
  hiddenSizes: [256],
  peepholes: true,
  inputSkips: true,
  outputSkips: true,
  lstmClip: 1,
  outputClip: null,
  initScale: null,
  forgetBias: 0,
};

/** Defaults for fields a config leaves out (non-paper: Adam; see configs/text-default.json). */
export const DEFAULT_TRAINING_CONFIG: TextTrainingConfig = {
  seqLength: 50,
  batchSize: 32,
  resetEvery: 100,
  optimizer: { name: 'adam', learningRate: 7e-3 },
  weightNoise: 0,
  clipNorm: null,
  learningRateHalfLife: 3000,
  learningRateDecay: null,
  epochs: 10,
  validateEvery: 500,
  validateSymbols: 50_000,
  seed: 1,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key) && !key.startsWith('$') && key !== 'comment' && key !== 'unconfirmed' && key !== 'source') {
      throw new ConfigError(`${where}: unknown field '${key}' (expected ${allowed.join(', ')})`);
    }
  }
}

function num(obj: Record<string, unknown>, key: string, fallback: number, where: string, check: (v: number) => boolean, expected: string): number {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) {
    throw new ConfigError(`${where}.${key} is ${JSON.stringify(v)}, expected ${expected}`);
  }
  return v;
}

function numOrNull(obj: Record<string, unknown>, key: string, fallback: number | null, where: string): number | null {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (v === null) return null;
  if (typeof v !== 'number' || !(v > 0)) throw new ConfigError(`${where}.${key} is ${JSON.stringify(v)}, expected a number > 0 or null`);
  return v;
}

function bool(obj: Record<string, unknown>, key: string, fallback: boolean, where: string): boolean {
  const v = obj[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ConfigError(`${where}.${key} is ${JSON.stringify(v)}, expected true or false`);
  return v;
}

const isPositiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
const isNonNegativeInt = (v: number): boolean => Number.isInteger(v) && v >= 0;

/**
 * Validates a model config, filling defaults.
 * @param where - Names the source in errors, e.g. `configs/text-penn-char.json: model`.
 * @throws {@link ConfigError} naming the field and what was expected.
 */
export function parseModelConfig(raw: unknown, where = 'model', defaults: TextModelConfig = DEFAULT_MODEL_CONFIG): TextModelConfig {
  if (raw === undefined) return { ...defaults, hiddenSizes: [...defaults.hiddenSizes] };
  if (!isObject(raw)) throw new ConfigError(`${where} must be an object, got ${JSON.stringify(raw)}`);
  checkKeys(raw, ['hiddenSizes', 'peepholes', 'inputSkips', 'outputSkips', 'lstmClip', 'outputClip', 'initScale', 'forgetBias'], where);
  let hiddenSizes = defaults.hiddenSizes;
  if (raw.hiddenSizes !== undefined) {
    const h = raw.hiddenSizes;
    if (!Array.isArray(h) || h.length < 1 || !h.every((x) => typeof x === 'number' && isPositiveInt(x))) {
      throw new ConfigError(`${where}.hiddenSizes is ${JSON.stringify(h)}, expected a non-empty array of positive integers such as [1000]`);
    }
    hiddenSizes = h as number[];
  }
  const initScale = numOrNull(raw, 'initScale', defaults.initScale, where);
  return {
    hiddenSizes: [...hiddenSizes],
    peepholes: bool(raw, 'peepholes', defaults.peepholes, where),
    inputSkips: bool(raw, 'inputSkips', defaults.inputSkips, where),
    outputSkips: bool(raw, 'outputSkips', defaults.outputSkips, where),
    lstmClip: numOrNull(raw, 'lstmClip', defaults.lstmClip, where),
    outputClip: numOrNull(raw, 'outputClip', defaults.outputClip, where),
    initScale,
    forgetBias: num(raw, 'forgetBias', defaults.forgetBias, where, () => true, 'a finite number'),
  };
}

/**
 * Validates a training config, filling defaults. The optimiser spec is checked by core's `createOptimizer`.
 * @throws {@link ConfigError} naming the field and what was expected.
 */
export function parseTrainingConfig(raw: unknown, where = 'training', defaults: TextTrainingConfig = DEFAULT_TRAINING_CONFIG): TextTrainingConfig {
  if (raw === undefined) return { ...defaults };
  if (!isObject(raw)) throw new ConfigError(`${where} must be an object, got ${JSON.stringify(raw)}`);
  checkKeys(
    raw,
    ['seqLength', 'batchSize', 'resetEvery', 'optimizer', 'weightNoise', 'clipNorm', 'learningRateHalfLife', 'learningRateDecay', 'epochs', 'validateEvery', 'validateSymbols', 'seed'],
    where,
  );
  const optimizer = raw.optimizer === undefined ? defaults.optimizer : raw.optimizer;
  if (!isObject(optimizer) || typeof optimizer.name !== 'string') {
    throw new ConfigError(`${where}.optimizer is ${JSON.stringify(optimizer)}, expected { "name": "sgd" | "adam" | "graves-rmsprop", ... }`);
  }
  const learningRateHalfLife = numOrNull(raw, 'learningRateHalfLife', defaults.learningRateHalfLife, where);
  const learningRateDecay = raw.learningRateDecay === undefined ? defaults.learningRateDecay : parseDecay(raw.learningRateDecay, `${where}.learningRateDecay`);
  // An explicit decay replaces a half-life that only came from the defaults; both given is an error.
  if (learningRateDecay !== null && raw.learningRateHalfLife !== undefined && raw.learningRateHalfLife !== null) {
    throw new ConfigError(`${where}: learningRateHalfLife (${learningRateHalfLife}) and learningRateDecay cannot both be set; set one of them to null`);
  }
  return {
    seqLength: num(raw, 'seqLength', defaults.seqLength, where, isPositiveInt, 'a positive integer (paper: 100)'),
    batchSize: num(raw, 'batchSize', defaults.batchSize, where, isPositiveInt, 'a positive integer'),
    resetEvery: num(raw, 'resetEvery', defaults.resetEvery, where, isNonNegativeInt, 'an integer >= 0 (paper: 100; 0 = epoch starts only)'),
    optimizer: optimizer as unknown as OptimizerSpec,
    weightNoise: num(raw, 'weightNoise', defaults.weightNoise, where, (v) => v >= 0, 'a number >= 0 (paper Penn: 0.075)'),
    clipNorm: numOrNull(raw, 'clipNorm', defaults.clipNorm, where),
    learningRateHalfLife: learningRateDecay !== null ? null : learningRateHalfLife,
    learningRateDecay,
    epochs: num(raw, 'epochs', defaults.epochs, where, (v) => v > 0, 'a number > 0'),
    validateEvery: num(raw, 'validateEvery', defaults.validateEvery, where, isNonNegativeInt, 'an integer >= 0'),
    validateSymbols: num(raw, 'validateSymbols', defaults.validateSymbols, where, isNonNegativeInt, 'an integer >= 0 (0 = all)'),
    seed: num(raw, 'seed', defaults.seed, where, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
  };
}

/** `final` of a learning-rate decay that does not say (a fraction of lr₀ > 0: optimisers refuse a rate of 0). */
export const DEFAULT_DECAY_FINAL = 0.01;

function parseDecay(raw: unknown, where: string): LearningRateDecay | null {
  if (raw === null) return null;
  const expected = `expected { "shape": "linear" | "cosine", "steps": <updates> | "run", "final": <fraction of the rate, > 0 and ≤ 1> } or null`;
  if (!isObject(raw)) throw new ConfigError(`${where} is ${JSON.stringify(raw)}, ${expected}`);
  checkKeys(raw, ['shape', 'steps', 'final'], where);
  if (raw.shape !== 'linear' && raw.shape !== 'cosine') throw new ConfigError(`${where}.shape is ${JSON.stringify(raw.shape)}, expected "linear" or "cosine"`);
  const steps = raw.steps === undefined ? 'run' : raw.steps;
  if (steps !== 'run' && (typeof steps !== 'number' || !isPositiveInt(steps))) {
    throw new ConfigError(`${where}.steps is ${JSON.stringify(steps)}, expected a positive integer (updates) or "run" (the run's length)`);
  }
  const final = raw.final === undefined ? DEFAULT_DECAY_FINAL : raw.final;
  if (typeof final !== 'number' || !(final > 0 && final <= 1)) {
    throw new ConfigError(`${where}.final is ${JSON.stringify(final)}, expected a number > 0 and ≤ 1 (fraction of the learning rate; updates at rate 0 would change nothing)`);
  }
  return { shape: raw.shape, steps, final };
}

/** Updates between learning-rate recomputations under a schedule. */
export const LEARNING_RATE_INTERVAL = 100;

/** Whether the config schedules the learning rate (half-life or decay). */
export function hasLearningRateSchedule(config: Pick<TextTrainingConfig, 'learningRateHalfLife' | 'learningRateDecay'>): boolean {
  return config.learningRateHalfLife !== null || (config.learningRateDecay ?? null) !== null;
}

/**
 * The learning rate for update `step` (0-based count of updates done), with s = `step` rounded down to a multiple
 * of {@link LEARNING_RATE_INTERVAL}: lr₀ · 0.5^(s / halfLife) under a half-life; under a decay,
 * lr₀ · (final + (1 − final) · f(min(s / steps, 1))) with f(p) = 1 − p (linear) or (1 + cos πp) / 2 (cosine);
 * lr₀ when there is no schedule. A decay with `steps: "run"` uses `runSteps` (lr₀ while that is not known yet).
 */
export function learningRateAt(
  config: Pick<TextTrainingConfig, 'optimizer' | 'learningRateHalfLife'> & { learningRateDecay?: LearningRateDecay | null },
  step: number,
  runSteps?: number | null,
): number {
  const base = (config.optimizer as { learningRate?: number }).learningRate;
  if (base === undefined) throw new ConfigError(`training.optimizer.learningRate is required with a learning-rate schedule`);
  const decay = config.learningRateDecay ?? null;
  if (config.learningRateHalfLife === null && decay === null) return base;
  const s = Math.floor(step / LEARNING_RATE_INTERVAL) * LEARNING_RATE_INTERVAL;
  if (decay !== null) {
    const steps = decay.steps === 'run' ? runSteps : decay.steps;
    if (steps === undefined || steps === null) return base;
    const p = Math.min(s / steps, 1);
    const f = decay.shape === 'linear' ? 1 - p : (1 + Math.cos(Math.PI * p)) / 2;
    return base * (decay.final + (1 - decay.final) * f);
  }
  return base * 0.5 ** (s / (config.learningRateHalfLife as number));
}

/** One line describing the schedule, for logs. */
export function describeLearningRateSchedule(config: Pick<TextTrainingConfig, 'learningRateHalfLife'> & { learningRateDecay?: LearningRateDecay | null }): string {
  const decay = config.learningRateDecay ?? null;
  if (decay !== null) return `learning rate: ${decay.shape} decay to ${decay.final} × lr over ${decay.steps === 'run' ? "the run's length" : `${decay.steps} updates`}`;
  return `learning-rate half-life ${config.learningRateHalfLife ?? 'none'}`;
}
