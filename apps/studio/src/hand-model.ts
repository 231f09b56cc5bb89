/**
 * Handwriting checkpoints (kinds 'handwriting-synthesis' | 'handwriting-prediction', written by `seqgen hand
 * train`) in the browser: decode, copy the weights into the typed-array sampler `FastNet`, write text with the
 * stop rule and biased/primed sampling (Graves 2013 §5.4–5.5, Eqs. 61–62), render SVG.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, createRng, decodeCheckpoint } from '@seqgen/core';
import type { OffsetStats } from '@seqgen/datasets';
import {
  FastNet,
  offsetsToSvg,
  resolveModelConfig,
  sampleUnconditional,
  synthesize,
  type HandwritingModelConfig,
  type Priming,
} from '@seqgen/handwriting';
import type { CheckpointBytes } from './checkpoint-source.js';

/** The kinds of handwriting checkpoints. */
export const HAND_KINDS = ['handwriting-synthesis', 'handwriting-prediction'] as const;

/** A style (priming line) stored with a model: normalised offsets and their text. */
export interface HandStyle {
  text: string;
  writer: string;
  offsets: number[];
}

/** A loaded handwriting model ready to sample. */
export interface LoadedHand {
  net: FastNet;
  config: HandwritingModelConfig;
  stats: OffsetStats;
  styles: HandStyle[];
  source: string;
  summary: string;
}

function isPair(v: unknown): v is [number, number] {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

/**
 * Loads a handwriting checkpoint into a {@link FastNet}. The decoded tensors are freed.
 * @throws {@link CheckpointError} naming the source when the data stats are missing or a weight does not fit.
 */
export function loadHandModel(bytes: CheckpointBytes): LoadedHand {
  const decoded = decodeCheckpoint(bytes.json, bytes.weightData, { kind: HAND_KINDS, source: bytes.source });
  try {
    const config = resolveModelConfig(decoded.config as HandwritingModelConfig, `${bytes.source} config`);
    const data = (decoded.data ?? {}) as { offsetMean?: unknown; offsetStd?: unknown; styles?: unknown };
    if (!isPair(data.offsetMean) || !isPair(data.offsetStd)) {
      throw new CheckpointError(`${bytes.source}: 'data' must hold offsetMean and offsetStd ([x, y] each, the training normalisation)`);
    }
    const weights: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(decoded.tensors)) {
      if (!name.startsWith('optimizer/')) weights[name] = t.dataSync() as Float32Array;
    }
    let net: FastNet;
    try {
      net = new FastNet(config, weights);
    } catch (error) {
      throw new CheckpointError(`${bytes.source}: ${(error as Error).message}`, { cause: error });
    }
    const styles = Array.isArray(data.styles)
      ? (data.styles as unknown[]).filter(
          (s): s is HandStyle =>
            typeof s === 'object' && s !== null && typeof (s as HandStyle).text === 'string' && Array.isArray((s as HandStyle).offsets),
        )
      : [];
    const summary =
      `${config.task} network, hidden ${JSON.stringify(config.hiddenSizes)}, ${config.mixtures} mixtures` +
      (config.task === 'synthesis' ? `, ${config.windowMixtures} window Gaussians, ${config.alphabet.length} characters` : '') +
      (styles.length > 0 ? `, ${styles.length} styles` : '');
    return { net, config, stats: { mean: data.offsetMean, std: data.offsetStd }, styles, source: bytes.source, summary };
  } finally {
    tf.dispose(Object.values(decoded.tensors));
  }
}

/** Options of {@link writeSvg}. */
export interface WriteOptions {
  /** Sampling bias b (Eqs. 61–62); 0 = unbiased. */
  bias: number;
  seed: number;
  /** 1-based style index into {@link LoadedHand.styles}, or 0 for none. */
  style: number;
  /** Prediction networks: points to draw. Default 700. */
  steps?: number;
}

/** Result of {@link writeSvg}. */
export interface WriteResult {
  svg: string;
  steps: number;
  /** Synthesis: why sampling stopped ('window' = the paper's stop rule). */
  stop: string | null;
  milliseconds: number;
}

/**
 * Writes `text` (synthesis) or scribbles freely (prediction) and renders the ink as SVG.
 * @throws {@link ConfigError} / {@link SeqgenError} for an empty text or characters outside the alphabet.
 */
export function writeSvg(hand: LoadedHand, text: string, options: WriteOptions): WriteResult {
  const start = performance.now();
  const rng = createRng(options.seed);
  const style = options.style > 0 ? hand.styles[options.style - 1] : undefined;
  const priming: Priming | undefined = style === undefined ? undefined : { offsets: style.offsets, text: style.text };
  const common = { bias: options.bias, rng, ...(priming !== undefined && { priming }) };
  if (hand.config.task === 'synthesis') {
    const result = synthesize(hand.net, text, { ...common, unknown: hand.config.alphabet.includes('#') ? 'map' : 'error' });
    const svg = offsetsToSvg(result.offsets, hand.stats, { label: text, variableWidth: true, width: 900 });
    return { svg, steps: result.steps, stop: result.stop, milliseconds: performance.now() - start };
  }
  const result = sampleUnconditional(hand.net, options.steps ?? 700, common);
  const svg = offsetsToSvg(result.offsets, hand.stats, { variableWidth: true, width: 900 });
  return { svg, steps: result.steps, stop: null, milliseconds: performance.now() - start };
}
