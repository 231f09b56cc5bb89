import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { createRng } from '../rng.js';
import { WeightNoise } from './weight-noise.js';

function makeParams(): Record<string, tf.Variable> {
  return {
    'lstm/0/kernel': tf.variable(tf.reshape(tf.linspace(-1, 1, 2000), [40, 50])),
    'lstm/0/bias': tf.variable(tf.tensor1d([0.1, 0.2, 0.3])),
    'head/kernel': tf.variable(tf.tensor2d([[1, 2]])),
  };
}

const values = (params: Record<string, tf.Variable>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(params).map(([n, w]) => [n, w.dataSync() as Float32Array]));

describe('WeightNoise (paper §2.6)', () => {
  it('adds N(0, 0.075²) noise and restores the clean weights bit-exactly, without leaks', () => {
    const params = makeParams();
    const clean = values(params);
    const noise = new WeightNoise(0.075);
    const before = tf.memory().numTensors;
    noise.perturb(params, createRng(1));
    expect(noise.perturbed).toBe(true);
    const noisy = values(params);
    const kernelClean = clean['lstm/0/kernel'] as Float32Array;
    const diffs = Array.from(noisy['lstm/0/kernel'] as Float32Array, (v, i) => v - (kernelClean[i] as number));
    const mean = diffs.reduce((a, b) => a + b, 0) / diffs.length;
    const std = Math.sqrt(diffs.reduce((a, b) => a + (b - mean) ** 2, 0) / diffs.length);
    expect(Math.abs(mean)).toBeLessThan(0.01); // 4 standard errors of 0.075/sqrt(2000)
    expect(std).toBeGreaterThan(0.07);
    expect(std).toBeLessThan(0.08);
    expect(noisy['head/kernel']).not.toEqual(clean['head/kernel']);
    noise.restore(params);
    expect(noise.perturbed).toBe(false);
    expect(values(params)).toEqual(clean);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic under a seed and differs across seeds and calls', () => {
    const run = (seed: number): Record<string, Float32Array> => {
      const params = makeParams();
      const noise = new WeightNoise(0.075);
      const rng = createRng(seed);
      noise.perturb(params, rng);
      const first = values(params);
      noise.restore(params);
      noise.perturb(params, rng);
      const second = values(params);
      noise.restore(params);
      expect(second).not.toEqual(first); // fresh noise for each sequence
      return first;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('perturbs only included variables and draws one seed per perturbed variable', () => {
    const params = makeParams();
    const clean = values(params);
    const rng = createRng(3);
    const noise = new WeightNoise(0.5, { include: (name) => name.endsWith('kernel') });
    noise.perturb(params, rng);
    expect(values(params)['lstm/0/bias']).toEqual(clean['lstm/0/bias']);
    expect(values(params)['head/kernel']).not.toEqual(clean['head/kernel']);
    const reference = createRng(3);
    reference.nextSeed();
    reference.nextSeed();
    expect(rng.state()).toBe(reference.state());
    noise.restore(params);
  });

  it('rejects a bad std, a second perturb and a restore missing a variable', () => {
    expect(() => new WeightNoise(-0.1)).toThrow(new ConfigError('weight noise: std must be a finite number >= 0 (paper: 0.075), got -0.1'));
    const params = makeParams();
    const noise = new WeightNoise(0.075);
    noise.restore(params); // no-op when not perturbed
    noise.perturb(params, createRng(1));
    expect(() => noise.perturb(params, createRng(2))).toThrow('perturb() called twice without restore()');
    const { 'head/kernel': _dropped, ...rest } = params;
    expect(() => noise.restore(rest)).toThrow("restore() got no variable named head/kernel");
    expect(noise.perturbed).toBe(false);
  });
});
