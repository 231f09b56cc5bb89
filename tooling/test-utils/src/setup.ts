/**
 * Vitest setup for packages that use tfjs: registers the cpu and wasm backends, picks one
 * (SEQGEN_TEST_BACKEND, default cpu), and wraps every test in an engine scope so stray
 * tensors of one test never leak into the next.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, beforeAll, beforeEach } from 'vitest';

beforeAll(async () => {
  const name = process.env.SEQGEN_TEST_BACKEND ?? 'cpu';
  if (!(await tf.setBackend(name))) throw new Error(`test backend '${name}' did not initialise`);
  await tf.ready();
});

beforeEach(() => {
  tf.engine().startScope();
});

afterEach(() => {
  tf.engine().endScope();
  tf.disposeVariables();
});
