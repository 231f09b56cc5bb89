/**
 * Data parallelism for text training across `worker_threads`: W workers each hold a copy of the model (their
 * own tfjs, loaded like the CLI's: wasm single-threaded, or cpu), differentiate their share of the B streams of
 * every batch and write their gradients to shared memory; the main thread sums them and the trainer applies ONE
 * optimiser update (after global-norm clipping), whose weights go back to the workers at the next step.
 *
 * Exactness: worker k differentiates Σ_{its streams} nats / B (B of the whole batch), so the sum over workers is
 * the gradient of (Σ nats)/B that `trainStep` differentiates in one process; results agree up to float32
 * summation order. Each worker keeps its streams' carried LSTM state; after each step it also writes them to
 * shared memory, from which the full `[B, H]` state is assembled for the trainer (checkpoints keep their layout).
 * A state the trainer did not get from the last step (a reset to zeros, a resumed checkpoint) is sent to the
 * workers before the step.
 *
 * Why: on small batches ([32, 256] × [256, 1024] per time step) XNNPACK's thread pool does not pay off, while
 * whole shards in separate threads need no synchronisation inside the step.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeqgenError, type LstmState } from '@seqgen/core';
import type { GradientFunction, GradientRequest, GradientResult, TextModel } from '@seqgen/text';
import { stateLayout, type FromWorker, type GradientWorkerInit, type ToWorker } from './protocol.js';

/** Options of {@link createDataParallelGradients}. */
export interface DataParallelOptions {
  /** W: worker threads (1 ≤ W ≤ B). */
  workers: number;
  /** The model trained on the main thread (config, vocabulary and parameter shapes are copied; not retained). */
  model: TextModel;
  /** B and T of every batch. */
  batchSize: number;
  seqLength: number;
  /** The backend each worker loads with initBackend (`wasm` = its single-threaded build each; `cpu` for tests). */
  backend: string;
  /** The worker script; default: gradient-worker.ts next to this file (source) or dist/parallel/gradient-worker.js. */
  workerUrl?: URL;
}

/** A running worker pool; {@link DataParallelGradients.gradients} is the trainer's `gradients` option. */
export interface DataParallelGradients {
  gradients: GradientFunction;
  /** W. */
  workers: number;
  /** The streams [start, end) of the batch each worker computes. */
  shards: Array<[number, number]>;
  /** The backend the workers loaded. */
  backend: string;
  /** Terminates the workers (idempotent). A pool is also unref()'d between steps, so it never keeps the process alive. */
  close(): Promise<void>;
}

interface Pending {
  resolve: (message: FromWorker) => void;
  reject: (error: Error) => void;
}

/** The default worker script: the .ts source under tsx/vitest, the bundled .js in dist. */
function defaultWorkerUrl(): URL {
  return import.meta.url.endsWith('.ts') ? new URL('./gradient-worker.ts', import.meta.url) : new URL('./parallel/gradient-worker.js', import.meta.url);
}

/**
 * How to start the worker: a .js script directly with the parent's Node flags; a .ts script (source runs under
 * tsx or vitest) through a tiny bootstrap that registers tsx's ESM hooks in the worker first (a `--import tsx`
 * flag alone does not reach a worker's entry module under Node 20), with the source export condition.
 */
function workerEntry(url: URL): { entry: URL | string; eval: boolean; execArgv: string[] } {
  if (!url.pathname.endsWith('.ts')) return { entry: url, eval: false, execArgv: process.execArgv };
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return { entry: code, eval: true, execArgv: ['--conditions=@seqgen/source'] };
}

/** Splits B streams into W contiguous shards whose sizes differ by at most one. */
export function shardStreams(batchSize: number, workers: number): Array<[number, number]> {
  const shards: Array<[number, number]> = [];
  for (let k = 0; k < workers; k++) shards.push([Math.floor((k * batchSize) / workers), Math.floor(((k + 1) * batchSize) / workers)]);
  return shards;
}

/**
 * Starts W gradient workers and waits until each has loaded its backend and built its model copy.
 * @throws {@link ConfigError} when W is not an integer from 1 to B; {@link SeqgenError} ('backend') when a worker
 *   fails to start (its reason included).
 */
