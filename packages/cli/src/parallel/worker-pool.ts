/**
 * What the data-parallel gradient pools (text: data-parallel.ts, handwriting: hand-data-parallel.ts) share:
 * starting `worker_threads` scripts from source (tsx) or dist, the ready/step/error message loop with
 * `unref()` between steps, contiguous sharding, and the weights/gradients layout in shared memory.
 */
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeqgenError, float32StorageFor } from '@seqgen/core';
import type { ParamLayout, WorkerReply } from './protocol.js';

/**
 * A worker script by base name: `<name>.ts` next to this file when running from source (tsx, vitest), else
 * `parallel/<name>.js` next to the bundle (tsup bundles each worker as its own entry, see tsup.config.ts).
 */
export function workerScriptUrl(name: string): URL {
  return import.meta.url.endsWith('.ts') ? new URL(`./${name}.ts`, import.meta.url) : new URL(`./parallel/${name}.js`, import.meta.url);
}

/**
 * How to start a worker script: a .js script directly with the parent's Node flags; a .ts script (source runs
 * under tsx or vitest) through a tiny bootstrap that registers tsx's ESM hooks in the worker first (a
 * `--import tsx` flag alone does not reach a worker's entry module under Node 20), with the source export
 * condition.
 */
export function workerEntry(url: URL): { entry: URL | string; eval: boolean; execArgv: string[] } {
  if (!url.pathname.endsWith('.ts')) return { entry: url, eval: false, execArgv: process.execArgv };
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return { entry: code, eval: true, execArgv: ['--conditions=@seqgen/source'] };
}

/** Splits `count` items (streams, lines) into W contiguous shards [start, end) whose sizes differ by at most one. */
export function contiguousShards(count: number, workers: number): Array<[number, number]> {
  const shards: Array<[number, number]> = [];
  for (let k = 0; k < workers; k++) shards.push([Math.floor((k * count) / workers), Math.floor(((k + 1) * count) / workers)]);
  return shards;
}

/**
 * Checks a `--workers` count against the batch size.
 * @param unit - What a worker takes at least one of ('stream', 'line').
 * @throws {@link ConfigError} unless W is an integer from 1 to B.
 */
export function assertWorkerCount(workers: number, batchSize: number, unit: string): void {
  if (!Number.isInteger(workers) || workers < 1 || workers > batchSize) {
    throw new ConfigError(`--workers expects an integer from 1 to the batch size ${batchSize} (each worker takes at least one ${unit}), got ${workers}`);
  }
}

/** Names, shapes and float offsets of every parameter in a flat shared buffer. */
export function paramLayout(params: Record<string, tf.Variable>): ParamLayout {
  const names = Object.keys(params);
  const shapes = names.map((n) => [...(params[n] as tf.Variable).shape]);
  const sizes = names.map((n) => (params[n] as tf.Variable).size);
  const offsets: number[] = [];
  let total = 0;
  for (const size of sizes) {
    offsets.push(total);
    total += size;
  }
  return { names, shapes, sizes, offsets, total };
}

/**
 * A float32 tensor's values where the cpu or wasm backend keeps them (core's float32StorageFor: a wasm heap view
 * or the cpu backend's own array), without a copy; null on other backends (callers then copy). Use at once: a wasm
 * heap growth detaches the view.
 */
function storageOf(t: tf.Tensor): Float32Array | null {
  const name = tf.getBackend();
  if (t.dtype !== 'float32' || (name !== 'wasm' && name !== 'cpu')) return null;
  return float32StorageFor(name, tf.backend()).view(t);
}

/** Main thread: copies every parameter's current values into the shared weights buffer. */
export function writeWeights(into: Float32Array, params: Record<string, tf.Variable>, layout: ParamLayout): void {
  layout.names.forEach((n, i) => {
    const v = params[n] as tf.Variable;
    into.set(storageOf(v) ?? v.dataSync(), layout.offsets[i] as number);
  });
}

/**
 * Worker: assigns the shared weights to its model copy's variables — written into their storage in place on
 * wasm and cpu when no other tensor shares it (reference count 1: the worker's variables are read only by its
 * own forward pass, whose tensors are gone between steps), through `assign` otherwise.
 */
export function loadWeights(from: Float32Array, params: Record<string, tf.Variable>, layout: ParamLayout): void {
  layout.names.forEach((name, i) => {
    const off = layout.offsets[i] as number;
    const values = from.subarray(off, off + (layout.sizes[i] as number));
    const v = params[name] as tf.Variable;
    const backend = tf.backend() as unknown as { refCount?: (dataId: object) => number };
    const alone = typeof backend.refCount === 'function' && backend.refCount(v.dataId) === 1; // no tensor shares it
    const storage = alone ? storageOf(v) : null;
    if (storage !== null && storage.length === values.length) {
      storage.set(values);
      return;
    }
    const t = tf.tensor(values.slice(), layout.shapes[i]);
    v.assign(t);
    t.dispose();
  });
}

