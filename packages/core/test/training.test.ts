/**
 * Whole training steps through the public API (LstmStack + softmaxCrossEntropy + clipping + optimiser):
 * no tensor leaks over 100 steps, and the same seed gives bit-identical weights after N steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeBackends } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import { createRng, LstmStack, softmaxCrossEntropy } from '../src/index.js';
import { clipByGlobalNorm, createOptimizer, type OptimizerSpec } from '../src/train/index.js';

const V = 6;
const T = 7;
const B = 3;

/** Trains a 2x8 stack for `steps` updates on seeded random ids; returns the final weights and tensor counts. */
function train(seed: number, steps: number, spec: OptimizerSpec): { weights: Float32Array[]; counts: number[] } {
  const rng = createRng(seed);
  const stack = new LstmStack({ inputSize: V, hiddenSizes: [8, 8], outputSize: V, lstmClip: 1, outputClip: 100 }, rng);
  const optimizer = createOptimizer(spec);
  const counts: number[] = [];
  let state = stack.zeroState(B);
  for (let s = 0; s < steps; s++) {
    const ids = Int32Array.from({ length: (T + 1) * B }, () => Math.floor(rng.next() * V));
    const all = tf.tensor2d(ids, [T + 1, B], 'int32');
    const inputs = tf.slice(all, [0, 0], [T, B]) as tf.Tensor2D;
    const targets = tf.slice(all, [1, 0], [T, B]) as tf.Tensor2D;
    let next = state;
    const { value, grads } = tf.variableGrads(() => {
      const out = stack.forward({ ids: inputs }, state);
      next = { h: out.state.h.map((h) => tf.keep(h)), c: out.state.c.map((c) => tf.keep(c)) };
      return tf.div(softmaxCrossEntropy(out.logits, targets), B) as tf.Scalar;
    });
    const named: Record<string, tf.Tensor> = {};
    for (const [name, v] of Object.entries(stack.params)) named[name] = grads[v.name] as tf.Tensor;
    const clipped = clipByGlobalNorm(named, 5);
    optimizer.apply(clipped.grads, stack.params);
    tf.dispose([value, all, inputs, targets, ...Object.values(grads), ...Object.values(clipped.grads)]);
    tf.dispose([state.h, state.c]);
    // Carry the state across sequences, as truncated BPTT does.
    state = { h: next.h.map((h) => tf.keep(tf.clone(h))), c: next.c.map((c) => tf.keep(tf.clone(c))) };
    tf.dispose([next.h, next.c]);
    counts.push(tf.memory().numTensors);
  }
  const weights = Object.values(stack.params).map((v) => Float32Array.from(v.dataSync()));
  tf.dispose([state.h, state.c]);
  optimizer.dispose();
  stack.dispose();
  return { weights, counts };
}

describeBackends(['cpu', 'wasm'], 'training steps', () => {
  for (const spec of [{ name: 'graves-rmsprop' }, { name: 'adam', learningRate: 0.01 }, { name: 'sgd', learningRate: 0.01, momentum: 0.9 }] as OptimizerSpec[]) {
    it(`${spec.name}: no tensor leaks over 100 training steps`, () => {
      const before = tf.memory().numTensors;
      const { counts } = train(1, 100, spec);
      // Constant from the second step on (the first creates the optimiser slots) ...
      expect(new Set(counts.slice(1)).size).toBe(1);
      // ... and nothing left once the model and the optimiser are disposed.
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('same seed: bit-identical weights after 20 steps; another seed: different', () => {
    const spec: OptimizerSpec = { name: 'graves-rmsprop', learningRate: 1e-3 };
    const a = train(7, 20, spec);
    const b = train(7, 20, spec);
    const c = train(8, 20, spec);
    expect(a.weights.length).toBeGreaterThan(0);
    a.weights.forEach((w, i) => expect(new Uint8Array(w.buffer)).toEqual(new Uint8Array((b.weights[i] as Float32Array).buffer)));
    expect(a.weights.some((w, i) => w.some((x, j) => x !== (c.weights[i] as Float32Array)[j]))).toBe(true);
  });
});
