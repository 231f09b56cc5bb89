import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectClose } from '@seqgen/test-utils';
import { expect, it } from 'vitest';
import '../train/register-gradients.js';
import { softmaxCrossEntropy } from '../heads/softmax.js';
import { createRng } from '../rng.js';
import fixture from './__fixtures__/torch-lstm-stack.json';
import { LstmStack, type LstmStackConfig, type SequenceInput } from './lstm-stack.js';

/** Written by scripts/make-lstm-fixtures.py: torch.nn.LSTMCell stack with the paper's skips, float64. */
interface TorchCase {
  name: string;
  T: number;
  B: number;
  config: LstmStackConfig;
  input: { dense?: number[]; ids?: number[] };
  targets?: number[];
  probe?: { logits: number[]; hT: number[][]; cT: number[][] };
  extras: Array<number[] | null>;
  h0: number[][];
  c0: number[][];
  params: Record<string, { shape: number[]; data: number[] }>;
  outputs: { loss: number; logits: number[]; hidden: number[][]; hT: number[][]; cT: number[][] };
  grads: { params: Record<string, number[]>; x: number[] | null; extras: Array<number[] | null>; h0: number[][]; c0: number[][] };
}

// PyTorch runs in float64, tfjs in float32 (same float32-rounded inputs and weights): 1e-5 both ways.
const TOL = { atol: 1e-5, rtol: 1e-5 };
const cases = (fixture as unknown as { cases: TorchCase[] }).cases;

describeBackends(['cpu', 'wasm'], 'LstmStack parity with PyTorch (peepholes off, 2 layers, skips)', () => {
  for (const k of cases) {
    it(`${k.name}: forward and every gradient within 1e-5`, () => {
      const { T, B } = k;
      const stack = new LstmStack({ ...k.config, peepholes: false }, createRng(0));
      expect(Object.keys(stack.params).sort()).toEqual(Object.keys(k.params).sort());
      for (const [name, p] of Object.entries(k.params)) {
        const v = stack.params[name] as tf.Variable;
        expect(v.shape).toEqual(p.shape);
        v.assign(tf.tensor(p.data, p.shape));
      }
      const hs = k.config.hiddenSizes;
      const E = k.config.extraInputSizes ?? [];
      const x = k.input.dense ? tf.tensor3d(k.input.dense, [T, B, k.config.inputSize]) : null;
      const input: SequenceInput = x !== null ? { dense: x } : { ids: tf.tensor2d(k.input.ids ?? [], [T, B], 'int32') };
      const extras = k.extras.map((e, n) => (e === null ? null : tf.tensor3d(e, [T, B, E[n] as number])));
      const h0 = k.h0.map((h, n) => tf.tensor2d(h, [B, hs[n] as number]));
      const c0 = k.c0.map((c, n) => tf.tensor2d(c, [B, hs[n] as number]));
      const names = Object.keys(k.params);
      const xs: tf.Tensor[] = [
        ...names.map((n) => stack.params[n] as tf.Variable),
        ...(x !== null ? [x] : []),
        ...extras.filter((e): e is tf.Tensor3D => e !== null),
        ...h0,
        ...c0,
      ];
      let outputs: ReturnType<LstmStack['forward']> | null = null;
      const { value, grads } = tf.valueAndGrads(() => {
        const r = stack.forward(input, { h: h0, c: c0 }, extras);
        outputs = r;
        [r.logits, ...r.hidden, ...r.state.h, ...r.state.c].forEach((t) => tf.keep(t));
        if (k.targets !== undefined) {
          return softmaxCrossEntropy(r.logits, tf.tensor2d(k.targets, [T, B], 'int32'));
        }
        const probe = k.probe as NonNullable<TorchCase['probe']>;
        let loss = tf.sum(tf.mul(r.logits, tf.tensor(probe.logits, r.logits.shape)));
        hs.forEach((_, n) => {
          loss = tf.add(loss, tf.sum(tf.mul(r.state.h[n] as tf.Tensor, tf.tensor(probe.hT[n] as number[], [B, hs[n] as number]))));
          loss = tf.add(loss, tf.sum(tf.mul(r.state.c[n] as tf.Tensor, tf.tensor(probe.cT[n] as number[], [B, hs[n] as number]))));
        });
        return loss as tf.Scalar;
      })(xs);
      const r = outputs as unknown as ReturnType<LstmStack['forward']>;
      expect(value.dataSync()[0]).toBeCloseTo(k.outputs.loss, 4);
      expectClose(r.logits.dataSync(), k.outputs.logits, TOL);
      hs.forEach((_, n) => {
        expectClose((r.hidden[n] as tf.Tensor).dataSync(), k.outputs.hidden[n] as number[], TOL);
        expectClose((r.state.h[n] as tf.Tensor).dataSync(), k.outputs.hT[n] as number[], TOL);
        expectClose((r.state.c[n] as tf.Tensor).dataSync(), k.outputs.cT[n] as number[], TOL);
      });
      let q = 0;
      const next = (label: string, expected: number[]) => {
        const g = grads[q++] as tf.Tensor;
        try {
          expectClose(g.dataSync(), expected, TOL);
        } catch (error) {
          throw new Error(`${label}: ${(error as Error).message}`);
        }
      };
      for (const name of names) next(name, k.grads.params[name] as number[]);
      if (x !== null) next('x', k.grads.x as number[]);
      k.grads.extras.forEach((e, n) => {
        if (e !== null) next(`extras[${n}]`, e);
      });
      k.grads.h0.forEach((h, n) => next(`h0[${n}]`, h));
      k.grads.c0.forEach((c, n) => next(`c0[${n}]`, c));
      expect(q).toBe(grads.length);
    });
  }
});
