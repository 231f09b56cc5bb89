/**
 * A/B of the wasm backend's thread counts (not part of the tests): matMul GFLOP/s for the LSTM's two matmul
 * shapes (one step [32,256]x[256,1024]; all T steps of the input projection [3200,256]x[256,1024]) and,
 * with --train, training chars/s of the bench model (bench/tfjs-lstm.ts) per configuration. The wasm backend
 * is initialised once per process, so every measurement is its own child process, and the thread counts
 * alternate round by round (1, 2, 1, 2, …) so that other load on the machine hits both alike. Reports
 * medians over the rounds and the ratio to the first thread count.
 *
 *   npx tsx --conditions=@seqgen/source bench/wasm-threads.ts --threads 1,2 --rounds 5 [--train --configs 1x256,2x256]
 *
 * Prints JSON lines on stdout: one per measurement, then one `{ "summary": … }` line.
 */
import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../packages/cli/src/backend.js';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '5' },
    train: { type: 'boolean', default: false },
    configs: { type: 'string', default: '1x256,2x256' },
    steps: { type: 'string', default: '2' },
    // Child mode: measure matMul with this many threads and print one JSON line.
    child: { type: 'string' },
  },
});

const shapes = [
  { name: '[32,256]x[256,1024]', m: 32, k: 256, n: 1024, seconds: 0.5 },
  { name: '[3200,256]x[256,1024]', m: 3200, k: 256, n: 1024, seconds: 1 },
];

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function child(threads: string): Promise<void> {
  const backend = await initBackend({ requested: 'wasm', threads });
  const gflops: Record<string, number> = {};
  for (const { name, m, k, n, seconds } of shapes) {
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
    const once = (): void => tf.tidy(() => tf.matMul(a, b)).dispose();
    for (let i = 0; i < 3; i++) once();
    // Calls until `seconds` have passed; a final dataSync makes sure the work is done.
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      once();
      calls++;
    }
    tf.tidy(() => tf.matMul(a, b)).dataSync();
    calls++;
    gflops[name] = (2 * m * k * n * calls) / ((performance.now() - start) / 1000) / 1e9;
    tf.dispose([a, b]);
  }
  process.stdout.write(`${JSON.stringify({ threads: backend.threads, threadsNote: backend.threadsNote, gflops })}\n`);
}

function runChild(args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (code !== 0 || line === undefined) reject(new Error(`child ${args.join(' ')} exited ${String(code)}`));
      else resolve(JSON.parse(line) as Record<string, unknown>);
    });
  });
}

async function parent(): Promise<void> {
  const counts = String(values.threads).split(',').map((t) => t.trim());
  const rounds = Number(values.rounds);
  const configs = values.train ? String(values.configs).split(',') : [];
  const loadBefore = loadavg();
  const samples = new Map<string, number[]>(); // key `${measure}|${threads}`
  const add = (measure: string, threads: string, x: number): void => {
    const key = `${measure}|${threads}`;
    samples.set(key, [...(samples.get(key) ?? []), x]);
  };
  for (let round = 0; round < rounds; round++) {
    for (const t of counts) {
      const r = await runChild([fileURLToPath(import.meta.url), '--child', t]);
      process.stdout.write(`${JSON.stringify({ round, requested: Number(t), ...r })}\n`);
      for (const [shape, g] of Object.entries(r.gflops as Record<string, number>)) add(`matMul ${shape} GFLOP/s`, t, g);
      for (const config of configs) {
        const m = /^(\d+)x(\d+)$/.exec(config.trim());
        if (!m) throw new Error(`bench/wasm-threads.ts: --configs expects e.g. 1x256, got '${config}'`);
        const out = await runChild([
          join(here, 'tfjs-lstm.ts'),
          ...['--backend', 'wasm', '--threads', t, '--layers', m[1] as string, '--hidden', m[2] as string],
          ...['--steps', String(values.steps), '--warmup', '1', '--reps', '1'],
        ]);
        process.stdout.write(`${JSON.stringify({ round, requested: Number(t), config, threads: out.threads, charsPerSec: out.charsPerSec, peakRssMB: out.peakRssMB })}\n`);
        add(`train ${config} chars/s`, t, out.charsPerSec as number);
      }
    }
  }
  const measures = [...new Set([...samples.keys()].map((k) => k.split('|')[0] as string))];
  const table = measures.map((measure) => {
    const medians = Object.fromEntries(counts.map((t) => [t, median(samples.get(`${measure}|${t}`) ?? [])]));
    const base = medians[counts[0] as string] as number;
    const ratios = Object.fromEntries(counts.slice(1).map((t) => [`${t}/${counts[0]}`, Math.round(((medians[t] as number) / base) * 1000) / 1000]));
    return { measure, medians, ratios, samples: Object.fromEntries(counts.map((t) => [t, samples.get(`${measure}|${t}`)])) };
  });
  const summary = { rounds, cpus: availableParallelism(), loadAverageBefore: loadBefore, loadAverageAfter: loadavg(), table };
  process.stdout.write(`${JSON.stringify({ summary })}\n`);
}

if (values.child !== undefined) await child(values.child);
else await parent();
