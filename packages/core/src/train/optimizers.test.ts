import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CheckpointError, ConfigError, ShapeError } from '../errors.js';
import { createOptimizer, type OptimizerSpec } from './optimizers.js';

const specs: OptimizerSpec[] = [
  { name: 'graves-rmsprop', learningRate: 0.01 },
  { name: 'sgd', learningRate: 0.05, momentum: 0.9 },
  { name: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true },
  { name: 'adam', learningRate: 0.01 },
];

function makeParams(): Record<string, tf.Variable> {
  return {
    'lstm/0/kernel': tf.variable(tf.tensor2d([0.1, -0.2, 0.3, 0.4, -0.5, 0.6], [2, 3])),
    'head/bias': tf.variable(tf.tensor1d([0.5, -1])),
  };
}

/** Deterministic gradients for update k (a function of the weights, like a real loss). */
function gradsAt(params: Record<string, tf.Variable>, k: number): Record<string, tf.Tensor> {
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const [name, w] of Object.entries(params)) out[name] = tf.add(tf.mul(w, 2), Math.sin(k + name.length));
    return out;
  });
}

function snapshot(params: Record<string, tf.Variable>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(params).map(([n, w]) => [n, Array.from(w.dataSync())]));
}

describe('createOptimizer', () => {
  it('rejects unknown names and out-of-range hyperparameters with precise messages', () => {
    expect(() => createOptimizer({ name: 'rmsprop' } as unknown as OptimizerSpec)).toThrow(
      new ConfigError("optimizer: unknown name 'rmsprop', expected one of graves-rmsprop, sgd, adam"),
    );
    expect(() => createOptimizer({ name: 'graves-rmsprop', decay: 1 })).toThrow(
      "optimizer graves-rmsprop: 'decay' must be a number in [0, 1), got 1",
    );
    expect(() => createOptimizer({ name: 'graves-rmsprop', learningRate: -1 })).toThrow("'learningRate' must be a finite number > 0, got -1");
    expect(() => createOptimizer({ name: 'sgd' } as unknown as OptimizerSpec)).toThrow("optimizer sgd: 'learningRate' is required");
    expect(() => createOptimizer({ name: 'sgd', learningRate: 0.1, nesterov: true })).toThrow("'nesterov' needs a momentum > 0");
    expect(() => createOptimizer({ name: 'adam', epsilon: 0 })).toThrow(ConfigError);
  });

  it('fills sgd defaults', () => {
    expect(createOptimizer({ name: 'sgd', learningRate: 0.1 }).spec).toEqual({ name: 'sgd', learningRate: 0.1, momentum: 0, nesterov: false });
  });
});

describe.each(specs.map((s) => [`${s.name}${'nesterov' in s && s.nesterov ? ' (nesterov)' : ''}`, s] as const))('optimizer %s', (_label, spec) => {
  it('resumes exactly: getState -> new optimizer setState -> identical next updates', () => {
    const a = createOptimizer(spec);
    const pa = makeParams();
    for (let k = 0; k < 3; k++) {
      const g = gradsAt(pa, k);
      a.apply(g, pa);
      tf.dispose(g);
    }
    const state = a.getState();
    expect(state['optimizer/step']?.dtype).toBe('int32');
    expect(state['optimizer/step']?.dataSync()[0]).toBe(3);
    const b = createOptimizer(spec);
    const pb = makeParams();
    for (const [n, w] of Object.entries(pb)) w.assign(pa[n] as tf.Variable);
    b.setState(state, pb);
    tf.dispose(state);
    expect(b.step).toBe(3);
    for (let k = 3; k < 6; k++) {
      const ga = gradsAt(pa, k);
      const gb = gradsAt(pb, k);
      a.apply(ga, pa);
      b.apply(gb, pb);
      tf.dispose([ga, gb]);
      expect(snapshot(pb)).toEqual(snapshot(pa)); // bit-identical
    }
    // A fresh optimiser (zero state) would diverge: the round trip is what makes them equal.
    const c = createOptimizer(spec);
    const pc = makeParams();
    for (const [n, w] of Object.entries(pc)) w.assign(pb[n] as tf.Variable);
    const g = gradsAt(pc, 6);
    c.apply(g, pc);
    b.apply(g, pb);
    expect(snapshot(pc)).not.toEqual(snapshot(pb));
    for (const o of [a, b, c]) o.dispose();
  });

  it('leaks no tensors over 100 apply() calls (slots made on the first)', () => {
    const opt = createOptimizer(spec);
    const params = makeParams();
    const grads = gradsAt(params, 0);
    opt.apply(grads, params);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) opt.apply(grads, params);
    expect(tf.memory().numTensors).toBe(before);
    expect(opt.step).toBe(101);
    const state = opt.getState();
    const slots = Object.keys(state).length - 1;
    expect(slots).toBe(spec.name === 'graves-rmsprop' ? 6 : spec.name === 'adam' ? 4 : 2);
    tf.dispose(state);
    opt.dispose();
    tf.dispose(grads);
    expect(tf.memory().numTensors).toBe(before - slots - 2);
  });
});

