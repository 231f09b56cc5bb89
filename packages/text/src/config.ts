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
    ['seqLength', 'batchSize', 'resetEvery', 'optimizer', 'weightNoise', 'clipNorm', 'learningRateHalfLife', 'epochs', 'validateEvery', 'validateSymbols', 'seed'],
    where,
  );
  const optimizer = raw.optimizer === undefined ? defaults.optimizer : raw.optimizer;
  if (!isObject(optimizer) || typeof optimizer.name !== 'string') {
    throw new ConfigError(`${where}.optimizer is ${JSON.stringify(optimizer)}, expected { "name": "sgd" | "adam" | "graves-rmsprop", ... }`);
  }
  return {
    seqLength: num(raw, 'seqLength', defaults.seqLength, where, isPositiveInt, 'a positive integer (paper: 100)'),
    batchSize: num(raw, 'batchSize', defaults.batchSize, where, isPositiveInt, 'a positive integer'),
    resetEvery: num(raw, 'resetEvery', defaults.resetEvery, where, isNonNegativeInt, 'an integer >= 0 (paper: 100; 0 = epoch starts only)'),
    optimizer: optimizer as unknown as OptimizerSpec,
    weightNoise: num(raw, 'weightNoise', defaults.weightNoise, where, (v) => v >= 0, 'a number >= 0 (paper Penn: 0.075)'),
    clipNorm: numOrNull(raw, 'clipNorm', defaults.clipNorm, where),
    learningRateHalfLife: numOrNull(raw, 'learningRateHalfLife', defaults.learningRateHalfLife, where),
    epochs: num(raw, 'epochs', defaults.epochs, where, (v) => v > 0, 'a number > 0'),
    validateEvery: num(raw, 'validateEvery', defaults.validateEvery, where, isNonNegativeInt, 'an integer >= 0'),
    validateSymbols: num(raw, 'validateSymbols', defaults.validateSymbols, where, isNonNegativeInt, 'an integer >= 0 (0 = all)'),
    seed: num(raw, 'seed', defaults.seed, where, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer'),
  };
}

/** Updates between learning-rate recomputations under a half-life schedule. */
export const LEARNING_RATE_INTERVAL = 100;

/**
 * The learning rate for update `step` (0-based count of updates done): lr₀ · 0.5^(s / halfLife) with s rounded
 * down to a multiple of {@link LEARNING_RATE_INTERVAL}; lr₀ when there is no schedule.
 */
export function learningRateAt(config: Pick<TextTrainingConfig, 'optimizer' | 'learningRateHalfLife'>, step: number): number {
  const base = (config.optimizer as { learningRate?: number }).learningRate;
  if (base === undefined) throw new ConfigError(`training.optimizer.learningRate is required with learningRateHalfLife`);
  if (config.learningRateHalfLife === null) return base;
  const s = Math.floor(step / LEARNING_RATE_INTERVAL) * LEARNING_RATE_INTERVAL;
  return base * 0.5 ** (s / config.learningRateHalfLife);
}
