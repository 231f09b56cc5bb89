/**
 * Text checkpoints (kind 'text-lm', written by `seqgen text train`) in the browser: decode with core's
 * `decodeCheckpoint`, rebuild with `TextModel.fromCheckpoint`, sample with `sampleStream` (temperature, priming).
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, decodeCheckpoint } from '@seqgen/core';
import { TEXT_CHECKPOINT_KIND, TextModel, sampleStream } from '@seqgen/text';
import type { CheckpointBytes } from './checkpoint-source.js';

export { TEXT_CHECKPOINT_KIND };

/** A loaded text model and what the page shows about it. */
export interface LoadedText {
  model: TextModel;
  source: string;
  summary: string;
}

/**
 * Builds a {@link TextModel} from checkpoint bytes. The decoded tensors are freed; the caller disposes the model.
 * @throws {@link CheckpointError} naming the source for a corrupt file, another kind or mismatched weights.
 */
export function loadTextModel(bytes: CheckpointBytes): LoadedText {
  const decoded = decodeCheckpoint(bytes.json, bytes.weightData, { kind: TEXT_CHECKPOINT_KIND, source: bytes.source });
  try {
    const model = TextModel.fromCheckpoint(decoded, bytes.source);
    const v = model.vocabulary;
    const summary =
      `${v.unit} model, ${model.vocabularySize} symbols, hidden ${JSON.stringify(model.config.hiddenSizes)}, ` +
      `${model.numWeights().toLocaleString('en')} weights` +
      (decoded.createdBy !== undefined ? `, by ${decoded.createdBy}` : '');
    return { model, source: bytes.source, summary };
  } finally {
    tf.dispose(Object.values(decoded.tensors));
  }
}

/** Options of {@link streamText}. */
export interface StreamTextOptions {
  length: number;
  temperature: number;
  prime: string;
  seed: number;
  /** Receives text as it becomes final. */
  onText: (text: string) => void;
  /** Checked between symbols; true stops sampling. */
  shouldStop?: () => boolean;
  /** Yield to the browser every this many symbols so the page repaints (default 4). */
  yieldEvery?: number;
}

/** Samples `length` symbols, streaming them to `onText`; resolves with the count generated. */
export async function streamText(model: TextModel, options: StreamTextOptions): Promise<{ symbols: number; millisecondsPerSymbol: number }> {
  const every = options.yieldEvery ?? 4;
  let symbols = 0;
  const start = performance.now();
  const stream = sampleStream(model, {
    length: options.length,
    temperature: options.temperature,
    prime: options.prime,
    rng: createRng(options.seed),
  });
  for await (const s of stream) {
    if (s.text !== '') options.onText(s.text);
    if (s.id >= 0) symbols++;
    if (options.shouldStop?.()) {
      await stream.return(undefined);
      break;
    }
    if (symbols % every === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  return { symbols, millisecondsPerSymbol: symbols > 0 ? (performance.now() - start) / symbols : 0 };
}
