/**
 * Times one forward + backward (tf.variableGrads of the summed softmax cross-entropy) of LstmStack
 * for T = 100, B = 32, H = 256, vocabulary 100 (ids input, 100 outputs), 1 and 2 layers, with the
 * paper's text clipping (lstmClip 1), on the cpu and wasm backends. With --step-major it instead
 * times one layer (dense input of 3, clip 10) run three ways: the fused layer op (runLayer), a
 * layerStep loop (fused per-step cell, as synthesis layer 1 runs) and a loop of the plain-ops cell.
 * Not a test.
 *   npx tsx scripts/bench-lstm.ts [--backends cpu,wasm] [--layers 1,2] [--reps 5] [--T 100] [--B 32] [--H 256] [--step-major]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '../src/train/register-gradients.js';
import { LstmStack, createRng, linear, lstmCellOps, softmaxCrossEntropy, unstackRows } from '../src/index.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}
const backends = arg('backends', 'cpu,wasm').split(',');
const layerCounts = arg('layers', '1,2').split(',').map(Number);
const reps = Number(arg('reps', '5'));
const T = Number(arg('T', '100'));
const B = Number(arg('B', '32'));
const H = Number(arg('H', '256'));
const V = 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeIt(fn: () => void): number[] {
  fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

async function stepMajor(backend: string): Promise<void> {
  const stack = new LstmStack({ inputSize: 3, hiddenSizes: [H], outputSize: 0, lstmClip: 10 }, createRng(1));
  const x = tf.randomNormal([T, B, 3], 0, 1, 'float32', 3) as tf.Tensor3D;
  const probe = tf.randomNormal([B, H], 0, 1, 'float32', 4) as tf.Tensor2D;
  const state = stack.zeroState(B);
  const s0 = { h: state.h[0] as tf.Tensor2D, c: state.c[0] as tf.Tensor2D };
  const peep = stack.params['lstm/0/peep'] as tf.Variable;
  const wh = stack.params['lstm/0/wh'] as tf.Variable;
  const xRows = unstackRows(x) as tf.Tensor2D[];
  const modes: Record<string, () => tf.Scalar> = {
    'runLayer (fused layer op)': () => {
      const r = stack.runLayer(0, stack.projectInput(0, { input: { dense: x } }), s0);
      return tf.sum(tf.mul(r.hidden, probe));
    },
    'layerStep loop (fused cell)': () => {
      // As synthesis layer 1 runs: data rows by unstackRows (no gradient needed), projections per step.
      let s = s0;
      let loss = tf.scalar(0);
      for (const xt of xRows) {
        s = stack.layerStep(0, stack.projectInputStep(0, { input: { dense: xt } }), s);
        loss = tf.add(loss, tf.sum(tf.mul(s.h, probe)));
      }
      return loss;
    },
    'plain-ops cell loop': () => {
      let s = s0;
      let loss = tf.scalar(0);
      for (const xt of xRows) {
        const z = tf.add(stack.projectInputStep(0, { input: { dense: xt } }), linear(s.h, wh as tf.Tensor2D));
        s = lstmCellOps(z as tf.Tensor2D, s.c, peep as tf.Tensor1D, 10);
        loss = tf.add(loss, tf.sum(tf.mul(s.h, probe)));
      }
      return loss;
    },
  };
  for (const [name, f] of Object.entries(modes)) {
    const times = timeIt(() => {
      const { value, grads } = tf.variableGrads(f);
      for (const g of Object.values(grads)) g.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    });
    console.log(`${backend.padEnd(4)} step-major 1 x ${H}, T=${T}, B=${B}: ${name}: forward+backward ${median(times).toFixed(0)} ms (median of ${reps})`);
  }
  tf.dispose([x, probe, ...xRows, ...state.h, ...state.c]);
  stack.dispose();
}

for (const backend of backends) {
  await tf.setBackend(backend);
  await tf.ready();
  if (process.argv.includes('--step-major')) {
    await stepMajor(backend);
    continue;
  }
  for (const N of layerCounts) {
    const stack = new LstmStack({ inputSize: V, hiddenSizes: new Array<number>(N).fill(H), outputSize: V, lstmClip: 1 }, createRng(1));
    const rng = createRng(2);
    const ids = tf.tensor2d(Int32Array.from({ length: T * B }, () => Math.floor(rng.next() * V)), [T, B], 'int32');
    const targets = tf.tensor2d(Int32Array.from({ length: T * B }, () => Math.floor(rng.next() * V)), [T, B], 'int32');
    const state = stack.zeroState(B);
    const fwd = timeIt(() => {
      const loss = tf.tidy(() => softmaxCrossEntropy(stack.forward({ ids }, state).logits, targets));
      loss.dataSync();
      loss.dispose();
    });
    const before = tf.memory().numTensors;
    const both = timeIt(() => {
      const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(stack.forward({ ids }, state).logits, targets));
      for (const g of Object.values(grads)) g.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    });
    const leaked = tf.memory().numTensors - before;
    console.log(
      `${backend.padEnd(4)} ${N} layer(s) x ${H}, T=${T}, B=${B}, V=${V}, ${stack.numWeights()} weights: ` +
        `forward ${median(fwd).toFixed(0)} ms, forward+backward ${median(both).toFixed(0)} ms ` +
        `(median of ${reps}; min ${Math.min(...both).toFixed(0)}), ${((T * B) / (median(both) / 1000)).toFixed(0)} symbols/s, leaked ${leaked}`,
    );
    tf.dispose([ids, targets, ...state.h, ...state.c]);
    stack.dispose();
  }
}