describe('Optimizer validation', () => {
  it('apply: names an unknown parameter or a wrong shape, and changes nothing', () => {
    const opt = createOptimizer({ name: 'graves-rmsprop' });
    const params = makeParams();
    const before = snapshot(params);
    expect(() => opt.apply({ 'head/bias': tf.zeros([2]), 'lstm/1/kernel': tf.zeros([2, 3]) }, params)).toThrow(
      new ShapeError("graves-rmsprop: gradient 'lstm/1/kernel' names no parameter (parameters: lstm/0/kernel, head/bias)"),
    );
    expect(() => opt.apply({ 'head/bias': tf.zeros([3]) }, params)).toThrow(
      "graves-rmsprop: gradient 'head/bias' has shape [3], expected the parameter's [2]",
    );
    expect(snapshot(params)).toEqual(before);
    expect(opt.step).toBe(0);
  });

  it('setState: rejects foreign slots, missing step, wrong shapes, bad step', () => {
    const params = makeParams();
    const sgd = createOptimizer({ name: 'sgd', learningRate: 0.1, momentum: 0.9 });
    sgd.apply(gradsAt(params, 0), params);
    const sgdState = sgd.getState();
    const graves = createOptimizer({ name: 'graves-rmsprop' });
    expect(() => graves.setState(sgdState)).toThrow(
      new CheckpointError(
        "graves-rmsprop state: unexpected tensor 'optimizer/head/bias/velocity': expected 'optimizer/<param>/<slot>' with slot one of n, g, delta (was the checkpoint written by another optimiser?)",
      ),
    );
    expect(() => sgd.setState({ 'optimizer/head/bias/velocity': tf.zeros([2]) })).toThrow(
      "sgd state: missing 'optimizer/step' (a scalar count of updates)",
    );
    expect(() => sgd.setState({ 'optimizer/step': tf.scalar(1.5) })).toThrow("sgd state: 'optimizer/step' is 1.5, expected a non-negative integer");
    expect(() => sgd.setState({ ...sgdState, 'optimizer/head/bias/velocity': tf.zeros([3]) }, params)).toThrow(
      "sgd state: 'optimizer/head/bias/velocity' has shape [3], expected the parameter's [2]",
    );
    expect(() => sgd.setState({ ...sgdState, 'optimizer/nope/velocity': tf.zeros([3]) }, params)).toThrow(
      "sgd state: 'optimizer/nope/velocity' names no parameter of the model",
    );
    const adam = createOptimizer({ name: 'adam' });
    expect(() => adam.setState({ 'optimizer/step': tf.scalar(2, 'int32'), 'optimizer/head/bias/m': tf.zeros([2]) })).toThrow(
      "adam state: missing 'optimizer/head/bias/v' (each parameter needs slots m, v)",
    );
    // Non-optimizer tensors (model weights of a checkpoint) are ignored; a failed setState changed nothing.
    sgd.setState({ ...sgdState, 'lstm/0/kernel': tf.zeros([2, 3]) }, params);
    expect(sgd.step).toBe(1);
    const after = sgd.getState();
    expect(Array.from(after['optimizer/head/bias/velocity']?.dataSync() ?? [])).toEqual(
      Array.from(sgdState['optimizer/head/bias/velocity']?.dataSync() ?? []),
    );
  });

  it('apply: rejects restored slots whose shape differs from the parameter', () => {
    const opt = createOptimizer({ name: 'adam' });
    opt.setState({ 'optimizer/step': tf.scalar(1, 'int32'), 'optimizer/w/m': tf.zeros([3]), 'optimizer/w/v': tf.zeros([3]) });
    const w = tf.variable(tf.zeros([2]));
    expect(() => opt.apply({ w: tf.ones([2]) }, { w })).toThrow(
      new CheckpointError("adam: optimiser state for 'w' has shape [3], the parameter has [2]"),
    );
  });
});
