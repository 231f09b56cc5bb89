/**
 * Static evaluation: scores every next symbol of a text with fixed weights (Graves 2013 §3, Tables 1–2, static
 * columns). Batched for speed: the text is cut into B contiguous streams whose state is carried from chunk to
 * chunk, so each symbol is predicted from everything before it in its stream (only the first symbol of each
 * stream starts from the zero state).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, NATS_TO_BITS, softmaxCrossEntropy, type LstmState } from '@seqgen/core';
import { emptyTotals, textMetrics, type ScoreTotals, type TextMetrics } from './metrics.js';
import { disposeState, tidyResult, type TextModel } from './text-model.js';
import { countWords } from './vocabulary.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Parallel streams; default 32. */
  batchSize?: number;
  /** Steps per forward call; default 100. */
  seqLength?: number;
  /** Score only the first `maxSymbols` predictions (0 or absent = all). */
  maxSymbols?: number;
  /** Called after each chunk with predictions scored so far and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores `ids[1..n)` given their predecessors: Σ bits, count, argmax errors and words.
 * @param ids - Int32Array (or any id array) of `[T]` inputs and targets; `ids[t]` predicts `ids[t + 1]`.
 * @param state - Initial state, `[B, ·]`; consumed (disposed) and the final state is returned.
 */
export async function scoreChunk(
  model: TextModel,
  inputs: tf.Tensor2D,
  targets: tf.Tensor2D,
  state: LstmState,
): Promise<{ bits: number; errors: number; state: LstmState }> {
  const out = tidyResult(() => {
    const { logits, state: next } = model.forward(inputs, state);
    const nats = softmaxCrossEntropy(logits, targets);
    const wrong = tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 2), targets), 'float32'));
    return { sums: tf.stack([nats, wrong]), state: next };
  });
  disposeState(state);
  const values = await out.sums.data();
  out.sums.dispose();
  return { bits: (values[0] as number) * NATS_TO_BITS, errors: values[1] as number, state: out.state };
}

/**
 * Evaluates `model` on `ids` with fixed weights; returns bits per symbol, per-word perplexity and error rate.
 * Every prediction of `ids[1..n)` is scored exactly once: B streams of ⌊(n − 1)/B⌋ predictions, then the
 * remainder continuing the last stream's state.
 * @throws {@link ConfigError} when `ids` has fewer than 2 symbols.
 */
export async function evaluate(model: TextModel, ids: ArrayLike<number>, options: EvaluateOptions = {}): Promise<TextMetrics> {
  const seqLength = options.seqLength ?? 100;
  const limit = options.maxSymbols && options.maxSymbols > 0 ? Math.min(ids.length, options.maxSymbols + 1) : ids.length;
  const total = limit - 1;
  if (total < 1) throw new ConfigError(`evaluation needs at least 2 symbols, got ${ids.length}`);
  const B = Math.max(1, Math.min(options.batchSize ?? 32, total));
  const L = Math.floor(total / B);
  const totals: ScoreTotals = emptyTotals();
  totals.words = countWords(model.vocabulary, ids, 1, limit);
  let state = model.zeroState(B);
  let done = 0;
  try {
    for (let t0 = 0; t0 < L; t0 += seqLength) {
      const T = Math.min(seqLength, L - t0);
      const inp = new Int32Array(T * B);
      const tgt = new Int32Array(T * B);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const at = b * L + t0 + t;
          inp[t * B + b] = ids[at] as number;
          tgt[t * B + b] = ids[at + 1] as number;
        }
      }
      const inputs = tf.tensor2d(inp, [T, B], 'int32');
      const targets = tf.tensor2d(tgt, [T, B], 'int32');
      const r = await scoreChunk(model, inputs, targets, state);
      tf.dispose([inputs, targets]);
      state = r.state;
      totals.bits += r.bits;
      totals.errors += r.errors;
      totals.count += T * B;
      done += T * B;
      options.onProgress?.(done, total);
    }
    // The remainder continues the last stream.
    const rest = total - B * L;
    if (rest > 0) {
      const last = {
        h: state.h.map((h) => tf.slice(h, [B - 1, 0], [1, h.shape[1]])),
        c: state.c.map((c) => tf.slice(c, [B - 1, 0], [1, c.shape[1]])),
      };
      disposeState(state);
      state = last;
      for (let s = B * L; s < total; s += seqLength) {
        const T = Math.min(seqLength, total - s);
        const { inputs, targets } = segmentTensors(ids, s, T);
        const r = await scoreChunk(model, inputs, targets, state);
        tf.dispose([inputs, targets]);
        state = r.state;
        totals.bits += r.bits;
        totals.errors += r.errors;
        totals.count += T;
        done += T;
        options.onProgress?.(done, total);
      }
    }
  } finally {
    disposeState(state);
  }
  return textMetrics(totals, model.vocabulary.unit);
}

/**
 * One batch-1 segment as time-major tensors: inputs `ids[start … start+T)` and targets shifted by one, `[T, 1]`
 * int32 each. The caller disposes both.
 */
export function segmentTensors(ids: ArrayLike<number>, start: number, T: number): { inputs: tf.Tensor2D; targets: tf.Tensor2D } {
  const inp = new Int32Array(T);
  const tgt = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    inp[t] = ids[start + t] as number;
    tgt[t] = ids[start + t + 1] as number;
  }
  return { inputs: tf.tensor2d(inp, [T, 1], 'int32'), targets: tf.tensor2d(tgt, [T, 1], 'int32') };
}
