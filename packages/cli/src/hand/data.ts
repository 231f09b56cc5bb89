/**
 * Handwriting data for `seqgen hand train|eval|sample|write`: a prepared cache (`seqgen hand data prepare`) or
 * synthetic Hershey lines generated on the fly (and cached under runs/hand-data/ by their settings).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildHandwritingDataset,
  generateSyntheticLines,
  mixSeed,
  synthTextLines,
  type HandwritingDataset,
  type HandwritingSplit,
} from '@seqgen/datasets';
import { loadHandwritingCache, loadHersheyFonts, readBrownParagraphs, saveHandwritingCache } from '@seqgen/datasets/node';
import { ConfigError } from '@seqgen/core';

/** Where the data comes from (the `data` block of configs/hand-*.json). */
export interface HandDataSpec {
  /** A cache file from `seqgen hand data prepare`, or 'hershey' to generate synthetic lines. */
  source: string;
  /** hershey: number of lines. */
  lines?: number;
  /** hershey: number of writers. */
  writers?: number;
  /** hershey: seed of writers and lines. */
  seed?: number;
  /** hershey: digitiser rate, points per second (60 ≈ IAM-OnDB's ~23 points per letter; 20 ≈ 9). */
  sampleRate?: number;
  /** hershey: longest text line in characters. */
  maxChars?: number;
}

/** Validation split of synthetic line i, ≈ 1 in 8.5 (the paper's 1438 of 12,179), by a seeded hash. */
function syntheticSplit(seed: number, index: number): HandwritingSplit {
  return mixSeed(seed ^ 0x5911, index) / 2 ** 32 < 1438 / 12179 ? 'validation' : 'train';
}

/** Reads the spec's dataset, generating and caching synthetic lines the first time. */
export function loadHandData(spec: HandDataSpec, onStatus: (message: string) => void = () => {}): { dataset: HandwritingDataset; from: string } {
  if (spec.source !== 'hershey') {
    const path = resolve(spec.source);
    if (!existsSync(path)) throw new ConfigError(`data.source: ${path} does not exist (run \`seqgen hand data prepare\` or use "hershey")`);
    return { dataset: loadHandwritingCache(path), from: path };
  }
  const lines = spec.lines ?? 8000;
  const writers = spec.writers ?? 12;
  const seed = spec.seed ?? 0;
  const sampleRate = spec.sampleRate ?? 20;
  const maxChars = spec.maxChars ?? 30;
  const cache = resolve('runs/hand-data', `hershey-l${lines}-w${writers}-s${seed}-r${sampleRate}-c${maxChars}.bin`);
  if (existsSync(cache)) return { dataset: loadHandwritingCache(cache), from: cache };
  onStatus(`generating ${lines} synthetic lines (${writers} writers, ${sampleRate} points/s, <= ${maxChars} characters) into ${cache}`);
  const texts = synthTextLines(readBrownParagraphs(Math.max(300, Math.ceil(lines / 2))), maxChars);
  const generated = generateSyntheticLines(texts, loadHersheyFonts(), { count: lines, writers, seed, sampleRate });
  const { dataset } = buildHandwritingDataset(
    generated.map((l, i) => ({ id: l.id, text: l.text, writer: l.writer.id, split: syntheticSplit(seed, i), strokes: l.strokes })),
    {
      source: 'hershey',
      conventions: [`synthetic: ${lines} lines, ${writers} writers, seed ${seed}, ${sampleRate} points/s, <= ${maxChars} chars; ≈ 11.8% validation`],
    },
  );
  saveHandwritingCache(cache, dataset);
  return { dataset, from: cache };
}

/** The default data folder. */
export const HAND_DATA_DIR = join('runs', 'hand-data');
