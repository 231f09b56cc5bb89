import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose, expectNoLeaks, maxAbsDiff, numericGradient } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import '../train/register-gradients.js';
import { ShapeError, ConfigError } from '../errors.js';
import { createRng, type Rng } from '../rng.js';
import { LstmStack, type LstmStackConfig } from './lstm-stack.js';
import {
  refBackward,
  refForward,
  refProbeLoss,
  type RefConfig,
  type RefInputs,
  type RefParams,
  type RefSeeds,
} from './__fixtures__/lstm-reference.js';

// Tolerances. The reference is float64; tfjs computes in float32 (unit roundoff 6e-8). Gradients here
// are O(1) sums of O(T·B·H) float32 products; measured max error 4e-7, allowed 2e-6 + 1e-5·|ref|.
// The float64 reference BPTT itself must match float64 central differences (eps 1e-6) to 1e-7.
const F32 = { atol: 2e-6, rtol: 1e-5 };
const F64 = { atol: 1e-7, rtol: 1e-6 };

const small: LstmStackConfig = {
  inputSize: 3,
  hiddenSizes: [4, 3],
  outputSize: 5,
  peepholes: true,
  inputSkips: true,
  outputSkips: true,
  extraInputSizes: [2, 2],
};

function toRefConfig(stack: LstmStack): RefConfig {
  const c = stack.config;
  return {
    inputSize: c.inputSize,
    hiddenSizes: [...c.hiddenSizes],
    outputSize: c.outputSize,
    peepholes: c.peepholes,
    inputSkips: c.inputSkips,
    outputSkips: c.outputSkips,
    extraInputSizes: [...c.extraInputSizes],
    lstmClip: c.lstmClip,
  };
}

function randomArray(rng: Rng, n: number, scale: number): Float64Array {
  const a = new Float64Array(n);
  for (let k = 0; k < n; k++) a[k] = Math.fround((2 * rng.next() - 1) * scale);
  return a;
}

interface Case {
  stack: LstmStack;
  ref: RefConfig;
  P: RefParams;
  inp: RefInputs;
  seeds: RefSeeds;
}

/** A stack with all parameters (biases included) randomised, random inputs, state and probe weights. */
function makeCase(config: LstmStackConfig, T: number, B: number, seed = 7): Case {
  const rng = createRng(seed);
  const stack = new LstmStack(config, rng);
  const ref = toRefConfig(stack);
  const P: RefParams = {};
  for (const [name, v] of Object.entries(stack.params)) {
    const a = randomArray(rng, v.size, 0.6);
    v.assign(tf.tensor(Float32Array.from(a), v.shape));
    P[name] = a;
  }
  const hs = ref.hiddenSizes;
  const inp: RefInputs = {
    T,
    B,
    x: randomArray(rng, T * B * ref.inputSize, 1),
    extras: ref.extraInputSizes.map((E) => (E > 0 ? randomArray(rng, T * B * E, 1) : null)),
    h0: hs.map((H) => randomArray(rng, B * H, 0.5)),
    c0: hs.map((H) => randomArray(rng, B * H, 0.5)),
  };
  const seeds: RefSeeds = {
    dLogits: randomArray(rng, T * B * ref.outputSize, 1),
    dHidden: hs.map((H) => randomArray(rng, T * B * H, 1)),
    dhT: hs.map((H) => randomArray(rng, B * H, 1)),
    dcT: hs.map((H) => randomArray(rng, B * H, 1)),
  };
  return { stack, ref, P, inp, seeds };
}

interface TfInputs {
  x: tf.Tensor3D;
  extras: Array<tf.Tensor3D | null>;
  h0: tf.Tensor2D[];
  c0: tf.Tensor2D[];
}

function tfInputs(k: Case): TfInputs {
  const { T, B } = k.inp;
  const f32 = (a: Float64Array) => Float32Array.from(a);
  return {
    x: tf.tensor3d(f32(k.inp.x), [T, B, k.ref.inputSize]),
    extras: k.inp.extras.map((e, n) => (e === null ? null : tf.tensor3d(f32(e), [T, B, k.ref.extraInputSizes[n] as number]))),
    h0: k.inp.h0.map((h, n) => tf.tensor2d(f32(h), [B, k.ref.hiddenSizes[n] as number])),
    c0: k.inp.c0.map((c, n) => tf.tensor2d(f32(c), [B, k.ref.hiddenSizes[n] as number])),
  };
}

