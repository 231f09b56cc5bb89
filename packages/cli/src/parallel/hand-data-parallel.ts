/**
 * Data parallelism for handwriting training (Graves 2013 §4–5) across `worker_threads`: W workers each hold a
 * copy of the prediction or synthesis network (their own tfjs, loaded like the CLI's: wasm single-threaded, or
 * cpu), differentiate a contiguous share of every batch's lines and write their gradients to shared memory; the
 * main thread sums them and `delegatedTrainStep` applies ONE optimiser update, whose weights go back to the
 * workers at the next step.
 *
 * Exactness: worker k differentiates Σ_{its lines} nats / B (B of the whole batch), so the sum over workers is
 * the gradient of (Σ line nats)/B that `trainStep` differentiates in one process; results agree up to float32
 * summation order. Lines are independent (no state is carried), and each worker's sub-batch keeps the batch's
 * T: padded steps are masked out of the loss, as in one process.
 */
import { ConfigError } from '@seqgen/core';
import { sliceBatch, type HandwritingGradientFunction, type HandwritingModel } from '@seqgen/handwriting';
import type { HandFromWorker, HandGradientWorkerInit, HandToWorker } from './protocol.js';
import { assertWorkerCount, contiguousShards, paramLayout, startWorkerPool, sumGradients, workerScriptUrl, writeWeights } from './worker-pool.js';

/** Options of {@link createHandDataParallelGradients}. */
export interface HandDataParallelOptions {
  /** W: worker threads (1 ≤ W ≤ B). */
  workers: number;
  /** The model trained on the main thread (its config and parameter shapes are copied; not retained). */
  model: HandwritingModel;
  /** B, lines per batch (a batch of another size is sharded alike, if it has at least W lines). */
  batchSize: number;
  /** The backend each worker loads with initBackend (`wasm` = its single-threaded build each; `cpu` for tests). */
  backend: string;
  /** The worker script; default: hand-gradient-worker.ts next to this file (source) or dist/parallel/hand-gradient-worker.js. */
  workerUrl?: URL;
}

/** A running worker pool; {@link HandDataParallelGradients.gradients} is `delegatedTrainStep`'s `gradients`. */
export interface HandDataParallelGradients {
  gradients: HandwritingGradientFunction;
  /** W. */
  workers: number;
  /** The lines [start, end) of a batch of B lines each worker computes. */
  shards: Array<[number, number]>;
  /** The backend the workers loaded. */
  backend: string;
  /** Terminates the workers (idempotent). A pool is also unref()'d between steps, so it never keeps the process alive. */
  close(): Promise<void>;
}

/**
 * Starts W handwriting gradient workers and waits until each has loaded its backend and built its model copy.
 * @throws {@link ConfigError} when W is not an integer from 1 to B; `SeqgenError` ('backend') when a worker fails
 *   to start (its reason included).
 */
export async function createHandDataParallelGradients(options: HandDataParallelOptions): Promise<HandDataParallelGradients> {
  const { workers: W, model, batchSize: B } = options;
  assertWorkerCount(W, B, 'line');
  const layout = paramLayout(model.params);
  const weightsBuffer = new SharedArrayBuffer(4 * layout.total);
  const gradBuffers = Array.from({ length: W }, () => new SharedArrayBuffer(4 * layout.total));
  const weights = new Float32Array(weightsBuffer);
  const gradViews = gradBuffers.map((b) => new Float32Array(b));
  const inits = gradBuffers.map(
    (grads, index): HandGradientWorkerInit => ({ index, backend: options.backend, config: model.config, layout, weights: weightsBuffer, grads }),
  );
  type Done = Extract<HandFromWorker, { type: 'done' }>;
  const pool = await startWorkerPool<HandGradientWorkerInit, HandToWorker, Done>({
    url: options.workerUrl ?? workerScriptUrl('hand-gradient-worker'),
    inits,
    backend: options.backend,
    label: 'handwriting gradient worker',
  });

  const gradients: HandwritingGradientFunction = async ({ batch, params }) => {
    if (batch.batch < W) {
      throw new ConfigError(`a batch of ${batch.batch} line(s) cannot be shared by ${W} data-parallel workers (each takes at least one line)`);
    }
    writeWeights(weights, params, layout);
    const messages = contiguousShards(batch.batch, W).map(([start, end]): HandToWorker => ({ type: 'step', batch: sliceBatch(batch, start, end), batchSize: batch.batch }));
    const results = await pool.step(messages);
    let total = 0;
    let points = 0;
    for (const m of results) {
      total += m.total;
      points += m.points;
    }
    return { grads: sumGradients(gradViews, layout), total, points };
  };
  return { gradients, workers: W, shards: contiguousShards(B, W), backend: pool.backend, close: pool.close };
}
