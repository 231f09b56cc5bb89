/**
 * Configuration of the handwriting prediction (Graves 2013 §4) and synthesis (§5) networks.
 */
import { ConfigError } from '@seqgen/core';

/** Which network: unconditional prediction (§4) or text-conditioned synthesis (§5). */
export type HandwritingTask = 'prediction' | 'synthesis';

/** Model hyperparameters (stored in checkpoints as `config`). */
export interface HandwritingModelConfig {
  task: HandwritingTask;
  /** LSTM units per layer; paper §4: `[900]` or `[400, 400, 400]`; §5: `[400, 400, 400]`. */
  hiddenSizes: number[];
  /** M, bivariate Gaussians of the output (paper: 20; Eqs. 16–22). */
  mixtures: number;
  /** K, Gaussians of the soft window (paper: 10; Eqs. 46–51). Synthesis only. */
  windowMixtures: number;
  /** Character set of the window input (synthesis), in one-hot index order; `[]` for prediction. */
  alphabet: string[];
  /** Elementwise clip of ∂L/∂ŷ (paper §2.2: 100). */
  outputClip: number;
  /** Elementwise clip of LSTM pre-activation derivatives (paper §2.2: 10). */
  lstmClip: number;
  /**
   * Initial bias of κ̂ (non-paper initialisation): κ advances by exp(κ̂) per step, so −ln(points per
   * character) starts the window at the data's writing speed. The activation (Eq. 51) is the paper's.
   */
  kappaBiasInit: number;
}

/** Defaults of the small model that trains on 2 cores (see configs/hand-*.json for the paper's nets). */
export const DEFAULT_MODEL_CONFIG: Readonly<Omit<HandwritingModelConfig, 'task' | 'alphabet'>> = Object.freeze({
  hiddenSizes: [128, 128],
  mixtures: 20,
  windowMixtures: 10,
  outputClip: 100,
  lstmClip: 10,
  kappaBiasInit: -2.2,
});

/**
 * Fills defaults and validates a (possibly partial, e.g. from JSON) configuration.
 * @param where - Prefix of error messages (a file name or 'config').
 * @throws {@link ConfigError} naming the field and what was expected.
 */
export function resolveModelConfig(raw: Partial<HandwritingModelConfig> & { task: HandwritingTask }, where = 'config'): HandwritingModelConfig {
  const c: HandwritingModelConfig = {
    task: raw.task,
    hiddenSizes: raw.hiddenSizes ?? [...DEFAULT_MODEL_CONFIG.hiddenSizes],
    mixtures: raw.mixtures ?? DEFAULT_MODEL_CONFIG.mixtures,
    windowMixtures: raw.windowMixtures ?? DEFAULT_MODEL_CONFIG.windowMixtures,
    alphabet: raw.alphabet ?? [],
    outputClip: raw.outputClip ?? DEFAULT_MODEL_CONFIG.outputClip,
    lstmClip: raw.lstmClip ?? DEFAULT_MODEL_CONFIG.lstmClip,
    kappaBiasInit: raw.kappaBiasInit ?? DEFAULT_MODEL_CONFIG.kappaBiasInit,
  };
  if (c.task !== 'prediction' && c.task !== 'synthesis') throw new ConfigError(`${where}: task must be 'prediction' or 'synthesis', got ${JSON.stringify(c.task)}`);
  const posInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0 || !c.hiddenSizes.every(posInt)) {
    throw new ConfigError(`${where}: hiddenSizes must be a non-empty array of positive integers, got ${JSON.stringify(c.hiddenSizes)}`);
  }
  if (!posInt(c.mixtures)) throw new ConfigError(`${where}: mixtures must be a positive integer, got ${c.mixtures}`);
  if (!posInt(c.windowMixtures)) throw new ConfigError(`${where}: windowMixtures must be a positive integer, got ${c.windowMixtures}`);
  if (!(c.outputClip > 0) || !(c.lstmClip > 0)) throw new ConfigError(`${where}: outputClip and lstmClip must be > 0`);
  if (!Number.isFinite(c.kappaBiasInit)) throw new ConfigError(`${where}: kappaBiasInit must be finite, got ${c.kappaBiasInit}`);
  if (c.task === 'synthesis') {
    if (!Array.isArray(c.alphabet) || c.alphabet.length === 0 || !c.alphabet.every((s) => typeof s === 'string' && [...s].length === 1)) {
      throw new ConfigError(`${where}: a synthesis model needs an alphabet of single characters, got ${JSON.stringify(c.alphabet)}`);
    }
    if (new Set(c.alphabet).size !== c.alphabet.length) throw new ConfigError(`${where}: the alphabet has duplicate characters`);
  }
  return c;
}