export async function createDataParallelGradients(options: DataParallelOptions): Promise<DataParallelGradients> {
  const { workers: W, model, batchSize: B, seqLength: T } = options;
  if (!Number.isInteger(W) || W < 1 || W > B) {
    throw new ConfigError(`--workers expects an integer from 1 to the batch size ${B} (each worker takes at least one stream), got ${W}`);
  }
  const paramNames = Object.keys(model.params);
  const paramShapes = paramNames.map((n) => [...(model.params[n] as tf.Variable).shape]);
  const sizes = paramNames.map((n) => (model.params[n] as tf.Variable).size);
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  const hiddenSizes = [...model.config.hiddenSizes];
  const layout = stateLayout(hiddenSizes, B);
  const weightsBuffer = new SharedArrayBuffer(4 * total);
  const gradBuffers = Array.from({ length: W }, () => new SharedArrayBuffer(4 * total));
  const idsBuffer = new SharedArrayBuffer(4 * 2 * T * B);
  const stateBuffer = new SharedArrayBuffer(4 * layout.length);
  const weights = new Float32Array(weightsBuffer);
  const gradViews = gradBuffers.map((b) => new Float32Array(b));
  const ids = new Int32Array(idsBuffer);
  const shared = new Float32Array(stateBuffer);
  const shards = shardStreams(B, W);
  const fields = model.checkpointFields();
  const url = options.workerUrl ?? defaultWorkerUrl();
  const launch = workerEntry(url);

  const pending: Array<Pending | undefined> = new Array(W).fill(undefined);
  let broken: Error | undefined;
  let closed = false;
  const fail = (error: Error): void => {
    broken ??= error;
    pending.forEach((p, k) => {
      pending[k] = undefined;
      p?.reject(error);
    });
  };
  const pool = shards.map(([start, end], index) => {
    const init: GradientWorkerInit = {
      index,
      streamStart: start,
      streamEnd: end,
      batchSize: B,
      seqLength: T,
      backend: options.backend,
      model: { config: fields.config, vocabulary: fields.data.vocabulary },
      paramNames,
      paramShapes,
      offsets,
      weights: weightsBuffer,
      grads: gradBuffers[index] as SharedArrayBuffer,
      ids: idsBuffer,
      state: stateBuffer,
    };
    const worker = new Worker(launch.entry, { workerData: init, execArgv: launch.execArgv, eval: launch.eval });
    worker.on('message', (message: FromWorker) => {
      const p = pending[index];
      pending[index] = undefined;
      if (message.type === 'error') fail(new SeqgenError('backend', `gradient worker ${index}: ${message.message}`));
      else p?.resolve(message);
    });
    worker.on('error', (error) => fail(new SeqgenError('backend', `gradient worker ${index} failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!closed) fail(new SeqgenError('backend', `gradient worker ${index} exited unexpectedly (code ${code})`));
    });
    return worker;
  });
  const expect = (index: number): Promise<FromWorker> =>
    new Promise((resolve, reject) => {
      if (broken) reject(broken);
      else pending[index] = { resolve, reject };
    });
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.all(pool.map((w) => w.terminate()));
  };

  let backend = options.backend;
  try {
    const ready = await Promise.all(pool.map((_, k) => expect(k)));
    for (const m of ready) if (m.type === 'ready') backend = m.backend;
  } catch (error) {
    await close();
    throw error;
  }
  for (const w of pool) w.unref();

  let lastState: LstmState | undefined;
  const gradients = async (request: GradientRequest): Promise<GradientResult> => {
    if (broken) throw broken;
    if (closed) throw new SeqgenError('config', 'the data-parallel workers were closed');
    if (request.batchSize !== B || request.seqLength !== T) {
      throw new ConfigError(`data-parallel workers were started for batches of B ${B} × T ${T}, got B ${request.batchSize} × T ${request.seqLength}`);
    }
    paramNames.forEach((n, i) => weights.set((request.params[n] as tf.Variable).dataSync(), offsets[i] as number));
    ids.set(request.inputs, 0);
    ids.set(request.targets, T * B);
    const loadState = request.state !== lastState;
    if (loadState) {
      hiddenSizes.forEach((_, n) => {
        shared.set((request.state.h[n] as tf.Tensor).dataSync(), layout.h[n] as number);
        shared.set((request.state.c[n] as tf.Tensor).dataSync(), layout.c[n] as number);
      });
    }
    const message: ToWorker = { type: 'step', loadState };
    let results: FromWorker[];
    for (const w of pool) w.ref();
    try {
      const done = pool.map((_, k) => expect(k));
      pool.forEach((w) => w.postMessage(message));
      results = await Promise.all(done);
    } finally {
      for (const w of pool) w.unref();
    }
    let nats = 0;
    for (const m of results) if (m.type === 'done') nats += m.nats;
    const grads: Record<string, tf.Tensor> = {};
    paramNames.forEach((n, i) => {
      const off = offsets[i] as number;
      const sum = (gradViews[0] as Float32Array).slice(off, off + (sizes[i] as number));
      for (let k = 1; k < W; k++) {
        const g = gradViews[k] as Float32Array;
        for (let j = 0; j < sum.length; j++) sum[j] = (sum[j] as number) + (g[off + j] as number);
      }
      grads[n] = tf.tensor(sum, paramShapes[i]);
    });
    const rows = (at: number, H: number): tf.Tensor2D => tf.tensor2d(shared.slice(at, at + B * H), [B, H]);
    const state: LstmState = {
      h: hiddenSizes.map((H, n) => rows(layout.h[n] as number, H)),
      c: hiddenSizes.map((H, n) => rows(layout.c[n] as number, H)),
    };
    lastState = state;
    return { grads, nats, count: T * B, state };
  };
  return { gradients, workers: W, shards, backend, close };
}
