/**
 * When synthesis stops, Graves (2013) §5.5: as soon as φ(t, U+1) > φ(t, u) for every 1 ≤ u ≤ U,
 * plus a non-paper step cap as a safety net (§8 #8).
 */
import { ConfigError } from '../errors.js';

/** Default steps allowed per character for {@link maxSynthesisSteps} (non-paper; Grzego's 60 × len). */
export const DEFAULT_STEPS_PER_CHAR = 60;

/**
 * The paper's stop rule (§5.5): true when `phiNext` = φ(t, U+1) exceeds every φ(t, u), u = 1..U; the
 * current x_t is then the last point. Strict: a tie does not stop; NaN never stops. With U = 0 it is true.
 * @param phi - φ(t, 1..U) of one batch row (e.g. a row of `windowStep(...).phi`, real characters only).
 * @param phiNext - φ(t, U+1), from {@link phiAt} with u = U + 1.
 */
export function shouldStop(phi: ArrayLike<number>, phiNext: number): boolean {
  for (let u = 0; u < phi.length; u++) {
    if (!(phiNext > (phi[u] as number))) return false;
  }
  return !Number.isNaN(phiNext);
}

/**
 * Step cap for synthesis (non-paper safety, §8 #8): `ceil(stepsPerChar × U)`, at least 1.
 * The paper's lines average ≈ 25 points per character, so 60 rarely binds on a trained network.
 * @throws {@link ConfigError} when U is not a non-negative integer or stepsPerChar is not positive.
 */
export function maxSynthesisSteps(textLength: number, stepsPerChar = DEFAULT_STEPS_PER_CHAR): number {
  if (!Number.isInteger(textLength) || textLength < 0) {
    throw new ConfigError(`maxSynthesisSteps: text length must be a non-negative integer, got ${textLength}`);
  }
  if (!(stepsPerChar > 0) || !Number.isFinite(stepsPerChar)) {
    throw new ConfigError(`maxSynthesisSteps: stepsPerChar must be a finite number > 0, got ${stepsPerChar}`);
  }
  return Math.max(1, Math.ceil(stepsPerChar * textLength));
}

/** Why a synthesis loop should end at step `step` (0-based count of steps taken), or `undefined` to go on. */
export type StopReason = 'window' | 'max-steps';

/**
 * Combines {@link shouldStop} and the step cap: `'window'` when the paper's rule fires, `'max-steps'`
 * when `step + 1 >= maxSteps`, else `undefined`.
 */
export function stopReason(phi: ArrayLike<number>, phiNext: number, step: number, maxSteps: number): StopReason | undefined {
  if (shouldStop(phi, phiNext)) return 'window';
  if (step + 1 >= maxSteps) return 'max-steps';
  return undefined;
}
