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
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, type LstmState } from '@seqgen/core';
import type { GradientFunction, GradientRequest, GradientResult, TextModel } from '@seqgen/text';
import { stateLayout, type FromWorker, type GradientWorkerInit, type ToWorker } from './protocol.js';
import { assertWorkerCount, contiguousShards, paramLayout, startWorkerPool, sumGradients, workerScriptUrl, writeWeights } from './worker-pool.js';

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

/** Splits B streams into W contiguous shards whose sizes differ by at most one. */
export const shardStreams: (batchSize: number, workers: number) => Array<[number, number]> = contiguousShards;

/**
 * Starts W gradient workers and waits until each has loaded its backend and built its model copy.
 * @throws {@link ConfigError} when W is not an integer from 1 to B; {@link SeqgenError} ('backend') when a worker
 *   fails to start (its reason included).
 */
export async function createDataParallelGradients(options: DataParallelOptions): Promise<DataParallelGradients> {
  const { workers: W, model, batchSize: B, seqLength: T } = options;
  assertWorkerCount(W, B, 'stream');
  const layout = paramLayout(model.params);
  const hiddenSizes = [...model.config.hiddenSizes];
  const states = stateLayout(hiddenSizes, B);
  const weightsBuffer = new SharedArrayBuffer(4 * layout.total);
  const gradBuffers = Array.from({ length: W }, () => new SharedArrayBuffer(4 * layout.total));
  const idsBuffer = new SharedArrayBuffer(4 * 2 * T * B);
  const stateBuffer = new SharedArrayBuffer(4 * states.length);
  const weights = new Float32Array(weightsBuffer);
  const gradViews = gradBuffers.map((b) => new Float32Array(b));
  const ids = new Int32Array(idsBuffer);
  const shared = new Float32Array(stateBuffer);
  const shards = shardStreams(B, W);
  const fields = model.checkpointFields();
  const inits = shards.map(
    ([start, end], index): GradientWorkerInit => ({
      index,
      streamStart: start,
      streamEnd: end,
      batchSize: B,
      seqLength: T,
      backend: options.backend,
      model: { config: fields.config, vocabulary: fields.data.vocabulary },
      layout,
      weights: weightsBuffer,
      grads: gradBuffers[index] as SharedArrayBuffer,
      ids: idsBuffer,
      state: stateBuffer,
    }),
  );
  type Done = Extract<FromWorker, { type: 'done' }>;
  const pool = await startWorkerPool<GradientWorkerInit, ToWorker, Done>({
    url: options.workerUrl ?? workerScriptUrl('gradient-worker'),
    inits,
    backend: options.backend,
    label: 'gradient worker',
  });

  let lastState: LstmState | undefined;
  const gradients = async (request: GradientRequest): Promise<GradientResult> => {
    if (request.batchSize !== B || request.seqLength !== T) {
      throw new ConfigError(`data-parallel workers were started for batches of B ${B} × T ${T}, got B ${request.batchSize} × T ${request.seqLength}`);
    }
    writeWeights(weights, request.params, layout);
    ids.set(request.inputs, 0);
    ids.set(request.targets, T * B);
    const loadState = request.state !== lastState;
    if (loadState) {
      hiddenSizes.forEach((_, n) => {
        shared.set((request.state.h[n] as tf.Tensor).dataSync(), states.h[n] as number);
        shared.set((request.state.c[n] as tf.Tensor).dataSync(), states.c[n] as number);
      });
    }
    const message: ToWorker = { type: 'step', loadState };
    const results = await pool.step(shards.map(() => message));
    let nats = 0;
    for (const m of results) nats += m.nats;
    const grads = sumGradients(gradViews, layout);
    const rows = (at: number, H: number): tf.Tensor2D => tf.tensor2d(shared.slice(at, at + B * H), [B, H]);
    const state: LstmState = {
      h: hiddenSizes.map((H, n) => rows(states.h[n] as number, H)),
      c: hiddenSizes.map((H, n) => rows(states.c[n] as number, H)),
    };
    lastState = state;
    return { grads, nats, count: T * B, state };
  };
  return { gradients, workers: W, shards, backend: pool.backend, close: pool.close };
}
