/**
 * Sampling speed for `pnpm bench` (a child of bench/run.ts, own process and peak RSS), through the public APIs.
 * Prints one JSON line per measurement on stdout and exits.
 *
 *   npx tsx --conditions=@seqgen/source bench/sample-speed.ts --kind text --backend wasm
 *   npx tsx --conditions=@seqgen/source bench/sample-speed.ts --kind hand
 *
 * --kind text: characters/s of `sampleText` (@seqgen/text) at batch 1, symbol by symbol, with the default text
 *   model: the checkpoint runs/text-default/best (what `pnpm start` trains) when present, else the configuration
 *   of configs/text-default.json (1×384) with random weights and an 85-symbol vocabulary (speed does not depend on
 *   the weights). When @seqgen/text has a `path` sampling option (resolveSamplePath is exported), every path is
 *   timed, alternating rep by rep; `default` is what a caller gets without the option.
 * --kind hand: seconds to write a 60-character line with the shipped synthesis model
 *   (@seqgen/handwriting/assets/default-synthesis), the way `seqgen hand write` does it (loadSamplingModel, the
 *   line written in word-aligned pieces of at most the model's training length, `synthesize` with bias 0.75 and
 *   the stop rule), median over --reps seeds after one warm-up line; also as one piece (no chunking). Node
 *   start-up and model loading are reported separately (loadSeconds), not included.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { mixSeed, wrapIntoLines } from '@seqgen/datasets';
import { synthesize } from '@seqgen/handwriting';
import * as text from '@seqgen/text';
import { initBackend } from '../packages/cli/src/backend.js';
import { loadSamplingModel } from '../packages/cli/src/hand/sampling.js';
import { loadTextCheckpoint } from '../packages/cli/src/text/checkpoints.js';
import { median, peakRssMB, round } from './bench-util.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'text' },
    backend: { type: 'string', default: 'wasm' },
    // wasm threads (1 = the single-threaded build); unset: initBackend's default (SEQGEN_THREADS, else min(cores, 4)).
    threads: { type: 'string' },
    reps: { type: 'string', default: '5' },
    length: { type: 'string', default: '1000' },
    checkpoint: { type: 'string' },
    line: { type: 'string', default: 'The quick brown fox jumps over the lazy dog by the old mill.' },
  },
});

function int(name: 'reps' | 'length'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/sample-speed.ts: --${name} expects an integer >= 1, got '${String(values[name])}'`);
  return n;
}

const reps = int('reps');
const backend = await initBackend({ requested: values.backend, threads: values.threads });
const emit = (r: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ ...r, backend: backend.name, threads: backend.threads, simd: backend.simd, peakRssMB: peakRssMB() })}\n`);
};

async function textModel(): Promise<{ model: text.TextModel; weights: string }> {
  const checkpoint = values.checkpoint ?? join(here, '..', 'runs', 'text-default', 'best');
  if (existsSync(checkpoint)) {
    const loaded = await loadTextCheckpoint(checkpoint);
    tf.dispose(Object.values(loaded.decoded.tensors));
    return { model: loaded.model, weights: `checkpoint ${loaded.dir}` };
  }
  const raw = (JSON.parse(readFileSync(join(here, '..', 'configs', 'text-default.json'), 'utf8')) as { model: unknown }).model;
  const symbols = ['\n'];
  for (let c = 32; symbols.length < 85; c++) symbols.push(String.fromCharCode(c));
  const model = text.TextModel.create(text.parseModelConfig(raw), { unit: 'char', symbols, separator: '' }, createRng(1));
  return { model, weights: 'random (configs/text-default.json, 85 symbols)' };
}

if (values.kind === 'text') {
  const length = int('length');
  const { model, weights } = await textModel();
  // A `path` option where the library has one; 'default' passes none (what `seqgen text sample` gets).
  const paths: string[] = 'resolveSamplePath' in text ? ['default', 'tfjs', 'fast'] : ['default'];
  const sample = async (path: string, n: number, seed: number): Promise<number> => {
    const options = { length: n, rng: createRng(seed), temperature: 1, ...(path === 'default' ? {} : { path }) };
    const start = performance.now();
    await text.sampleText(model, options as Parameters<typeof text.sampleText>[1]);
    return (performance.now() - start) / 1000;
  };
  const rates: Record<string, number[]> = Object.fromEntries(paths.map((p) => [p, []]));
  for (const p of paths) await sample(p, 50, 1); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const p of paths) rates[p]?.push(length / (await sample(p, length, 100 + r)));
  }
  for (const p of paths) {
    const all = rates[p] as number[];
    emit({
      config: 'text-default',
      task: 'sample-text',
      path: p,
      model: `TextModel ${model.config.hiddenSizes.join('x')}, vocabulary ${model.vocabularySize}`,
      weights,
      batch: 1,
      charsPerRep: length,
      reps,
      charsPerSec: round(median(all)),
      repsCharsPerSec: all.map((x) => round(x)),
    });
  }
  model.dispose();
} else if (values.kind === 'hand') {
  const line = String(values.line);
  const loadStart = performance.now();
  const model = await loadSamplingModel(undefined);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const write = (seed: number, chunk: number): { seconds: number; points: number; pieces: number; stops: string[] } => {
    const pieces = chunk > 0 && line.length > chunk ? wrapIntoLines([line], chunk, 1) : [line];
    const start = performance.now();
    let points = 0;
    const stops: string[] = [];
    pieces.forEach((piece, k) => {
      const r = synthesize(model.net, piece, { bias: 0.75, rng: createRng(mixSeed(seed, k)) });
      points += r.steps;
      stops.push(r.stop);
    });
    return { seconds: (performance.now() - start) / 1000, points, pieces: pieces.length, stops };
  };
  for (const [name, chunk] of [['cli-chunks', model.maxChars], ['one-piece', 0]] as const) {
    write(0, chunk); // warm-up (JIT)
    const runs = Array.from({ length: reps }, (_, r) => write(r + 1, chunk));
    const seconds = runs.map((x) => x.seconds);
    emit({
      config: 'default-synthesis',
      task: 'write-line',
      path: name,
      model: `shipped ${model.config.hiddenSizes.join('x')} synthesis model (${model.dir})`,
      characters: [...line].length,
      chunkChars: chunk,
      pieces: runs[0]?.pieces,
      reps,
      secondsPerLine: round(median(seconds), 3),
      repsSeconds: seconds.map((x) => round(x, 3)),
      pointsPerLine: median(runs.map((x) => x.points)),
      pointsPerSec: round(median(runs.map((x) => x.points / x.seconds))),
      stoppedByWindow: runs.filter((x) => x.stops.every((s) => s === 'window')).length,
      loadSeconds: round(loadSeconds, 3),
      line,
    });
  }
} else {
  throw new Error(`bench/sample-speed.ts: --kind expects text or hand, got '${String(values.kind)}'`);
}
process.exit(0);
