/**
 * Text sampling speed at batch 1 (`sampleText` of @seqgen/text), characters per second, for the two sampling
 * paths in the same process, alternating rep by rep: `tfjs` (TextModel.step on the backend + one data() per
 * symbol) and `fast` (core's typed-array FastLstmStack). Prints one JSON line per model and a summary table.
 *
 *   npx tsx --conditions=@seqgen/source bench/text-sample.ts --backend wasm --reps 5
 *   npx tsx --conditions=@seqgen/source bench/text-sample.ts --checkpoint runs/brown-default-v2
 *
 * Models: the default text model's configuration (configs/text-default.json, 1×256, vocabulary 85 as in the
 * Brown corpus), the same with 2 layers, and the paper's Penn char model (configs/text-penn-char.paper.json,
 * 1×1000, vocabulary 49), random weights (speed does not depend on them), or a checkpoint with --checkpoint.
 * Also reports whether both paths produced the same text for the same seed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@seqgen/core';
import { parseModelConfig, sampleText, TextModel, type SamplePath, type TextVocabulary } from '@seqgen/text';
import { initBackend } from '../packages/cli/src/backend.js';
import { loadTextCheckpoint } from '../packages/cli/src/text/checkpoints.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    // wasm threads for the tfjs path (1 = the single-threaded build); the fast path runs on the JS thread.
    threads: { type: 'string', default: '1' },
    checkpoint: { type: 'string' },
    reps: { type: 'string', default: '5' },
    'tfjs-symbols': { type: 'string', default: '150' },
    'fast-symbols': { type: 'string', default: '2000' },
    only: { type: 'string' },
  },
});

function int(name: 'reps' | 'tfjs-symbols' | 'fast-symbols'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/text-sample.ts: --${name} expects an integer >= 1, got '${String(values[name])}'`);
  return n;
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** A char vocabulary of `size` printable symbols (newline first, so the default prime exists). */
function vocabularyOfSize(size: number): TextVocabulary {
  const symbols = ['\n'];
  for (let c = 32; symbols.length < size; c++) symbols.push(String.fromCharCode(c));
  return { unit: 'char', symbols, separator: '' };
}

function modelConfigFile(path: string): unknown {
  return (JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')) as { model: unknown }).model;
}

const backend = await initBackend({ requested: values.backend, threads: values.threads });
const reps = int('reps');
const symbols: Record<SamplePath, number> = { tfjs: int('tfjs-symbols'), fast: int('fast-symbols') };

interface Entry {
  name: string;
  make: () => Promise<TextModel>;
}
const entries: Entry[] = [];
if (values.checkpoint !== undefined) {
  const path = values.checkpoint;
  entries.push({
    name: `checkpoint ${path}`,
    make: async () => {
      const loaded = await loadTextCheckpoint(path);
      tf.dispose(Object.values(loaded.decoded.tensors));
      return loaded.model;
    },
  });
} else {
  const defaults = modelConfigFile('configs/text-default.json');
  const add = (name: string, raw: unknown, vocab: number): void => {
    entries.push({ name, make: async () => TextModel.create(parseModelConfig(raw), vocabularyOfSize(vocab), createRng(1)) });
  };
  add('text-default 1x256 V85', defaults, 85);
  add('2x256 V85', { ...(defaults as object), hiddenSizes: [256, 256] }, 85);
  add('text-penn-char.paper 1x1000 V49', modelConfigFile('configs/text-penn-char.paper.json'), 49);
}

const rows: string[] = [];
for (const entry of entries) {
  if (values.only !== undefined && !entry.name.includes(values.only)) continue;
  const model = await entry.make();
  const rates: Record<SamplePath, number[]> = { tfjs: [], fast: [] };
  const run = async (path: SamplePath, length: number, seed: number) => {
    const start = performance.now();
    const out = await sampleText(model, { length, rng: createRng(seed), path, temperature: 1 });
    return { seconds: (performance.now() - start) / 1000, out };
  };
  // Warm-up (JIT, kernels), and the same-seed check on 100 symbols.
  const a = await run('tfjs', 100, 7);
  const b = await run('fast', 100, 7);
  let firstDiff = -1;
  for (let i = 0; i < 100 && firstDiff < 0; i++) if (a.out.ids[i] !== b.out.ids[i]) firstDiff = i;
  for (let r = 0; r < reps; r++) {
    for (const path of ['tfjs', 'fast'] as const) {
      const { seconds } = await run(path, symbols[path], 100 + r);
      rates[path].push(symbols[path] / seconds);
    }
  }
  const tfjsRate = median(rates.tfjs);
  const fastRate = median(rates.fast);
  const result = {
    model: entry.name,
    weights: model.numWeights(),
    backend: backend.name,
    threads: backend.threads,
    simd: backend.simd,
    batch: 1,
    reps,
    symbolsPerRep: symbols,
    tfjsCharsPerSecond: Math.round(tfjsRate),
    fastCharsPerSecond: Math.round(fastRate),
    speedup: Number((fastRate / tfjsRate).toFixed(1)),
    tfjsAll: rates.tfjs.map(Math.round),
    fastAll: rates.fast.map(Math.round),
    sameTextFor100Symbols: firstDiff < 0,
    ...(firstDiff >= 0 && { firstDifferentSymbol: firstDiff }),
  };
  console.log(JSON.stringify(result));
  rows.push(`${entry.name.padEnd(34)} tfjs ${String(result.tfjsCharsPerSecond).padStart(6)}  fast ${String(result.fastCharsPerSecond).padStart(6)} chars/s  ×${result.speedup}`);
  model.dispose();
}
console.log(`\nbatch-1 sampling, backend ${backend.name}, medians of ${reps} alternating reps:\n${rows.join('\n')}`);