/** The probe loss of {@link refProbeLoss} in tfjs. */
function tfProbeLoss(k: Case, r: ReturnType<LstmStack['forward']>): tf.Scalar {
  const { T, B } = k.inp;
  const hs = k.ref.hiddenSizes;
  const dot = (a: tf.Tensor, w: Float64Array) => tf.sum(tf.mul(a, tf.tensor(Float32Array.from(w), a.shape)));
  let loss = dot(r.logits, k.seeds.dLogits);
  hs.forEach((H, n) => {
    loss = tf.add(loss, dot(r.hidden[n] as tf.Tensor, k.seeds.dHidden[n] as Float64Array));
    loss = tf.add(loss, dot(r.state.h[n] as tf.Tensor, k.seeds.dhT[n] as Float64Array));
    loss = tf.add(loss, dot(r.state.c[n] as tf.Tensor, k.seeds.dcT[n] as Float64Array));
    expect(r.hidden[n]?.shape).toEqual([T, B, H]);
  });
  return loss as tf.Scalar;
}

interface TfGrads {
  params: Record<string, Float32Array>;
  x: Float32Array;
  extras: Array<Float32Array | null>;
  h0: Float32Array[];
  c0: Float32Array[];
  loss: number;
}

function tfGradients(k: Case, inputs: TfInputs): TfGrads {
  const names = Object.keys(k.stack.params);
  const extras = inputs.extras.filter((e): e is tf.Tensor3D => e !== null);
  const xs: tf.Tensor[] = [...names.map((n) => k.stack.params[n] as tf.Variable), inputs.x, ...extras, ...inputs.h0, ...inputs.c0];
  const { value, grads } = tf.valueAndGrads(() =>
    tfProbeLoss(k, k.stack.forward({ dense: inputs.x }, { h: inputs.h0, c: inputs.c0 }, inputs.extras)),
  )(xs);
  const data = grads.map((g) => g.dataSync() as Float32Array);
  let q = 0;
  const params: Record<string, Float32Array> = {};
  for (const n of names) params[n] = data[q++] as Float32Array;
  const x = data[q++] as Float32Array;
  const ex = inputs.extras.map((e) => (e === null ? null : (data[q++] as Float32Array)));
  const N = inputs.h0.length;
  const h0 = data.slice(q, q + N);
  const c0 = data.slice(q + N, q + 2 * N);
  return { params, x, extras: ex, h0, c0, loss: value.dataSync()[0] as number };
}

/** Flattens every parameter and input into one vector and back, for central differences. */
function flatFunction(k: Case): { x0: Float64Array; loss: (v: Float64Array) => number; split: (g: Float64Array) => RefGradsLike } {
  const names = Object.keys(k.P);
  const parts: Float64Array[] = [
    ...names.map((n) => k.P[n] as Float64Array),
    k.inp.x,
    ...k.inp.extras.filter((e): e is Float64Array => e !== null),
    ...k.inp.h0,
    ...k.inp.c0,
  ];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const x0 = new Float64Array(total);
  let off = 0;
  for (const p of parts) {
    x0.set(p, off);
    off += p.length;
  }
  const split = (v: Float64Array): RefGradsLike => {
    let o = 0;
    const take = (len: number) => {
      const s = v.slice(o, o + len);
      o += len;
      return s;
    };
    const P: RefParams = {};
    for (const n of names) P[n] = take((k.P[n] as Float64Array).length);
    const x = take(k.inp.x.length);
    const extras = k.inp.extras.map((e) => (e === null ? null : take(e.length)));
    const h0 = k.inp.h0.map((h) => take(h.length));
    const c0 = k.inp.c0.map((c) => take(c.length));
    return { params: P, x, extras, h0, c0 };
  };
  const loss = (v: Float64Array): number => {
    const s = split(v);
    const inp: RefInputs = { T: k.inp.T, B: k.inp.B, x: s.x, extras: s.extras, h0: s.h0, c0: s.c0 };
    return refProbeLoss(refForward(k.ref, s.params, inp), k.seeds);
  };
  return { x0, loss, split };
}

interface RefGradsLike {
  params: RefParams;
  x: Float64Array;
  extras: Array<Float64Array | null>;
  h0: Float64Array[];
  c0: Float64Array[];
}