/** Worker: writes its gradients (from `tf.variableGrads`, keyed by variable name) into its shared buffer. */
export function writeGradients(into: Float32Array, grads: Record<string, tf.Tensor>, params: Record<string, tf.Variable>, layout: ParamLayout): void {
  layout.names.forEach((n, i) => {
    const g = grads[(params[n] as tf.Variable).name];
    if (g === undefined) throw new SeqgenError('config', `no gradient for weight '${n}'`);
    into.set(storageOf(g) ?? g.dataSync(), layout.offsets[i] as number);
  });
}

/** Main thread: the sum over workers of their shared gradient buffers, as tensors by parameter name (caller owns). */
export function sumGradients(views: readonly Float32Array[], layout: ParamLayout): Record<string, tf.Tensor> {
  const grads: Record<string, tf.Tensor> = {};
  const name = tf.getBackend();
  // On wasm/cpu the sums are written straight into the new tensors' storage (no intermediate 3 MB arrays to copy
  // and collect every update).
  const storage = name === 'wasm' || name === 'cpu' ? float32StorageFor(name, tf.backend()) : null;
  layout.names.forEach((n, i) => {
    const off = layout.offsets[i] as number;
    const size = layout.sizes[i] as number;
    const shape = layout.shapes[i] as number[];
    const info = storage?.alloc(shape);
    const sum = info !== undefined && storage !== null ? storage.view(info) : new Float32Array(size);
    sum.set((views[0] as Float32Array).subarray(off, off + size));
    for (let k = 1; k < views.length; k++) {
      const g = (views[k] as Float32Array).subarray(off, off + size);
      for (let j = 0; j < size; j++) sum[j] = (sum[j] as number) + (g[j] as number);
    }
    grads[n] = info !== undefined ? tf.engine().makeTensorFromTensorInfo(info) : tf.tensor(sum, shape);
  });
  return grads;
}

/** A started pool of W worker threads that answer each step message with one `done` reply. */
export interface WorkerPool<ToWorker, Done> {
  /** The backend the workers loaded (from their `ready` replies). */
  backend: string;
  /**
   * Sends worker k `messages[k]` and resolves with every worker's `done` reply, in worker order. The workers are
   * ref()'d only while a step runs, so an idle pool never keeps the process alive.
   * @throws {@link SeqgenError} ('backend') when a worker reported an error, failed or exited; ('config') once closed.
   */
  step(messages: readonly ToWorker[]): Promise<Done[]>;
  /** Terminates the workers (idempotent). */
  close(): Promise<void>;
}

/**
 * Starts one worker per `inits` entry (its `workerData`) and waits until each has replied `ready`.
 * @param label - Names the workers in errors, e.g. 'gradient worker'.
 * @throws {@link SeqgenError} ('backend') when a worker fails to start (its reason included); the pool is closed.
 */
export async function startWorkerPool<Init, ToWorker, Done extends { type: 'done' }>(options: {
  url: URL;
  inits: readonly Init[];
  backend: string;
  label: string;
}): Promise<WorkerPool<ToWorker, Done>> {
  const { inits, label } = options;
  const launch = workerEntry(options.url);
  const pending: Array<{ resolve: (m: Done | { type: 'ready'; backend: string }) => void; reject: (e: Error) => void } | undefined> = inits.map(() => undefined);
  let broken: Error | undefined;
  let closed = false;
  const fail = (error: Error): void => {
    broken ??= error;
    pending.forEach((p, k) => {
      pending[k] = undefined;
      p?.reject(error);
    });
  };
  const pool = inits.map((init, index) => {
    const worker = new Worker(launch.entry, { workerData: init, execArgv: launch.execArgv, eval: launch.eval });
    worker.on('message', (message: WorkerReply<Done>) => {
      const p = pending[index];
      pending[index] = undefined;
      if (message.type === 'error') fail(new SeqgenError('backend', `${label} ${index}: ${message.message}`));
      else p?.resolve(message);
    });
    worker.on('error', (error) => fail(new SeqgenError('backend', `${label} ${index} failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => {
      if (!closed) fail(new SeqgenError('backend', `${label} ${index} exited unexpectedly (code ${code})`));
    });
    return worker;
  });
  const expect = (index: number): Promise<Done | { type: 'ready'; backend: string }> =>
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

  const step = async (messages: readonly ToWorker[]): Promise<Done[]> => {
    if (broken) throw broken;
    if (closed) throw new SeqgenError('config', `the ${label}s were closed`);
    for (const w of pool) w.ref();
    try {
      const done = pool.map((_, k) => expect(k));
      pool.forEach((w, k) => w.postMessage(messages[k]));
      // Every reply after `ready` is a `done` (errors reject).
      return (await Promise.all(done)) as Done[];
    } finally {
      for (const w of pool) w.unref();
    }
  };
  return { backend, step, close };
}
