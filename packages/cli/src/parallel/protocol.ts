/**
 * What the main thread and the gradient workers share: each worker's start data, the messages, and the layout
 * of the shared buffers (SharedArrayBuffer Float32/Int32 arrays). Text: {@link createDataParallelGradients};
 * handwriting: {@link createHandDataParallelGradients}.
 *
 * Shared memory, all float32 unless said (both pools):
 * - `weights`: every parameter flattened, in {@link ParamLayout} order (written by the main thread before each
 *   step, read by every worker);
 * - `grads[k]`: the same layout, worker k's gradient of Σ_shard nats / B (written by worker k).
 * Text only:
 * - `ids` (int32): inputs `[T, B]` then targets `[T, B]`, time-major (main → workers);
 * - `state`: per layer n, h `[B, H_n]` then c `[B, H_n]`, stream-major so that a shard's rows are contiguous
 *   (main → workers when the carried state was reset or restored; workers → main after every step).
 * Handwriting batches vary in T and texts from step to step: each step message carries the worker's lines as a
 * sub-batch (structured clone); handwriting carries no state between steps.
 */
import type { HandwritingBatch, HandwritingModelConfig } from '@seqgen/handwriting';
import type { TextModelConfig, TextVocabularyJson } from '@seqgen/text';

/** `workerData` of one gradient worker. */
export interface GradientWorkerInit {
  /** This worker's index k and the streams [streamStart, streamEnd) of the batch it computes. */
  index: number;
  streamStart: number;
  streamEnd: number;
  /** B and T of the whole batch. */
  batchSize: number;
  seqLength: number;
  /** The backend to load through initBackend (`wasm`: its single-threaded build). */
  backend: string;
  model: { config: TextModelConfig; vocabulary: TextVocabularyJson };
  /** Where each parameter lies in `weights` and `grads`. */
  layout: ParamLayout;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  ids: SharedArrayBuffer;
  state: SharedArrayBuffer;
}

/** Main → worker. */
export type ToWorker = { type: 'step'; loadState: boolean };

/** Worker → main, any pool: `ready` once after start, then one `Done` (or `error`) per step message. */
export type WorkerReply<Done> = { type: 'ready'; backend: string } | { type: 'error'; message: string } | Done;

/** Text worker → main. */
export type FromWorker = WorkerReply<{ type: 'done'; nats: number }>;

/** Names, shapes, sizes and float offsets of every parameter in the flat `weights`/`grads` buffers. */
export interface ParamLayout {
  names: string[];
  shapes: number[][];
  sizes: number[];
  offsets: number[];
  /** Floats in all. */
  total: number;
}

/** `workerData` of one handwriting gradient worker. */
export interface HandGradientWorkerInit {
  /** This worker's index k. */
  index: number;
  /** The backend to load through initBackend (`wasm`: its single-threaded build). */
  backend: string;
  /** The network (a resolved {@link HandwritingModelConfig}; the worker builds its own copy). */
  config: HandwritingModelConfig;
  layout: ParamLayout;
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

/** Main → handwriting worker: its lines of the step's batch (same T) and B of the whole batch. */
export type HandToWorker = { type: 'step'; batch: HandwritingBatch; batchSize: number };

/** Handwriting worker → main: Σ over its lines' real points of −log Pr (nats), and those points. */
export type HandFromWorker = WorkerReply<{ type: 'done'; total: number; points: number }>;

/** Float offsets of h and c of each layer in the shared `state` buffer, and its total length. */
export function stateLayout(hiddenSizes: readonly number[], batchSize: number): { h: number[]; c: number[]; length: number } {
  const h: number[] = [];
  const c: number[] = [];
  let at = 0;
  for (const H of hiddenSizes) {
    h.push(at);
    at += batchSize * H;
    c.push(at);
    at += batchSize * H;
  }
  return { h, c, length: at };
}