function compareGrads(actual: TfGrads | RefGradsLike, expected: RefGradsLike, tol: { atol: number; rtol: number }): number {
  let worst = 0;
  const cmp = (label: string, a: ArrayLike<number>, e: ArrayLike<number>) => {
    try {
      expectClose(a, e, tol);
    } catch (error) {
      throw new Error(`${label}: ${(error as Error).message}`);
    }
    worst = Math.max(worst, maxAbsDiff(a, e));
  };
  for (const name of Object.keys(expected.params)) cmp(name, actual.params[name] as ArrayLike<number>, expected.params[name] as Float64Array);
  cmp('x', actual.x, expected.x);
  expected.extras.forEach((e, n) => {
    if (e !== null) cmp(`extras[${n}]`, actual.extras[n] as ArrayLike<number>, e);
  });
  expected.h0.forEach((h, n) => cmp(`h0[${n}]`, actual.h0[n] as ArrayLike<number>, h));
  expected.c0.forEach((c, n) => cmp(`c0[${n}]`, actual.c0[n] as ArrayLike<number>, c));
  return worst;
}

describeBackends(['cpu', 'wasm'], 'LstmStack gradients', (backend) => {
  it('forward and all gradients match a float64 reference and central differences (2 layers, peepholes, skips, extras, no clip)', () => {
    const k = makeCase(small, 5, 2);
    const inputs = tfInputs(k);
    const fwd = refForward(k.ref, k.P, k.inp);
    const r = k.stack.forward({ dense: inputs.x }, { h: inputs.h0, c: inputs.c0 }, inputs.extras);
    expectClose(r.logits.dataSync(), fwd.logits, F32);
    r.hidden.forEach((h, n) => expectClose(h.dataSync(), fwd.hidden[n] as Float64Array, F32));
    r.state.c.forEach((c, n) => expectClose(c.dataSync(), fwd.cT[n] as Float64Array, F32));

    const flat = flatFunction(k);
    const numeric = flat.split(numericGradient(flat.loss, flat.x0, 1e-6));
    const analytic = refBackward(k.ref, k.P, k.inp, fwd, k.seeds);
    // The reference BPTT is right: float64 vs float64 central differences.
    const refErr = compareGrads(analytic, numeric, F64);
    expect(refErr).toBeLessThan(1e-7);
    // tfjs float32 gradients vs float64 central differences.
    const g = tfGradients(k, inputs);
    const tfErr = compareGrads(g, numeric, F32);
    expect(tfErr).toBeLessThan(2e-6);
    expect(g.loss).toBeCloseTo(refProbeLoss(fwd, k.seeds), 3);
    console.info(`[${backend}] max |ref BPTT − FD| ${refErr.toExponential(2)}, max |tfjs − FD| ${tfErr.toExponential(2)}`);
  });

  it('clips the pre-activation errors exactly like the float64 reference BPTT (lstmClip 0.01)', () => {
    const k = makeCase({ ...small, lstmClip: 0.01 }, 4, 2, 11);
    const inputs = tfInputs(k);
    const fwd = refForward(k.ref, k.P, k.inp);
    const clipped = refBackward(k.ref, k.P, k.inp, fwd, k.seeds);
    const unclipped = refBackward({ ...k.ref, lstmClip: null }, k.P, k.inp, fwd, k.seeds);
    // The clip is active: it changes the gradients substantially.
    expect(maxAbsDiff(clipped.params['lstm/0/wh'] as Float64Array, unclipped.params['lstm/0/wh'] as Float64Array)).toBeGreaterThan(0.1);
    const g = tfGradients(k, inputs);
    // Clipped errors are tiny (|δ| ≤ 0.01), so a tighter absolute tolerance applies.
    const err = compareGrads(g, clipped, { atol: 2e-6, rtol: 1e-4 });
    console.info(`[${backend}] clip 0.01: max |tfjs − ref clipped BPTT| ${err.toExponential(2)}`);
  });

  it('ids input (row gather) gives the same values and gradients as the equivalent one-hot dense input', () => {
    const cfg: LstmStackConfig = { inputSize: 6, hiddenSizes: [4, 3], outputSize: 6, lstmClip: 0.5, outputClip: 0.3 };
    const stack = new LstmStack(cfg, createRng(3));
    const T = 4;
    const B = 3;
    const idsArr = Int32Array.from([0, 5, 2, 2, 2, 1, 3, 0, 5, 4, 4, 4]);
    const ids = tf.tensor2d(idsArr, [T, B], 'int32');
    const dense = tf.cast(tf.oneHot(ids, 6), 'float32') as tf.Tensor3D;
    const target = tf.tensor3d(Float32Array.from(randomArray(createRng(5), T * B * 6, 1)), [T, B, 6]);
    const lossOf = (input: Parameters<LstmStack['forward']>[0]) => () => {
      const r = stack.forward(input, stack.zeroState(B));
      return tf.sum(tf.mul(r.logits, target)) as tf.Scalar;
    };
    const a = tf.variableGrads(lossOf({ ids }));
    const b = tf.variableGrads(lossOf({ dense }));
    expectClose(a.value.dataSync(), b.value.dataSync(), { atol: 1e-5, rtol: 1e-5 });
    for (const name of Object.keys(stack.params)) {
      const v = stack.params[name] as tf.Variable;
      expectClose((a.grads[v.name] as tf.Tensor).dataSync(), (b.grads[v.name] as tf.Tensor).dataSync(), { atol: 1e-5, rtol: 1e-4 });
    }
    // Symbols 0, 2, 4 and 5 repeat: their rows of wx accumulate several contributions.
    expect(Math.abs((a.grads[(stack.params['lstm/0/wx'] as tf.Variable).name] as tf.Tensor).dataSync()[2 * 16] as number)).toBeGreaterThan(0);
  });

  it('step-major layerStep reproduces the fused runLayer, values and clipped gradients', () => {
    const k = makeCase({ ...small, lstmClip: 0.05 }, 5, 2, 21);
    const inputs = tfInputs(k);
    const stack = k.stack;
    const T = 5;
    const seq = (mode: 'fused' | 'steps') => () => {
      const zx = stack.projectInput(0, { input: { dense: inputs.x }, extra: inputs.extras[0] ?? null });
      let hidden: tf.Tensor;
      let c: tf.Tensor;
      if (mode === 'fused') {
        const r = stack.runLayer(0, zx, { h: inputs.h0[0] as tf.Tensor2D, c: inputs.c0[0] as tf.Tensor2D });
        hidden = r.hidden;
        c = r.c;
      } else {
        let s = { h: inputs.h0[0] as tf.Tensor2D, c: inputs.c0[0] as tf.Tensor2D };
        const hs: tf.Tensor2D[] = [];
        const zs = tf.unstack(zx) as tf.Tensor2D[];
        for (let t = 0; t < T; t++) {
          s = stack.layerStep(0, zs[t] as tf.Tensor2D, s);
          hs.push(s.h);
        }
        hidden = tf.stack(hs);
        c = s.c;
      }
      const w1 = tf.tensor(Float32Array.from(k.seeds.dHidden[0] as Float64Array), hidden.shape);
      const w2 = tf.tensor(Float32Array.from(k.seeds.dcT[0] as Float64Array), c.shape);
      return tf.add(tf.sum(tf.mul(hidden, w1)), tf.sum(tf.mul(c, w2))) as tf.Scalar;
    };
    const xs = [inputs.x, inputs.h0[0] as tf.Tensor2D, inputs.c0[0] as tf.Tensor2D];
    const fused = tf.valueAndGrads(seq('fused'))(xs);
    const steps = tf.valueAndGrads(seq('steps'))(xs);
    expectClose(fused.value.dataSync(), steps.value.dataSync(), { atol: 1e-5, rtol: 1e-5 });
    fused.grads.forEach((g, q) => expectClose(g.dataSync(), (steps.grads[q] as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 1e-4 }));
    const vf = tf.variableGrads(seq('fused'));
    const vs = tf.variableGrads(seq('steps'));
    expect(Object.keys(vf.grads).sort()).toEqual(Object.keys(vs.grads).sort());
    for (const name of Object.keys(vf.grads)) {
      expectClose((vf.grads[name] as tf.Tensor).dataSync(), (vs.grads[name] as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 1e-4 });
    }
  });

  it('step-major training (layerStep under a tape) keeps at most one cached W_h transpose per layer', async () => {
    const stack = new LstmStack({ inputSize: 3, hiddenSizes: [4], outputSize: 0, lstmClip: 1 }, createRng(4));
    const xs = tf.randomNormal([3, 2, 3], 0, 1, 'float32', 2) as tf.Tensor3D;
    const rows = tf.unstack(xs) as tf.Tensor2D[];
    const train = () => {
      const state = stack.zeroState(2);
      const { value, grads } = tf.variableGrads(() => {
        let s = { h: state.h[0] as tf.Tensor2D, c: state.c[0] as tf.Tensor2D };
        for (const x of rows) s = stack.layerStep(0, stack.projectInputStep(0, { input: { dense: x } }), s);
        return tf.sum(tf.square(s.h)) as tf.Scalar;
      });
      const g = (grads[(stack.params['lstm/0/wh'] as tf.Variable).name] as tf.Tensor).dataSync();
      tf.dispose([value, ...Object.values(grads), state.h, state.c]);
      return Array.from(g);
    };
    const g1 = train();
    const before = tf.memory().numTensors;
    expect(train()).toEqual(g1);
    expect(tf.memory().numTensors).toBe(before);
    // After an update the cache follows the new weights: same gradients as a fresh stack with those weights.
    const wh = stack.params['lstm/0/wh'] as tf.Variable;
    tf.tidy(() => wh.assign(tf.mul(wh, 0.5)));
    const g2 = train();
    expect(tf.memory().numTensors).toBe(before);
    const fresh = new LstmStack({ inputSize: 3, hiddenSizes: [4], outputSize: 0, lstmClip: 1 }, createRng(4));
    for (const [k, v] of Object.entries(fresh.params)) v.assign(stack.params[k] as tf.Variable);
    const state = fresh.zeroState(2);
    const { grads } = tf.variableGrads(() => {
      let s = { h: state.h[0] as tf.Tensor2D, c: state.c[0] as tf.Tensor2D };
      for (const x of rows) s = fresh.layerStep(0, fresh.projectInputStep(0, { input: { dense: x } }), s);
      return tf.sum(tf.square(s.h)) as tf.Scalar;
    }, Object.values(fresh.params));
    expectClose(g2, (grads[(fresh.params['lstm/0/wh'] as tf.Variable).name] as tf.Tensor).dataSync(), { atol: 1e-7 });
    const live = tf.memory().numTensors;
    stack.dispose();
    expect(tf.memory().numTensors).toBeLessThan(live);
  });

  it('leaks no tensors from construction to dispose()', async () => {
    await expectNoLeaks(() => {
      const stack = new LstmStack({ ...small, lstmClip: 1 }, createRng(3));
      expect(tf.memory().numTensors).toBeGreaterThan(0);
      stack.dispose();
    });
  });

  it('leaks no tensors over forward, backward and step', async () => {
    const stack = new LstmStack({ ...small, lstmClip: 1, outputClip: 10 }, createRng(1));
    const T = 4;
    const B = 2;
    const x = tf.randomNormal([T, B, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
    const extras = [tf.ones([T, B, 2]) as tf.Tensor3D, tf.ones([T, B, 2]) as tf.Tensor3D];
    await expectNoLeaks(() => {
      const state = stack.zeroState(B);
      const r = stack.forward({ dense: x }, state, extras);
      tf.dispose([r.logits, r.hidden, r.state.h, r.state.c, state.h, state.c]);
    });
    await expectNoLeaks(() => {
      const state = stack.zeroState(B);
      const { value, grads } = tf.variableGrads(() => {
        const r = stack.forward({ dense: x }, state, extras);
        return tf.add(tf.sum(tf.square(r.logits)), tf.sum(r.state.c[1] as tf.Tensor2D)) as tf.Scalar;
      });
      tf.dispose([value, ...Object.values(grads), state.h, state.c]);
    });
    const x1 = tf.zeros([B, 3]) as tf.Tensor2D;
    const e1 = tf.ones([B, 2]) as tf.Tensor2D;
    await expectNoLeaks(() => {
      const state = stack.zeroState(B);
      const r = stack.step({ dense: x1 }, state, [e1, e1]);
      expect(r.logits.shape).toEqual([B, 5]);
      tf.dispose([r.logits, r.hidden, r.state.h, r.state.c, state.h, state.c]);
    });
  });
});

describe('LstmStack', () => {
  it('step() reproduces forward() one step at a time', () => {
    const k = makeCase(small, 4, 2, 5);
    const inputs = tfInputs(k);
    const r = k.stack.forward({ dense: inputs.x }, { h: inputs.h0, c: inputs.c0 }, inputs.extras);
    let state = { h: inputs.h0, c: inputs.c0 };
    const xs = tf.unstack(inputs.x) as tf.Tensor2D[];
    const e0 = tf.unstack(inputs.extras[0] as tf.Tensor3D) as tf.Tensor2D[];
    const e1 = tf.unstack(inputs.extras[1] as tf.Tensor3D) as tf.Tensor2D[];
    const logits: tf.Tensor2D[] = [];
    for (let t = 0; t < 4; t++) {
      const s = k.stack.step({ dense: xs[t] as tf.Tensor2D }, state, [e0[t] as tf.Tensor2D, e1[t] as tf.Tensor2D]);
      logits.push(s.logits);
      state = s.state;
    }
    expectClose(tf.stack(logits).dataSync(), r.logits.dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expectClose((state.c[1] as tf.Tensor).dataSync(), (r.state.c[1] as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expectClose((state.h[0] as tf.Tensor).dataSync(), (r.state.h[0] as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 1e-5 });
  });

  it('handles T = 1 (forward equals one step) and ids input in step()', () => {
    const stack = new LstmStack({ inputSize: 5, hiddenSizes: [3, 2], outputSize: 5, lstmClip: 1 }, createRng(12));
    const ids = tf.tensor2d([[4, 0, 2]], [1, 3], 'int32');
    const state = stack.zeroState(3);
    const r = stack.forward({ ids }, state);
    const s = stack.step({ ids: tf.tensor1d([4, 0, 2], 'int32') }, state);
    expect(r.logits.shape).toEqual([1, 3, 5]);
    expectClose(r.logits.dataSync(), s.logits.dataSync(), { atol: 1e-6, rtol: 1e-5 });
    expectClose((r.state.c[1] as tf.Tensor).dataSync(), (s.state.c[1] as tf.Tensor).dataSync(), { atol: 1e-6, rtol: 1e-5 });
  });

  it('without skips and peepholes, matches the reference (layer 2 sees only layer 1; output sees only layer 2)', () => {
    const cfg: LstmStackConfig = { inputSize: 3, hiddenSizes: [4, 3], outputSize: 2, peepholes: false, inputSkips: false, outputSkips: false };
    const k = makeCase(cfg, 3, 2, 9);
    expect(Object.keys(k.stack.params).sort()).toEqual(
      ['lstm/0/b', 'lstm/0/wh', 'lstm/0/wx', 'lstm/1/b', 'lstm/1/wbelow', 'lstm/1/wh', 'lstm/out/b', 'lstm/out/w'].sort(),
    );
    expect((k.stack.params['lstm/out/w'] as tf.Variable).shape).toEqual([3, 2]);
    const inputs = tfInputs(k);
    const fwd = refForward(k.ref, k.P, k.inp);
    const g = tfGradients(k, inputs);
    compareGrads(g, refBackward(k.ref, k.P, k.inp, fwd, k.seeds), F32);
  });

  it('applies the output clip to ∂L/∂ŷ only', () => {
    const stack = new LstmStack({ inputSize: 2, hiddenSizes: [3], outputSize: 2, outputClip: 0.5 }, createRng(2));
    const x = tf.ones([2, 1, 2]) as tf.Tensor3D;
    const { grads } = tf.variableGrads(() => tf.mul(tf.sum(stack.forward({ dense: x }, stack.zeroState(1)).logits), 10) as tf.Scalar);
    // ∂L/∂ŷ = 10 everywhere, clipped to 0.5: the output bias gradient is 0.5 per step, summed over T = 2.
    expect(Array.from((grads[(stack.params['lstm/out/b'] as tf.Variable).name] as tf.Tensor).dataSync())).toEqual([1, 1]);
  });

  it('is deterministic: the same seed gives identical parameters, another seed different ones', () => {
    const a = new LstmStack(small, createRng(42));
    const b = new LstmStack(small, createRng(42));
    const c = new LstmStack(small, createRng(43));
    for (const name of Object.keys(a.params)) {
      expect(Array.from((b.params[name] as tf.Variable).dataSync())).toEqual(Array.from((a.params[name] as tf.Variable).dataSync()));
    }
    expect(Array.from((c.params['lstm/0/wh'] as tf.Variable).dataSync())).not.toEqual(
      Array.from((a.params['lstm/0/wh'] as tf.Variable).dataSync()),
    );
    // Two stacks with the same prefix coexist: variable names are made unique, params keys stay stable.
    expect((b.params['lstm/0/wh'] as tf.Variable).name).not.toBe((a.params['lstm/0/wh'] as tf.Variable).name);
  });

  it('initialises U(−1/√H, 1/√H), zero biases plus forgetBias on the forget block', () => {
    const stack = new LstmStack({ inputSize: 5, hiddenSizes: [16], outputSize: 4, forgetBias: 1.5 }, createRng(8));
    const wh = Array.from((stack.params['lstm/0/wh'] as tf.Variable).dataSync());
    const maxAbs = wh.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    expect(maxAbs).toBeLessThanOrEqual(0.25);
    expect(maxAbs).toBeGreaterThan(0.2);
    const b = Array.from((stack.params['lstm/0/b'] as tf.Variable).dataSync());
    expect(b).toEqual([...new Array(16).fill(0), ...new Array(16).fill(1.5), ...new Array(32).fill(0)]);
  });

  it('numWeights equals the paper.md §1.2 table', () => {
    const rng = createRng(1);
    const cases: Array<[LstmStackConfig, number]> = [
      [{ inputSize: 3, hiddenSizes: [900], outputSize: 121 }, 3_366_121], // handwriting prediction 1×900
      [{ inputSize: 3, hiddenSizes: [400, 400, 400], outputSize: 121 }, 3_368_121], // handwriting prediction 3×400
      [{ inputSize: 49, hiddenSizes: [1000], outputSize: 49 }, 4_252_049], // Penn char
    ];
    for (const [cfg, expected] of cases) {
      const stack = new LstmStack(cfg, rng);
      expect(stack.numWeights()).toBe(expected);
      expect(LstmStack.countWeights(cfg)).toBe(expected);
      stack.dispose();
    }
    // Synthesis 3×400 with the window (S = 57) feeding every layer: 3,641,721 in the stack plus the
    // window layer W_{h1 p} (400·30 + 30) = 3,653,751 (§1.2).
    const synth = new LstmStack({ inputSize: 3, hiddenSizes: [400, 400, 400], outputSize: 121, extraInputSizes: [57, 57, 57] }, rng);
    expect(synth.numWeights()).toBe(3_641_721);
    expect(synth.numWeights() + 400 * 30 + 30).toBe(3_653_751);
    synth.dispose();
    expect(LstmStack.countWeights({ inputSize: 10_000, hiddenSizes: [1000], outputSize: 10_000 })).toBe(54_017_000);
    const wiki = { inputSize: 205, hiddenSizes: new Array<number>(7).fill(700), outputSize: 205 };
    expect(LstmStack.countWeights(wiki)).toBe(30_537_005);
    expect(LstmStack.countWeights({ ...wiki, inputSkips: false, outputSkips: false })).toBe(26_232_005);
  });

  it('rejects bad configurations and shapes with clear errors', () => {
    expect(() => new LstmStack({ inputSize: 0, hiddenSizes: [4], outputSize: 2 }, createRng(1))).toThrow(ConfigError);
    expect(() => new LstmStack({ inputSize: 2, hiddenSizes: [4], outputSize: 2, extraInputSizes: [1, 2] }, createRng(1))).toThrow(
      /extraInputSizes must have one integer >= 0 per layer \(1\)/,
    );
    expect(() => new LstmStack({ inputSize: 2, hiddenSizes: [4], outputSize: 2, lstmClip: -1 }, createRng(1))).toThrow(/lstmClip/);
    const stack = new LstmStack(small, createRng(1));
    const state = stack.zeroState(2);
    const extras = [tf.zeros([3, 2, 2]) as tf.Tensor3D, tf.zeros([3, 2, 2]) as tf.Tensor3D];
    expect(() => stack.forward({ dense: tf.zeros([3, 2, 4]) as tf.Tensor3D }, state, extras)).toThrow(ShapeError);
    expect(() => stack.forward({ dense: tf.zeros([3, 2, 4]) as tf.Tensor3D }, state, extras)).toThrow(/input\.dense must be a float32 \[T, B, 3\]/);
    expect(() => stack.forward({ dense: tf.zeros([3, 2, 3]) as tf.Tensor3D }, state)).toThrow(/extras\[0\] must be \[3, 2, 2\], got null/);
    expect(() => stack.forward({ ids: tf.zeros([3, 2]) as tf.Tensor2D }, state, extras)).toThrow(/int32/);
    expect(() => stack.forward({ dense: tf.zeros([3, 1, 3]) as tf.Tensor3D }, state, extras)).toThrow(/state\.h\[0\] must be \[1, 4\]/);
  });
});
