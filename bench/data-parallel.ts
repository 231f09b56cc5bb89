/**
 * Data-parallel text training (packages/cli/src/parallel) against one process: TextTrainer updates per second
 * for the char LSTM at 1×256 and 2×256 (T 100, B 32, V 100, Adam, as bench/tfjs-lstm.ts), with the gradients
 * computed in process on the wasm backend's single-threaded build (W = 1: today's path) or by W = 2 worker
 * threads (each its own single-threaded wasm, B/2 streams). Modes alternate within each repetition; medians of
 * `--reps`. Prints one JSON line per model and a summary; peak RSS is the process's (workers included).
 *
 *   npx tsx --conditions=@seqgen/source bench/data-parallel.ts [--steps 4] [--reps 3] [--layers 1,2]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRng } from '@seqgen/core';
import { TextModel, TextTrainer, type TextTrainingConfig, type TextVocabulary } from '@seqgen/text';
import { initBackend } from '../packages/cli/src/backend.js';
import { createDataParallelGradients } from '../packages/cli/src/parallel/data-parallel.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '1' },
    reps: { type: 'string', default: '3' },
    layers: { type: 'string', default: '1,2' },
    hidden: { type: 'string', default: '256' },
    workers: { type: 'string', default: '2' },
  },
});
const [steps, warmup, reps, H, W] = [values.steps, values.warmup, values.reps, values.hidden, values.workers].map(Number) as [number, number, number, number, number];
const [T, B, V] = [100, 32, 100];

const backend = await initBackend({ requested: 'wasm', threads: 1, env: {} });
const symbols = Array.from({ length: V }, (_, i) => String.fromCodePoint(0x100 + i));
const vocabulary: TextVocabulary = { unit: 'char', symbols, separator: '' };
const rng = createRng(1);
const train = Int32Array.from({ length: B * T * (warmup + steps + 2) + 1 }, () => Math.floor(rng.next() * V));
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const rows: Array<Record<string, unknown>> = [];
for (const L of String(values.layers).split(',').map(Number)) {
  const config: TextTrainingConfig = {
    seqLength: T, batchSize: B, resetEvery: 100, optimizer: { name: 'adam', learningRate: 1e-3 }, weightNoise: 0, clipNorm: null,
    learningRateHalfLife: null, learningRateDecay: null, epochs: 1, validateEvery: 0, validateSymbols: 0, seed: 1,
  };
  const modelConfig = { hiddenSizes: new Array<number>(L).fill(H), peepholes: true, inputSkips: true, outputSkips: true, lstmClip: 1, outputClip: null, initScale: null, forgetBias: 0 };
  const model = TextModel.create(modelConfig, vocabulary, createRng(1));
  const parallel = await createDataParallelGradients({ workers: W, model, batchSize: B, seqLength: T, backend: 'wasm' });
  /** chars/s of `steps` updates after `warmup` ones, from a fresh trainer (fresh optimiser, zero state). */
  const measure = async (workers: number): Promise<number> => {
    const trainer = new TextTrainer({ model, train, config, ...(workers > 1 && { gradients: parallel.gradients }) });
    await trainer.run({ maxSteps: warmup });
    const start = performance.now();
    await trainer.run({ maxSteps: warmup + steps });
    const seconds = (performance.now() - start) / 1000;
    trainer.dispose();
    return (steps * T * B) / seconds;
  };
  const rates: Record<number, number[]> = { 1: [], [W]: [] };
  const rss: Record<number, number> = {};
  for (let r = 0; r < reps; r++) {
    for (const w of r % 2 === 0 ? [1, W] : [W, 1]) {
      (rates[w] as number[]).push(await measure(w));
      rss[w] ??= rssMiB();
    }
  }
  await parallel.close();
  model.dispose();
  const one = median(rates[1] as number[]);
  const many = median(rates[W] as number[]);
  const row = {
    model: `${L}x${H}`, T, B, V, backend: backend.name, threadsNote: backend.threadsNote, workers: W,
    charsPerSecond: { 1: Math.round(one), [W]: Math.round(many) },
    ratio: Number((many / one).toFixed(3)),
    reps: { 1: (rates[1] as number[]).map(Math.round), [W]: (rates[W] as number[]).map(Math.round) },
    peakRssMiB: { after1: rss[1], afterW: rss[W] },
    loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  };
  rows.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
}
process.stdout.write(`${rows.map((r) => `${String(r.model)}: ${JSON.stringify(r.charsPerSecond)} chars/s, W=${W} / W=1 = ${String(r.ratio)}x`).join('; ')}\n`);
