/**
 * Training speed of core's whole-layer LSTM op: the fused per-step kernels (`lstmSequence`, the default on cpu
 * and wasm) against the tfjs-kernel reference (`lstmSequenceOps`), alternating in one process so that both see
 * the same machine load. Prints one JSON line per configuration.
 *
 *   npx tsx --conditions=@seqgen/source bench/lstm-sequence-step.ts --configs 1x256,2x256,1x1000 --batch 32 --seq 50
 *
 * Two measurements per configuration and path:
 * - `train`: a whole char-model training step as bench/tfjs-lstm.ts (LstmStack with peepholes and skips, ids
 *   input, lstmClip 1, softmax loss, `tf.variableGrads`, Adam) with the stack's `runLayer` bound to one path;
 *   reported as chars/s (T·B per step);
 * - `op`: one layer alone, forward + backward of Σ hidden ∘ R (`tf.variableGrads` w.r.t. zx, W_h, peepholes).
 * Also counts the backend kernels of one training step per path (tf.profile) and checks that both paths give
 * the same loss. Single-threaded wasm by default (`--threads 1`).
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, LstmStack, lstmSequence, lstmSequenceOps, softmaxCrossEntropy, type LstmCellState } from '@seqgen/core';
import { createOptimizer } from '@seqgen/core/train';
import { initBackend } from '../packages/cli/src/backend.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '1' },
    configs: { type: 'string', default: '1x256,2x256,1x1000' },
    batch: { type: 'string', default: '32' },
    seq: { type: 'string', default: '50' },
    vocab: { type: 'string', default: '100' },
    // Repetitions (alternating fused / ops); each times `steps` training steps and `steps` op calls per path.
    reps: { type: 'string', default: '5' },
    steps: { type: 'string', default: '2' },
    seed: { type: 'string', default: '1' },
    // LstmStack initScale (default 1/√H); larger values give activations closer to a trained net's.
    'init-scale': { type: 'string' },
  },
});

function int(name: 'batch' | 'seq' | 'vocab' | 'reps' | 'steps' | 'seed'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/lstm-sequence-step.ts: --${name} expects an integer >= 1, got '${String(values[name])}'`);
  return n;
}

type Path = 'fused' | 'ops';
const PATHS: readonly Path[] = ['fused', 'ops'];
const sequenceOp = { fused: lstmSequence, ops: lstmSequenceOps };
const [B, T, V, reps, steps] = [int('batch'), int('seq'), int('vocab'), int('reps'), int('steps')];
const backend = await initBackend({ requested: values.backend, threads: values.threads });

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Wall and process-CPU seconds of `fn`. */
async function timed(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  await fn();
  const cpu = process.cpuUsage(cpuStart);
  return { wall: (performance.now() - start) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

for (const config of String(values.configs).split(',')) {
  const [L, H] = config.split('x').map(Number) as [number, number];
  if (!(L >= 1 && H >= 1)) throw new Error(`bench/lstm-sequence-step.ts: --configs entries look like 2x256, got '${config}'`);
  const rng = createRng(int('seed'));
  const initScale = values['init-scale'] === undefined ? {} : { initScale: Number(values['init-scale']) };
  const stack = new LstmStack({ inputSize: V, hiddenSizes: new Array<number>(L).fill(H), outputSize: V, lstmClip: 1, ...initScale }, rng);
  const entries = Object.entries(stack.params);
  const varList = entries.map(([, v]) => v);
  const optimizers = { fused: createOptimizer({ name: 'adam' }), ops: createOptimizer({ name: 'adam' }) };
  const ids = Int32Array.from({ length: (T + 1) * B }, () => Math.floor(rng.next() * V));
  const [inputs, targets] = tf.tidy(() => {
    const all = tf.tensor2d(ids, [T + 1, B], 'int32');
    return [tf.slice(all, [0, 0], [T, B]) as tf.Tensor2D, tf.slice(all, [1, 0], [T, B]) as tf.Tensor2D];
  });
  const bindPath = (path: Path): void => {
    stack.runLayer = (layer: number, zx: tf.Tensor3D, state: LstmCellState) => {
      const p = stack.params;
      const peep = p[`lstm/${layer}/peep`] ?? null;
      return sequenceOp[path](zx, p[`lstm/${layer}/wh`] as tf.Variable as tf.Tensor2D, peep as tf.Tensor1D | null, state.h, state.c, stack.config.lstmClip);
    };
  };
  /** One training step; returns the loss per char (read back: the work is done when it returns). */
  const trainStep = async (path: Path, update = true): Promise<number> => {
    bindPath(path);
    const state = stack.zeroState(B);
    const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(stack.forward({ ids: inputs }, state).logits, targets), varList);
    if (update) {
      const keyed: Record<string, tf.Tensor> = {};
      for (const [key, v] of entries) keyed[key] = grads[v.name] as tf.Tensor;
      optimizers[path].apply(keyed, stack.params);
    }
    const loss = ((await value.data())[0] as number) / (T * B);
    tf.dispose([value, grads, state.h, state.c]);
    return loss;
  };

  // One layer alone: forward + backward w.r.t. zx, W_h and the peepholes.
  const opRng = createRng(2);
  const rand = (shape: number[], scale: number): tf.Variable =>
    tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * opRng.normal()), shape));
  const zx = rand([T, B, 4 * H], 0.5);
  const wh = rand([H, 4 * H], 1 / Math.sqrt(H));
  const peep = rand([3 * H], 0.1);
  const probe = tf.tensor(Float32Array.from({ length: T * B * H }, () => opRng.normal()), [T, B, H]);
  const h0 = tf.zeros([B, H]) as tf.Tensor2D;
  const opStep = async (path: Path): Promise<void> => {
    const { value, grads } = tf.variableGrads(() => {
      const r = sequenceOp[path](zx as tf.Tensor as tf.Tensor3D, wh as tf.Tensor as tf.Tensor2D, peep as tf.Tensor as tf.Tensor1D, h0, h0, 1);
      return tf.sum(tf.mul(r.hidden, probe)) as tf.Scalar;
    }, [zx, wh, peep]);
    await value.data();
    tf.dispose([value, grads]);
  };

  // Same weights: same loss (float32 rounding apart); then kernel counts of one step.
  const same = { fused: await trainStep('fused', false), ops: await trainStep('ops', false) };
  const kernels: Record<string, number> = {};
  for (const path of PATHS) {
    const profile = await tf.profile(() => trainStep(path, false) as unknown as tf.TensorContainer);
    kernels[path] = profile.kernels.length;
  }
  for (const path of PATHS) await opStep(path); // warm-up
  const tensorsBefore = tf.memory().numTensors;
  const train: Record<Path, { wall: number[]; cpu: number[] }> = { fused: { wall: [], cpu: [] }, ops: { wall: [], cpu: [] } };
  const op: Record<Path, { wall: number[]; cpu: number[] }> = { fused: { wall: [], cpu: [] }, ops: { wall: [], cpu: [] } };
  for (let r = 0; r < reps; r++) {
    for (const path of r % 2 === 0 ? PATHS : [...PATHS].reverse()) {
      const a = await timed(async () => {
        for (let s = 0; s < steps; s++) await trainStep(path);
      });
      train[path].wall.push((steps * T * B) / a.wall);
      train[path].cpu.push((steps * T * B) / a.cpu);
      const b = await timed(async () => {
        for (let s = 0; s < steps; s++) await opStep(path);
      });
      op[path].wall.push((b.wall / steps) * 1000);
      op[path].cpu.push((b.cpu / steps) * 1000);
    }
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  const summary = (x: { wall: number[]; cpu: number[] }, digits: number) => ({
    median: Number(median(x.wall).toFixed(digits)),
    cpuMedian: Number(median(x.cpu).toFixed(digits)),
    reps: x.wall.map((v) => Number(v.toFixed(digits))),
  });
  console.log(
    JSON.stringify({
      config,
      backend: backend.name,
      threads: backend.threads,
      T,
      batch: B,
      vocab: V,
      lossPerChar: same,
      kernelsPerTrainStep: kernels,
      trainCharsPerSec: { fused: summary(train.fused, 0), ops: summary(train.ops, 0) },
      trainSpeedup: Number((median(train.fused.wall) / median(train.ops.wall)).toFixed(3)),
      trainSpeedupCpu: Number((median(train.fused.cpu) / median(train.ops.cpu)).toFixed(3)),
      opMsPerCall: { fused: summary(op.fused, 2), ops: summary(op.ops, 2) },
      opSpeedup: Number((median(op.ops.wall) / median(op.fused.wall)).toFixed(3)),
      opSpeedupCpu: Number((median(op.ops.cpu) / median(op.fused.cpu)).toFixed(3)),
      tensorsLeaked: leaked,
    }),
  );
  tf.dispose([inputs, targets, zx, wh, peep, probe, h0]);
  optimizers.fused.dispose();
  optimizers.ops.dispose();
  stack.dispose();
}
