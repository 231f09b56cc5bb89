/**
 * Padded, time-major training batches for the handwriting networks (Graves 2013 §4–5).
 */
import { ShapeError } from '@seqgen/core';
import { encodeText, type HandwritingLine } from '@seqgen/datasets';

/** A batch in plain typed arrays (row-major, time-major); tensors are made by the model. */
export interface HandwritingBatch {
  /** T, the longest line's point count. */
  steps: number;
  /** B, lines in the batch. */
  batch: number;
  /**
   * Network inputs `[T, B, 3]`: x_0 = (0, 0, 0) (the null vector, §4), then x_1..x_{T−1} (the line's points).
   */
  inputs: Float32Array;
  /** Targets `[T, B, 3]`: the points x_1..x_T to predict (x_{t+1} for input x_t). */
  targets: Float32Array;
  /** `[T, B]`, 1 for real steps and 0 for padding. */
  mask: Float32Array;
  /** Real steps per line. */
  lengths: Int32Array;
  /** Character ids per line (synthesis), or empty arrays. */
  texts: Int32Array[];
}

/**
 * Builds a batch from prepared lines (normalised offsets, first triple the pen's first contact).
 * @param alphabet - The window's alphabet (synthesis); characters outside it map to its "other" label
 *   (`alphabet[0] === '#'`). Pass `null` for prediction.
 * @param maxSteps - Lines longer than this are cut (their first `maxSteps` points are kept).
 * @throws {@link ShapeError} for an empty batch or a line without points.
 */
export function makeBatch(lines: readonly HandwritingLine[], alphabet: readonly string[] | null, maxSteps = Infinity): HandwritingBatch {
  if (lines.length === 0) throw new ShapeError('makeBatch: no lines');
  const lengths = Int32Array.from(lines, (l) => {
    const n = Math.floor(l.offsets.length / 3);
    if (n < 1 || l.offsets.length % 3 !== 0) throw new ShapeError(`makeBatch: line ${l.id} must hold T >= 1 triples (dx, dy, eos), got ${l.offsets.length} numbers`);
    return Math.min(n, maxSteps);
  });
  const T = lengths.reduce((m, n) => Math.max(m, n), 0);
  const B = lines.length;
  const inputs = new Float32Array(T * B * 3);
  const targets = new Float32Array(T * B * 3);
  const mask = new Float32Array(T * B);
  lines.forEach((line, b) => {
    const n = lengths[b] as number;
    for (let t = 0; t < n; t++) {
      const dst = (t * B + b) * 3;
      targets[dst] = line.offsets[3 * t] as number;
      targets[dst + 1] = line.offsets[3 * t + 1] as number;
      targets[dst + 2] = line.offsets[3 * t + 2] as number;
      mask[t * B + b] = 1;
      if (t + 1 < T && t + 1 < n) {
        const next = ((t + 1) * B + b) * 3;
        inputs[next] = targets[dst] as number;
        inputs[next + 1] = targets[dst + 1] as number;
        inputs[next + 2] = targets[dst + 2] as number;
      }
    }
  });
  const texts = lines.map((l) => (alphabet === null ? new Int32Array(0) : encodeText(l.text, alphabet)));
  return { steps: T, batch: B, inputs, targets, mask, lengths, texts };
}

/**
 * The lines [start, end) of a batch as a batch of their own with the same T (their inputs, targets, mask,
 * lengths and texts): what one worker of a data-parallel step differentiates. Copies; `batch` is not changed.
 * @throws {@link ShapeError} unless 0 ≤ start < end ≤ B (integers).
 */
export function sliceBatch(batch: HandwritingBatch, start: number, end: number): HandwritingBatch {
  const { steps: T, batch: B } = batch;
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > B || start >= end) {
    throw new ShapeError(`sliceBatch: expected lines [start, end) with 0 <= start < end <= ${B}, got [${start}, ${end})`);
  }
  const Bk = end - start;
  const inputs = new Float32Array(T * Bk * 3);
  const targets = new Float32Array(T * Bk * 3);
  const mask = new Float32Array(T * Bk);
  for (let t = 0; t < T; t++) {
    inputs.set(batch.inputs.subarray((t * B + start) * 3, (t * B + end) * 3), t * Bk * 3);
    targets.set(batch.targets.subarray((t * B + start) * 3, (t * B + end) * 3), t * Bk * 3);
    mask.set(batch.mask.subarray(t * B + start, t * B + end), t * Bk);
  }
  return { steps: T, batch: Bk, inputs, targets, mask, lengths: batch.lengths.slice(start, end), texts: batch.texts.slice(start, end) };
}
