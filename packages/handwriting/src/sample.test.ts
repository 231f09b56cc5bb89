import { describe, expect, it } from 'vitest';
import { createRng, SeqgenError } from '@seqgen/core';
import { FastNet } from './fast-net.js';
import { STACK_PREFIX, WINDOW_BIAS, WINDOW_WEIGHT } from './handwriting-model.js';
import type { HandwritingModelConfig } from './model-config.js';
import { sampleUnconditional, synthesize } from './sample.js';

/** All-zero weights of the given shapes, so outputs are exactly the biases we set. */
function zeroWeights(config: HandwritingModelConfig): Record<string, Float32Array> {
  const S = config.task === 'synthesis' ? config.alphabet.length : 0;
  const w: Record<string, Float32Array> = {};
  const hs = config.hiddenSizes;
  hs.forEach((H, n) => {
    const p = `${STACK_PREFIX}/${n}`;
    w[`${p}/wx`] = new Float32Array(3 * 4 * H);
    if (n > 0) w[`${p}/wbelow`] = new Float32Array((hs[n - 1] as number) * 4 * H);
    if (S > 0) w[`${p}/wextra`] = new Float32Array(S * 4 * H);
    w[`${p}/wh`] = new Float32Array(H * 4 * H);
    w[`${p}/b`] = new Float32Array(4 * H);
    w[`${p}/peep`] = new Float32Array(3 * H);
  });
  const K = 1 + 6 * config.mixtures;
  w[`${STACK_PREFIX}/out/w`] = new Float32Array(hs.reduce((a, b) => a + b, 0) * K);
  w[`${STACK_PREFIX}/out/b`] = new Float32Array(K);
  if (config.task === 'synthesis') {
    w[WINDOW_WEIGHT] = new Float32Array((hs[0] as number) * 3 * config.windowMixtures);
    w[WINDOW_BIAS] = new Float32Array(3 * config.windowMixtures);
  }
  return w;
}

const base = { hiddenSizes: [4], mixtures: 3, windowMixtures: 2, outputClip: 100, lstmClip: 10, kappaBiasInit: 0 };

describe('biased sampling (Eqs. 61-62)', () => {
  it('with a huge bias returns the most probable component\'s mean', () => {
    const config: HandwritingModelConfig = { task: 'prediction', alphabet: [], ...base };
    const w = zeroWeights(config);
    // ŷ = [ê, π̂1..3, μ1 1..3, μ2 1..3, σ̂1 1..3, σ̂2 1..3, ρ̂1..3]: component 2 is the most probable.
    w[`${STACK_PREFIX}/out/b`]!.set([4, 0.1, 0.5, 0.3, -1, 2.5, 7, 3, -4, 1, 0.2, 0.3, 0.1, 0.4, 0.5, 0.2, 0.3, -0.2, 0.9]);
    const net = new FastNet(config, w);
    const r = sampleUnconditional(net, 5, { bias: 60, rng: createRng(3) });
    for (let t = 0; t < 5; t++) {
      expect(r.offsets[3 * t]).toBeCloseTo(2.5, 5);
      expect(r.offsets[3 * t + 1]).toBeCloseTo(-4, 5);
    }
    // Unbiased draws spread over the components: the sample mean is near Σ π μ, not μ_2.
    const u = sampleUnconditional(net, 4000, { bias: 0, rng: createRng(4) });
    let mean = 0;
    for (let t = 0; t < 4000; t++) mean += (u.offsets[3 * t] as number) / 4000;
    const pi = [0.1, 0.5, 0.3].map(Math.exp);
    const z = pi.reduce((a, b) => a + b, 0);
    // Σ π μ1 ≈ 3.04 (sd of the mean ≈ 0.05 over 4000 draws), 0.54 away from μ1 of component 2.
    expect(Math.abs(mean - (pi[0]! * -1 + pi[1]! * 2.5 + pi[2]! * 7) / z)).toBeLessThan(0.2);
  });
});

describe('synthesis stop rule (§5.5) with a hand-made window', () => {
  it('stops at the first step where φ(t, U+1) beats every φ(t, u), not on a tie', () => {
    const config: HandwritingModelConfig = { task: 'synthesis', alphabet: ['#', ' ', 'a', 'b'], ...base };
    const w = zeroWeights(config);
    // α̂ = 0 (α = 1), β̂ = 0 (β = 1), κ̂ = ln 0.5: κ_t = 0.5 (t + 1), the same for both window Gaussians.
    w[WINDOW_BIAS]!.set([0, 0, 0, 0, Math.log(0.5), Math.log(0.5)]);
    const net = new FastNet(config, w);
    const r = synthesize(net, 'abba', { rng: createRng(1), recordPhi: true });
    // Step t = 8: κ = 4.5, φ(5) = φ(4) (a tie: go on); t = 9: κ = 5, φ(5) = 2 > φ(4) = 2e^{-1}: stop, x_9 is the last.
    expect(r.stop).toBe('window');
    expect(r.steps).toBe(9);
    expect(r.lastCharacter).toBe(4);
    // κ = 4 and 4.5 (t = 7, 8) put the strongest weight on the last character; κ = 3.5 is a tie kept on u = 3.
    expect(r.stepsOnLastCharacter).toBe(2);
    expect(r.phi![8 * 4 + 3]).toBeCloseTo(2 * Math.exp(-0.25), 5);
    // The step cap binds when the window never passes the end.
    w[WINDOW_BIAS]!.set([0, 0, 0, 0, -30, -30]);
    const stuck = synthesize(new FastNet(config, w), 'abba', { rng: createRng(1), stepsPerChar: 3 });
    expect(stuck.stop).toBe('max-steps');
    expect(stuck.steps).toBe(12);
  });

  it('rejects unsupported characters with the supported set, or maps them on request', () => {
    const config: HandwritingModelConfig = { task: 'synthesis', alphabet: ['#', ' ', 'a', 'b'], ...base };
    const net = new FastNet(config, zeroWeights(config));
    expect(() => synthesize(net, 'ab€', { rng: createRng(1) })).toThrow(SeqgenError);
    expect(() => synthesize(net, 'ab€', { rng: createRng(1) })).toThrow(/"€".*Supported \(4\): "#" " " "a" "b"/);
    expect(synthesize(net, 'ab€', { rng: createRng(1), unknown: 'map', stepsPerChar: 1 }).windowText).toBe('ab€');
    expect(() => synthesize(net, '', { rng: createRng(1) })).toThrow(/empty/);
  });
});
