import '@seqgen/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng, ShapeError } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { makeBatch, sliceBatch, type HandwritingBatch } from './batch.js';
import { delegatedTrainStep, type HandwritingGradientFunction } from './gradients.js';
import { HandwritingModel } from './handwriting-model.js';
import { randomLine, tinySynthesisConfig } from './__fixtures__/tiny-synthesis.js';
import { trainStep, type TrainStepReport } from './train.js';

const config = tinySynthesisConfig;
const line = randomLine;

function batchOf(seed: number): HandwritingBatch {
  const rng = createRng(seed);
  return makeBatch([line(rng, 9, 'ab'), line(rng, 7, 'ba ab'), line(rng, 4, 'b'), line(rng, 8, 'a b')], config.alphabet);
}

/**
 * What a data-parallel pool computes, in process: per shard of lines, ∂(Σ_shard nats / B)/∂w on a sub-batch, summed.
 */
function shardedGradients(model: HandwritingModel, shards: Array<[number, number]>): HandwritingGradientFunction {
  return async ({ batch, params }) => {
    const byVariable = new Map(Object.entries(params).map(([name, v]) => [v.name, name]));
    const grads: Record<string, tf.Tensor> = {};
    let total = 0;
    let points = 0;
    for (const [start, end] of shards) {
      const part = sliceBatch(batch, start, end);
      const { value, grads: g } = tf.variableGrads(() => {
        const loss = model.loss(part);
        points += loss.points;
        return tf.div(loss.total, batch.batch) as tf.Scalar;
      }, Object.values(params));
      total += (value.dataSync()[0] as number) * batch.batch;
      value.dispose();
      for (const [variableName, t] of Object.entries(g)) {
        const name = byVariable.get(variableName) as string;
        const before = grads[name];
        grads[name] = before ? tf.add(before, t) : t;
        if (before) tf.dispose([before, t]);
      }
    }
    return { grads, total, points };
  };
}

function weightsOf(model: HandwritingModel): Record<string, number[]> {
  return Object.fromEntries(Object.entries(model.weights()).map(([n, w]) => [n, Array.from(w)]));
}

describe('sliceBatch', () => {
  it('keeps T and copies the lines [start, end): inputs, targets, mask, lengths, texts', () => {
    const batch = batchOf(3);
    const part = sliceBatch(batch, 1, 3);
    expect(part.steps).toBe(9);
    expect(part.batch).toBe(2);
    expect(Array.from(part.lengths)).toEqual([7, 4]);
    expect(part.texts.map((t) => Array.from(t))).toEqual([Array.from(batch.texts[1] as Int32Array), Array.from(batch.texts[2] as Int32Array)]);
    for (let t = 0; t < 9; t++) {
      for (let b = 0; b < 2; b++) {
        expect(part.mask[t * 2 + b]).toBe(batch.mask[t * 4 + b + 1]);
        for (let c = 0; c < 3; c++) {
          expect(part.inputs[(t * 2 + b) * 3 + c]).toBe(batch.inputs[(t * 4 + b + 1) * 3 + c]);
          expect(part.targets[(t * 2 + b) * 3 + c]).toBe(batch.targets[(t * 4 + b + 1) * 3 + c]);
        }
      }
    }
    expect(part.mask.reduce((a, m) => a + m, 0)).toBe(11);
    expect(() => sliceBatch(batch, 2, 2)).toThrow(/0 <= start < end <= 4, got \[2, 2\)/);
    expect(() => sliceBatch(batch, 0, 5)).toThrow(ShapeError);
  });
});

describe('delegatedTrainStep', () => {
  it('with sharded gradients (2 + 2 and 1 + 3 lines) trains like trainStep: same reports and weights, no leaks', async () => {
    await tf.setBackend('cpu');
    const run = async (shards: Array<[number, number]> | null): Promise<{ reports: TrainStepReport[]; weights: Record<string, number[]> }> => {
      const model = new HandwritingModel(config, createRng(1));
      const optimizer = createOptimizer({ name: 'adam', learningRate: 0.01 });
      const reports: TrainStepReport[] = [];
      for (let s = 0; s < 3; s++) {
        const batch = batchOf(10 + s);
        if (shards === null) reports.push(trainStep(model, optimizer, batch));
        else {
          const before = tf.memory().numTensors;
          reports.push(await delegatedTrainStep(model, optimizer, shardedGradients(model, shards), batch));
          // Adam's slots appear at the first update; after that a step leaves no tensor behind.
          if (s > 0) expect(tf.memory().numTensors).toBe(before);
        }
      }
      const weights = weightsOf(model);
      optimizer.dispose();
      model.dispose();
      return { reports, weights };
    };
    const one = await run(null);
    expect(one.reports[0]?.lossPerSequence).toBeGreaterThan(10);
    for (const shards of [[[0, 2], [2, 4]], [[0, 1], [1, 4]]] as Array<Array<[number, number]>>) {
      const split = await run(shards);
      for (const key of ['lossPerSequence', 'lossPerPoint', 'gradNorm'] as const) {
        expectClose(split.reports.map((r) => r[key]), one.reports.map((r) => r[key]), { atol: 1e-5, rtol: 1e-5 });
      }
      for (const [name, w] of Object.entries(one.weights)) expectClose(split.weights[name] as number[], w, { atol: 1e-5, rtol: 1e-5 });
    }
    await expectNoLeaks(() => run([[0, 2], [2, 4]]));
  });

  it('refuses a non-finite loss or a missing gradient, leaving the weights unchanged and disposing the gradients', async () => {
    await tf.setBackend('cpu');
    const model = new HandwritingModel(config, createRng(1));
    const optimizer = createOptimizer({ name: 'sgd', learningRate: 0.1 });
    const before = weightsOf(model);
    const zeros = (): Record<string, tf.Tensor> => Object.fromEntries(Object.entries(model.params).map(([n, v]) => [n, tf.zerosLike(v)]));
    await expectNoLeaks(async () => {
      await expect(delegatedTrainStep(model, optimizer, async () => ({ grads: zeros(), total: Number.NaN, points: 5 }), batchOf(1))).rejects.toThrow(
        /delegatedTrainStep: the loss is NaN; nothing was updated/,
      );
      const partial = async (): Promise<{ grads: Record<string, tf.Tensor>; total: number; points: number }> => {
        const grads = zeros();
        (grads['window/w'] as tf.Tensor).dispose();
        delete grads['window/w'];
        return { grads, total: 1, points: 5 };
      };
      await expect(delegatedTrainStep(model, optimizer, partial, batchOf(1))).rejects.toThrow(/no gradient for weight 'window\/w'/);
    });
    expect(weightsOf(model)).toEqual(before);
    optimizer.dispose();
    model.dispose();
  });
});
