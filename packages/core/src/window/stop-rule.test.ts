import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { DEFAULT_STEPS_PER_CHAR, maxSynthesisSteps, shouldStop, stopReason } from './stop-rule.js';
import { phiAt } from './window-step.js';

describe('shouldStop (§5.5)', () => {
  it('fires only when φ(t, U+1) exceeds every φ(t, u)', () => {
    expect(shouldStop([0.1, 0.2, 0.9], 0.5)).toBe(false);
    expect(shouldStop([0.1, 0.2, 0.4], 0.5)).toBe(true);
    expect(shouldStop([0.1, 0.5, 0.4], 0.5)).toBe(false); // a tie does not stop
    expect(shouldStop([0.1, 0.2], Number.NaN)).toBe(false);
    expect(shouldStop([], 0)).toBe(true);
  });

  it('stops on a hand-made alignment sequence once κ passes the last character', () => {
    // One Gaussian (α = 1, β = 2) whose centre κ walks over a 4-character text; φ from Eq. 46.
    const u = 4;
    let stoppedAt = -1;
    for (let t = 0; t < 100 && stoppedAt < 0; t++) {
      const kappa = 0.1 * (t + 1);
      const phi = Array.from({ length: u }, (_, i) => phiAt([1], [2], [kappa], i + 1));
      if (shouldStop(phi, phiAt([1], [2], [kappa], u + 1))) stoppedAt = t;
    }
    // φ(U+1) > φ(U) once κ > U + ½ = 4.5, i.e. κ = 4.6 at t = 45 (κ = 4.5 is a tie at float precision).
    expect(stoppedAt).toBe(45);
  });
});

describe('step cap', () => {
  it('defaults to 60 steps per character', () => {
    expect(DEFAULT_STEPS_PER_CHAR).toBe(60);
    expect(maxSynthesisSteps(12)).toBe(720);
    expect(maxSynthesisSteps(3, 25.5)).toBe(77);
    expect(maxSynthesisSteps(0)).toBe(1);
    expect(() => maxSynthesisSteps(-1)).toThrow(ConfigError);
    expect(() => maxSynthesisSteps(3, 0)).toThrow(/stepsPerChar/);
  });

  it('stopReason reports the window rule before the cap', () => {
    expect(stopReason([0.1], 0.5, 0, 10)).toBe('window');
    expect(stopReason([0.9], 0.5, 9, 10)).toBe('max-steps');
    expect(stopReason([0.9], 0.5, 8, 10)).toBeUndefined();
  });
});
