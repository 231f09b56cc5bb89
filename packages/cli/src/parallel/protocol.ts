/**
 * What the main thread and the gradient workers of {@link createDataParallelGradients} share: the worker's
 * start data, the messages, and the layout of the shared buffers (SharedArrayBuffer Float32/Int32 arrays).
 *
 * Shared memory, all float32 unless said:
 * - `weights`: every parameter flattened, in `paramNames` order at `offsets` (written by the main thread before
 *   each step, read by every worker);
 * - `grads[k]`: the same layout, worker k's gradient of Σ_shard nats / B (written by worker k);
 * - `ids` (int32): inputs `[T, B]` then targets `[T, B]`, time-major (main → workers);
 * - `state`: per layer n, h `[B, H_n]` then c `[B, H_n]`, stream-major so that a shard's rows are contiguous
 *   (main → workers when the carried state was reset or restored; workers → main after every step).
 */
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
  paramNames: string[];
  paramShapes: number[][];
  /** Float offsets of each parameter in `weights` and `grads`. */
  offsets: number[];
  weights: SharedArrayBuffer;
  grads: SharedArrayBuffer;
  ids: SharedArrayBuffer;
  state: SharedArrayBuffer;
}

/** Main → worker. */
export type ToWorker = { type: 'step'; loadState: boolean };

/** Worker → main. */
export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'done'; nats: number }
  | { type: 'error'; message: string };

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
