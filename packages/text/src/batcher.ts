/**
 * Truncated BPTT batches over one long token array (Graves 2013 §3.3: 100-symbol sequences, errors
 * backpropagated only to the start of each sequence, state carried across sequences and reset every 100
 * sequences, no shuffling).
 */
import { ConfigError } from '@seqgen/core';

/** Where a batcher is; JSON-serialisable, saved in checkpoints so a resumed run continues exactly. */
export interface BatcherPosition {
  /** Completed passes over the data. */
  epoch: number;
  /** Index of the next sequence within the epoch, in `[0, sequencesPerEpoch)`. */
  sequence: number;
}

/** Options of {@link TbpttBatcher}. */
export interface BatcherOptions {
  /** B: parallel streams. */
  batchSize: number;
  /** T: steps per sequence (paper: 100). */
  seqLength: number;
  /** Reset the carried state every this many sequences (paper: 100); 0 = only at the start of each epoch. */
  resetEvery: number;
}

/** One batch: time-major `[T, B]` int32 ids, flattened row-major (index `t * B + b`). */
export interface TbpttBatch {
  inputs: Int32Array;
  targets: Int32Array;
  seqLength: number;
  batchSize: number;
  /** True when the carried LSTM state must be zeroed before this batch. */
  reset: boolean;
  /** The position this batch was taken from. */
  position: BatcherPosition;
}

/**
 * Cuts `tokens` into B contiguous streams of L = ⌊(N − 1) / B⌋ predictions each (stream b starts at token b·L)
 * and walks them in T-step sequences: sequence s gives every stream the inputs `x[bL + sT + t]` and the targets
 * `x[bL + sT + t + 1]`, t = 0..T−1. A stream's state therefore carries over from sequence s to s + 1. A final
 * partial sequence is dropped (every batch has the same shape). Deterministic: the position alone fixes the batch.
 */
export class TbpttBatcher {
  readonly streamLength: number;
  readonly sequencesPerEpoch: number;
  private pos: BatcherPosition = { epoch: 0, sequence: 0 };

  /** @throws {@link ConfigError} when the options are invalid or the data is too short for one batch. */
  constructor(
    private readonly tokens: ArrayLike<number>,
    readonly options: BatcherOptions,
  ) {
    const { batchSize, seqLength, resetEvery } = options;
    for (const [name, v, min] of [['batchSize', batchSize, 1], ['seqLength', seqLength, 1], ['resetEvery', resetEvery, 0]] as const) {
      if (!Number.isInteger(v) || v < min) throw new ConfigError(`training.${name} must be an integer >= ${min}, got ${String(v)}`);
    }
    this.streamLength = Math.floor((tokens.length - 1) / batchSize);
    this.sequencesPerEpoch = Math.floor(this.streamLength / seqLength);
    if (this.sequencesPerEpoch < 1) {
      throw new ConfigError(
        `the training data has ${tokens.length} symbols, too few for one batch of ${batchSize} streams × ${seqLength} steps ` +
          `(needs at least ${batchSize * seqLength + 1}); use more data or a smaller batchSize/seqLength`,
      );
    }
  }

  /** Symbols consumed (predicted) per batch: B · T. */
  get symbolsPerBatch(): number {
    return this.options.batchSize * this.options.seqLength;
  }

  /** A copy of the current position. */
  position(): BatcherPosition {
    return { ...this.pos };
  }

  /**
   * Moves to `position` (from a checkpoint).
   * @throws {@link ConfigError} when the position does not fit this data (a different corpus or batch shape).
   */
  setPosition(position: BatcherPosition): void {
    const { epoch, sequence } = position;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(sequence) || sequence < 0 || sequence >= this.sequencesPerEpoch) {
      throw new ConfigError(
        `data position epoch ${String(epoch)}, sequence ${String(sequence)} does not fit this data ` +
          `(${this.sequencesPerEpoch} sequences per epoch): was the checkpoint trained on other data or another batch shape?`,
      );
    }
    this.pos = { epoch, sequence };
  }

  /** The next batch; advances the position (wrapping to the next epoch). */
  next(): TbpttBatch {
    const { batchSize: B, seqLength: T, resetEvery } = this.options;
    const position = this.position();
    const { sequence } = position;
    const inputs = new Int32Array(T * B);
    const targets = new Int32Array(T * B);
    const L = this.streamLength;
    for (let b = 0; b < B; b++) {
      const base = b * L + sequence * T;
      for (let t = 0; t < T; t++) {
        inputs[t * B + b] = this.tokens[base + t] as number;
        targets[t * B + b] = this.tokens[base + t + 1] as number;
      }
    }
    const reset = sequence === 0 || (resetEvery > 0 && sequence % resetEvery === 0);
    this.pos = sequence + 1 >= this.sequencesPerEpoch ? { epoch: position.epoch + 1, sequence: 0 } : { epoch: position.epoch, sequence: sequence + 1 };
    return { inputs, targets, seqLength: T, batchSize: B, reset, position };
  }
}
