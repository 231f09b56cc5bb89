import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '../train/register-gradients.js';
import { expectClose } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { patchWasmKernels } from './wasm-kernels.js';

/** Runs `f` on cpu and on patched wasm and compares the results (shape and values). */
async function same(f: () => tf.Tensor | tf.Tensor[]): Promise<void> {
  await tf.setBackend('cpu');
  const onCpu = ([] as tf.Tensor[]).concat(f()).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  await tf.setBackend('wasm');
  const onWasm = ([] as tf.Tensor[]).concat(f()).map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  expect(onWasm.length).toBe(onCpu.length);
  onWasm.forEach((w, i) => {
    expect(w.shape).toEqual(onCpu[i]?.shape);
    expectClose(w.values, onCpu[i]?.values ?? [], { atol: 1e-5, rtol: 1e-5 });
  });
}

const range = (shape: number[]): tf.Tensor => tf.reshape(tf.range(0, shape.reduce((a, b) => a * b, 1), 1, 'float32'), shape);

describe('patched wasm kernels', () => {
  it('patch applies once the wasm backend is registered', async () => {
    await tf.setBackend('wasm');
    expect(patchWasmKernels()).toBe(true);
    expect(patchWasmKernels()).toBe(true);
  });

  it('Slice (contiguous and strided, ranks 1-5, int32), Unpack (every axis) and SplitV equal the cpu kernels', async () => {
    await same(() => tf.slice(range([10]), [3], [4]));
    await same(() => tf.slice(range([5, 4, 6]), [2, 0, 0], [2, 4, 6]));
    await same(() => tf.slice(range([5, 8]), [1, 2], [3, 5]));
    await same(() => tf.slice(range([4, 5, 6]), [1, 2, 3], [2, 2, 2]));
    await same(() => tf.slice(range([3, 4, 5, 6]), [1, 0, 2, 1], [2, 3, 2, 4]));
    await same(() => tf.slice(range([2, 3, 4, 5, 6]), [1, 1, 1, 1, 1], [1, 2, 2, 3, 4]));
    await same(() => tf.slice(tf.cast(range([6, 7]), 'int32'), [2, 1], [3, 4]));
    await same(() => tf.slice(range([4, 4]), [1, 1], [0, 2]));
    for (const axis of [0, 1, 2]) await same(() => tf.unstack(range([3, 4, 5]), axis));
    await same(() => tf.split(range([3, 12]), 4, 1));
    await same(() => tf.split(range([6, 5]), [1, 2, 3], 0));
  });

  it('BatchMatMul with transposeA / transposeB (rank 2 and batched rank 3) equals cpu', async () => {
    const a = (): tf.Tensor => tf.sin(range([2, 5, 3]));
    const b = (): tf.Tensor => tf.cos(range([2, 3, 4]));
    await same(() => tf.matMul(tf.sin(range([5, 3])), tf.cos(range([5, 4])), true, false));
    await same(() => tf.matMul(tf.sin(range([3, 5])), tf.cos(range([4, 5])), false, true));
    await same(() => tf.matMul(tf.sin(range([5, 3])), tf.cos(range([4, 5])), true, true));
    await same(() => tf.matMul(a(), b()));
    await same(() => tf.matMul(tf.transpose(a(), [0, 2, 1]), b(), true, false));
    await same(() => tf.matMul(a(), tf.transpose(b(), [0, 2, 1]), false, true));
    // Gradients go through the same kernels.
    await same(() => tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, w))))([tf.sin(range([4, 3])), tf.cos(range([3, 6]))]));
  });
});
