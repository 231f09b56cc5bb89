/**
 * Shared by `seqgen hand write|sample|plot`: loading a checkpoint into the typed-array sampler, the shipped
 * default model, primings (built-in styles, dataset lines, user strokes) and writing SVG/PNG files.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeqgenError } from '@seqgen/core';
import {
  loadHandwritingCache,
} from '@seqgen/datasets/node';
import { normaliseOffsets, parseLineStrokes, strokesToOffsets, type OffsetStats, type Stroke } from '@seqgen/datasets';
import { FastNet, resolveModelConfig, type HandwritingModelConfig, type Priming } from '@seqgen/handwriting';
import { readCheckpointDir } from '../io/checkpoint-files.js';
import { svgToPng } from '../render/png.js';
import { HAND_KINDS, type HandModelData } from './model-io.js';

/** The shipped default synthesis model's folder inside @seqgen/handwriting. */
export function defaultModelDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@seqgen/handwriting/package.json')), 'assets', 'default-synthesis');
}

/** A model ready for sampling. */
export interface SamplingModel {
  net: FastNet;
  config: HandwritingModelConfig;
  data: HandModelData;
  stats: OffsetStats;
  dir: string;
  /** Longest training line in characters (from the run config; 0 when unknown). */
  maxChars: number;
}

/** Loads a checkpoint directory (default: the shipped model) into a {@link FastNet}. Needs a tfjs backend. */
export async function loadSamplingModel(dir: string | undefined): Promise<SamplingModel> {
  const where = dir === undefined ? defaultModelDir() : resolve(dir);
  const decoded = await readCheckpointDir(where, { kind: HAND_KINDS });
  const config = resolveModelConfig(decoded.config as HandwritingModelConfig, `${where}/model.json config`);
  const weights: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) {
    if (!name.startsWith('optimizer/')) weights[name] = t.dataSync() as Float32Array;
  }
  tf.dispose(Object.values(decoded.tensors));
  const data = decoded.data as HandModelData;
  const stats: OffsetStats = { mean: data.offsetMean, std: data.offsetStd };
  const run = (decoded.training as { run?: { data?: { maxChars?: unknown } } } | undefined)?.run;
  const maxChars = typeof run?.data?.maxChars === 'number' ? run.data.maxChars : 0;
  return { net: new FastNet(config, weights), config, data, stats, dir: where, maxChars };
}

/**
 * A priming for `--style`, `--prime-line`, or `--prime-strokes` (+ `--prime-text`).
 * - style N: the model's built-in style N (1-based) (validation lines of distinct writers stored with the model);
 * - prime-line ID[@CACHE]: a line of a prepared dataset cache by id;
 * - prime-strokes FILE: an IAM-OnDB lineStrokes XML file or JSON `{ "text": "...", "strokes": [[[x, y], ...], ...] }`.
 * @throws {@link ConfigError} naming what is missing.
 */
export function loadPriming(
  model: SamplingModel,
  options: { style?: number; primeLine?: string; primeCache?: string; primeStrokes?: string; primeText?: string },
): Priming | undefined {
  if (options.style !== undefined) {
    const styles = model.data.styles ?? [];
    const s = styles[options.style - 1];
    if (!s) throw new ConfigError(`--style ${options.style}: the model has ${styles.length} built-in style(s) (1..${styles.length})`);
    return { offsets: s.offsets, text: s.text };
  }
  if (options.primeLine !== undefined) {
    const cache = resolve(options.primeCache ?? 'runs/hand-data/hershey.bin');
    if (!existsSync(cache)) throw new ConfigError(`--prime-line: the dataset cache ${cache} does not exist (give --prime-cache)`);
    const dataset = loadHandwritingCache(cache);
    const line = dataset.lines.find((l) => l.id === options.primeLine);
    if (!line) throw new ConfigError(`--prime-line: no line '${options.primeLine}' in ${cache}`);
    // Re-normalise with the model's statistics (the cache may use other ones).
    const raw = new Float32Array(line.offsets);
    if (dataset.normalised) {
      for (let r = 0; r < raw.length / 3; r++) {
        raw[3 * r] = (raw[3 * r] as number) * dataset.offsetStd[0] + dataset.offsetMean[0];
        raw[3 * r + 1] = (raw[3 * r + 1] as number) * dataset.offsetStd[1] + dataset.offsetMean[1];
      }
    }
    return { offsets: normaliseOffsets(raw, model.stats), text: options.primeText ?? line.text };
  }
  if (options.primeStrokes !== undefined) {
    const file = resolve(options.primeStrokes);
    const source = readFileSync(file, 'utf8');
    let strokes: Stroke[];
    let text = options.primeText;
    if (file.endsWith('.xml')) {
      strokes = parseLineStrokes(source, file).strokes;
    } else {
      let json: unknown;
      try {
        json = JSON.parse(source);
      } catch (error) {
        throw new ConfigError(`${file}: not JSON (${(error as Error).message}); expected { "text": ..., "strokes": [[[x, y], ...], ...] }`);
      }
      const j = json as { text?: unknown; strokes?: unknown };
      if (!Array.isArray(j.strokes) || !j.strokes.every((s) => Array.isArray(s) && s.every((p) => Array.isArray(p) && p.length >= 2 && p.every(Number.isFinite)))) {
        throw new ConfigError(`${file}: "strokes" must be a list of strokes, each a list of [x, y] points (y down)`);
      }
      strokes = (j.strokes as number[][][]).map((s) => ({
        x: Float32Array.from(s, (p) => p[0] as number),
        y: Float32Array.from(s, (p) => p[1] as number),
        time: new Float64Array(s.length).fill(NaN),
      }));
      if (text === undefined && typeof j.text === 'string') text = j.text;
    }
    if (text === undefined || text === '') throw new ConfigError(`${file}: priming strokes need their text (--prime-text "...")`);
    const { offsets } = strokesToOffsets(strokes, { gapFactor: Infinity });
    return { offsets: normaliseOffsets(offsets, model.stats), text };
  }
  return undefined;
}

/** Writes an SVG string as .svg, or rasterised as .png (by the extension). Returns the absolute path. */
export function writeFigure(path: string, svg: string, width?: number): string {
  const out = resolve(path);
  mkdirSync(dirname(out), { recursive: true });
  const ext = extname(out).toLowerCase();
  if (ext === '.svg') writeFileSync(out, svg);
  else if (ext === '.png') writeFileSync(out, svgToPng(svg, width ? { width, systemFonts: false } : { systemFonts: false }));
  else throw new SeqgenError('input', `${out}: the output must end in .svg or .png`);
  return out;
}
