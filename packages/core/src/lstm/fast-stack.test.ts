import * as tf from '@tensorflow/tfjs-core';
import { describeBackends, expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { ShapeError } from '../errors.js';
import { createRng, type Rng } from '../rng.js';
import { fastSimdAvailable, type FastKernelName } from './fast-kernels.js';
import { FastLstmStack, type FastStackInput } from './fast-stack.js';
import { LstmStack, type LstmState, type LstmStackConfig } from './lstm-stack.js';

/** Replaces every weight by U(−s, s) (larger than the init so peepholes, biases and skips all matter). */
function randomise(stack: LstmStack, rng: Rng, s = 0.6): void {
  for (const v of Object.values(stack.params)) {
    const data = new Float32Array(v.size);
    for (let k = 0; k < data.length; k++) data[k] = (2 * rng.next() - 1) * s;
    const t = tf.tensor(data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
}

interface Case {
  name: string;
  config: LstmStackConfig;
  dense: boolean;
}

const cases: Case[] = [
  { name: 'ids, 1 layer, peepholes', config: { inputSize: 11, hiddenSizes: [9], outputSize: 11 }, dense: false },
  { name: 'ids, 1 layer, no peepholes', config: { inputSize: 11, hiddenSizes: [9], outputSize: 11, peepholes: false }, dense: false },
  { name: 'ids, 2 layers with input and output skips', config: { inputSize: 7, hiddenSizes: [6, 5], outputSize: 7 }, dense: false },
  {
    name: 'dense, 3 layers, no skips, extra inputs',
    config: { inputSize: 3, hiddenSizes: [5, 6, 4], outputSize: 13, inputSkips: false, outputSkips: false, extraInputSizes: [2, 0, 3] },
    dense: true,
  },
  {
    name: 'dense, 2 layers with skips, peepholes off, no output layer',
    config: { inputSize: 4, hiddenSizes: [5, 3], outputSize: 0, peepholes: false },
    dense: true,
  },
];

/** Max |fast − tfjs| / max(1, |tfjs|) of ŷ and every layer's h over T steps, and the ids fed. */
async function compare(c: Case, kernel: FastKernelName, T: number): Promise<{ worst: number; scale: number }> {
  const stack = new LstmStack(c.config, createRng(2));
  randomise(stack, createRng(3));
  const fast = FastLstmStack.fromStack(stack, { kernel });
  expect(fast.kernel).toBe(kernel);
  const cfg = stack.config;
  const rng = createRng(5);
  let state: LstmState = stack.zeroState(1);
  const fastState = fast.zeroState();
  let worst = 0;
  let scale = 0;
  const track = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
    expect(a.length).toBe(b.length);
    for (let j = 0; j < a.length; j++) {
      const ref = b[j] as number;
      scale = Math.max(scale, Math.abs(ref));
      worst = Math.max(worst, Math.abs((a[j] as number) - ref) / Math.max(1, Math.abs(ref)));
    }
  };
  for (let t = 0; t < T; t++) {
    let input: FastStackInput;
    let tfInput: { ids: tf.Tensor1D } | { dense: tf.Tensor2D };
    if (c.dense) {
      const x = Float32Array.from({ length: cfg.inputSize }, () => 2 * rng.next() - 1);
      input = x;
      tfInput = { dense: tf.tensor2d(x, [1, cfg.inputSize]) };
    } else {
      const id = Math.floor(rng.next() * cfg.inputSize);
      input = id;
      tfInput = { ids: tf.tensor1d([id], 'int32') };
    }
    const extras = cfg.extraInputSizes.map((E) => (E > 0 ? Float32Array.from({ length: E }, () => rng.next()) : null));
    const tfExtras = extras.map((e) => (e === null ? null : tf.tensor2d(e, [1, e.length])));
    const out = stack.step(tfInput, state, tfExtras);
    const y = fast.step(input, fastState, extras);
    track(y, await out.logits.data());
    for (let n = 0; n < cfg.hiddenSizes.length; n++) {
      track(fastState.h[n] as Float32Array, await (out.state.h[n] as tf.Tensor).data());
      track(fastState.c[n] as Float32Array, await (out.state.c[n] as tf.Tensor).data());
    }
    tf.dispose([...state.h, ...state.c, out.logits, ...Object.values(tfInput), ...tfExtras.filter((e) => e !== null)]);
    state = out.state;
  }
  tf.dispose([...state.h, ...state.c]);
  stack.dispose();
  return { worst, scale };
}

describeBackends(['cpu', 'wasm'], 'FastLstmStack matches LstmStack.step', () => {
  for (const c of cases) {
    for (const kernel of ['wasm-simd', 'js'] as const) {
      it(`${c.name} (${kernel} kernel)`, async () => {
        const { worst, scale } = await compare(c, kernel, 8);
        // Both sides float32 with different summation orders: measured ≤ 1.2e-7 relative.
        expect(worst).toBeLessThan(1e-5);
        // The comparison is not vacuous: the values reach O(1).
        expect(scale).toBeGreaterThan(0.5);
      });
    }
  }
});

describe('FastLstmStack', () => {
  it('uses the WebAssembly SIMD kernel by default in Node 20', () => {
    expect(fastSimdAvailable()).toBe(true);
    const stack = new LstmStack({ inputSize: 2, hiddenSizes: [3], outputSize: 2 }, createRng(1));
    expect(FastLstmStack.fromStack(stack).kernel).toBe('wasm-simd');
    stack.dispose();
  });

  it('layerStep + output is step; state updates in place; cloneState copies', () => {
    const config: LstmStackConfig = { inputSize: 5, hiddenSizes: [4, 3], outputSize: 6, extraInputSizes: [2, 0] };
    const stack = new LstmStack(config, createRng(1));
    randomise(stack, createRng(2));
    const fast = FastLstmStack.fromStack(stack);
    stack.dispose();
    const a = fast.zeroState();
    const e = [Float32Array.of(0.3, -0.2), null];
    fast.step(2, a, e);
    const b = fast.cloneState(a);
    const yA = fast.step(4, a, e).slice();
    fast.layerStep(0, 4, b, e[0]);
    fast.layerStep(1, 4, b);
    expect(Array.from(fast.output(b))).toEqual(Array.from(yA));
    expect(Array.from(b.h[1] as Float32Array)).toEqual(Array.from(a.h[1] as Float32Array));
    // The clone is independent of the state it was copied from.
    fast.step(1, a, e);
    expect(Array.from(b.h[0] as Float32Array)).not.toEqual(Array.from(a.h[0] as Float32Array));
  });

  it('builds from weights by name and reports missing or mis-sized weights and bad inputs', () => {
    const config: LstmStackConfig = { inputSize: 3, hiddenSizes: [2], outputSize: 3, inputSkips: false };
    const stack = new LstmStack(config, createRng(1), 'net');
    const weights = Object.fromEntries(Object.entries(stack.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
    stack.dispose();
    expect(Object.keys(weights).sort()).toEqual(['net/0/b', 'net/0/peep', 'net/0/wh', 'net/0/wx', 'net/out/b', 'net/out/w']);
    const fast = new FastLstmStack(config, weights, { prefix: 'net' });
    const s = fast.zeroState();
    expect(fast.step(0, s).length).toBe(3);
    expect(() => new FastLstmStack(config, weights)).toThrow(/weight 'lstm\/0\/wx' is missing \(expected shape \[3, 8\]\)/);
    expect(() => new FastLstmStack(config, { ...weights, 'net/out/w': new Float32Array(5) }, { prefix: 'net' })).toThrow(
      /'net\/out\/w' has 5 values, expected 6 \(shape \[2, 3\]\)/,
    );
    expect(() => fast.step(3, s)).toThrow(ShapeError);
    expect(() => fast.step(3, s)).toThrow(/input id 3 is outside \[0, 3\)/);
    expect(() => fast.step([1, 2], s)).toThrow(/dense input must have length 3, got 2/);
    expect(() => fast.step(0, { h: [new Float32Array(3)], c: [new Float32Array(2)] })).toThrow(/must have length 2, got 3 and 2/);
    expect(() => fast.step(0, s, [new Float32Array(1)])).toThrow(/takes no extra input/);
  });

  it('creates no tensors (fromStack reads the variables once)', async () => {
    const stack = new LstmStack({ inputSize: 4, hiddenSizes: [3, 3], outputSize: 4 }, createRng(1));
    await expectNoLeaks(() => {
      const fast = FastLstmStack.fromStack(stack);
      const s = fast.zeroState();
      for (let t = 0; t < 5; t++) fast.step(t % 4, s);
    });
    stack.dispose();
  });
});
