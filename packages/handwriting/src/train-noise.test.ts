import '@seqgen/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@seqgen/core';
import { AdaptiveWeightNoise, LOG_STD_SUFFIX, createOptimizer } from '@seqgen/core/train';
import { expectNoLeaks } from '@seqgen/test-utils';
import { makeBatch } from './batch.js';
import { HandwritingModel } from './handwriting-model.js';
import { randomLine, tinySynthesisConfig } from './__fixtures__/tiny-synthesis.js';
import { trainStep } from './train.js';

const config = tinySynthesisConfig;
const line = randomLine;

/** Runs `steps` noisy updates from seed 1 and returns every parameter's and log-std's values. */
function train(steps: number, noiseSeed: number): { params: Record<string, number[]>; logStd: Record<string, number[]>; losses: number[] } {
  const model = new HandwritingModel(config, createRng(1));
  const noise = new AdaptiveWeightNoise(model.params, { datasetSize: 50, initStd: 0.075 });
  const optimizer = createOptimizer({ name: 'adam', learningRate: 0.01 });
  const rng = createRng(2);
  const batch = makeBatch([line(rng, 9, 'ab'), line(rng, 7, 'ba ab')], config.alphabet);
  const noiseRng = createRng(noiseSeed);
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) losses.push(trainStep(model, optimizer, batch, { noise: { adaptive: noise, rng: noiseRng } }).lossPerSequence);
  const read = (vars: Record<string, tf.Variable>): Record<string, number[]> =>
    Object.fromEntries(Object.entries(vars).map(([n, v]) => [n, Array.from(v.dataSync())]));
  const out = { params: read(model.params), logStd: read(noise.logStd), losses };
  optimizer.dispose();
  noise.dispose();
  model.dispose();
  return out;
}

describe('trainStep with adaptive weight noise (paper §2.6)', () => {
  it('updates the means and the log-stds, reproducibly from the seeds, without leaks', async () => {
    await tf.setBackend('cpu');
    const a = train(3, 7);
    const b = train(3, 7);
    const c = train(3, 8);
    expect(a).toEqual(b); // same seeds → bit-identical
    expect(c.params).not.toEqual(a.params); // the noise changes the trajectory
    const names = Object.keys(a.logStd);
    expect(names.length).toBe(Object.keys(a.params).length);
    expect(names.every((n) => n.endsWith(LOG_STD_SUFFIX))).toBe(true);
    // Every log-std moved away from ln 0.075 (each gets data and complexity gradients).
    for (const n of names) expect(a.logStd[n]!.some((v) => Math.abs(v - Math.log(0.075)) > 1e-4)).toBe(true);
    expect(a.losses.every(Number.isFinite)).toBe(true);
    await expectNoLeaks(() => train(2, 3));
  });
});
