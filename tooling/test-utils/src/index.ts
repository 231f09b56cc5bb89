/**
 * Shared test helpers: float64 closeness checks, finite-difference gradient checks,
 * leak checks and per-backend describe blocks.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';

/** Largest absolute difference between two equally long numeric arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Asserts |a - b| <= atol + rtol * |b| elementwise, reporting the worst index. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-5 }: { atol?: number; rtol?: number } = {},
): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!Number.isFinite(a) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isFinite(a) ? excess : Infinity;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `values differ at index ${worst}: actual ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** Tensor version of {@link expectClose}. */
export function expectTensorsClose(
  actual: tf.Tensor,
  expected: tf.Tensor | ArrayLike<number>,
  tol: { atol?: number; rtol?: number } = {},
): void {
  if (expected instanceof tf.Tensor) expect(actual.shape).toEqual(expected.shape);
  const e = expected instanceof tf.Tensor ? expected.dataSync() : expected;
  expectClose(actual.dataSync(), e, tol);
}

/**
 * Central finite differences of a scalar function of a flat float64 vector.
 * Use with a float64 reference implementation for tight checks.
 */
export function numericGradient(f: (x: Float64Array) => number, x: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  const y = Float64Array.from(x);
  for (let i = 0; i < x.length; i++) {
    const v = y[i] as number;
    y[i] = v + eps;
    const fp = f(y);
    y[i] = v - eps;
    const fm = f(y);
    y[i] = v;
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

/** Runs `fn` and asserts the number of live tensors is unchanged afterwards. */
export async function expectNoLeaks(fn: () => unknown | Promise<unknown>): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors left behind (${before} -> ${after})`);
}

/** Runs a describe block once per backend, switching the tfjs backend before its tests. */
export function describeBackends(names: readonly string[], title: string, body: (backend: string) => void): void {
  for (const name of names) {
    describe(`${title} [${name}]`, () => {
      useBackend(name);
      body(name);
    });
  }
}

/** Switches to backend `name` for the enclosing describe block and back afterwards. */
function useBackend(name: string): void {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
    await tf.ready();
  });
  afterAll(async () => {
    if (previous) await tf.setBackend(previous);
  });
}
