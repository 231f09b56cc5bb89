import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectClose } from '@seqgen/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { runChild } from '../__fixtures__/run-child.js';
import { shardStreams } from './data-parallel.js';

const fixture = fileURLToPath(new URL('../__fixtures__/data-parallel-child.ts', import.meta.url));
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'seqgen-data-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ChildResult {
  bits: number[];
  weights: Record<string, number[]>;
  carried: Record<string, number[]>;
  leaked: number;
  growthPerTwoSteps: number;
  shards: Array<[number, number]> | null;
}

async function train(workers: number, steps: number, resumeAt?: number): Promise<ChildResult> {
  const run = await runChild(fixture, ['cpu', String(workers), String(steps), ...(resumeAt === undefined ? [] : [String(resumeAt)])]);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  expect(run.signal).toBeNull();
  // Workers are terminated at the end (and unref()'d between steps): the process ends by itself, promptly.
  expect(run.exitAfterMs).toBeLessThan(3000);
  return JSON.parse(run.stdout.trim()) as ChildResult;
}

function expectSameTraining(actual: ChildResult, expected: ChildResult): void {
  expectClose(actual.bits, expected.bits, { atol: 1e-5, rtol: 1e-5 });
  expect(Object.keys(actual.weights).sort()).toEqual(Object.keys(expected.weights).sort());
  for (const [name, w] of Object.entries(actual.weights)) expectClose(w, expected.weights[name] as number[], { atol: 1e-5, rtol: 1e-5 });
  expect(Object.keys(actual.carried).sort()).toEqual(['state/c/0', 'state/h/0']);
  for (const [name, s] of Object.entries(actual.carried)) expectClose(s, expected.carried[name] as number[], { atol: 1e-5, rtol: 1e-5 });
}

describe('shardStreams', () => {
  it('splits B streams into W contiguous shards differing by at most one', () => {
    expect(shardStreams(32, 2)).toEqual([[0, 16], [16, 32]]);
    expect(shardStreams(5, 3)).toEqual([[0, 1], [1, 3], [3, 5]]);
    expect(shardStreams(4, 1)).toEqual([[0, 4]]);
  });
});

describe('data-parallel text training (1×16, B 4, T 5, Adam, clip 1, reset every 3, cpu)', () => {
  it('W = 2 and W = 1 workers train like one process: same losses, weights and carried state; exact resume; no leaks', async () => {
    const inProcess = await train(0, 5);
    const one = await train(1, 5);
    const two = await train(2, 5);
    const resumed = await train(2, 5, 2);
    expect(inProcess.bits).toHaveLength(5);
    expect(inProcess.bits[0]).toBeGreaterThan(3); // ≈ log2(10) for 10 symbols at initialisation
    expect(two.shards).toEqual([[0, 2], [2, 4]]);
    // The weights moved: the comparison below is not between untouched initialisations.
    const moved = await train(0, 1);
    expect(Math.max(...(inProcess.weights['lstm/0/wx'] as number[]).map((w, i) => Math.abs(w - ((moved.weights['lstm/0/wx'] as number[])[i] as number))))).toBeGreaterThan(1e-3);
    expectSameTraining(one, inProcess);
    expectSameTraining(two, inProcess);
    // Stopped after 2 updates, checkpointed to bytes, resumed with a fresh model, trainer and worker pool.
    expectSameTraining(resumed, inProcess);
    for (const r of [inProcess, one, two, resumed]) {
      expect(r.leaked).toBe(0);
      expect(r.growthPerTwoSteps).toBe(0);
    }
  });
});

describe('seqgen text train --workers', () => {
  const corpus = join(tmp, 'corpus.txt');
  writeFileSync(corpus, 'the cat sat on the mat. the dog sat on the log.\n'.repeat(40));
  const common = ['--backend', 'cpu', '--runs', join(tmp, 'runs'), '--data', `text:${corpus}`, '--hidden', '8', '--batch-size', '4', '--seq-length', '5', '--skip-final-eval', '--sample-length', '0', '--validate-symbols', '100'];

  it('trains with 2 workers, resumes with the run\'s count, matches 1 process, and the process exits by itself', async () => {
    const a = await runChild(bin, ['text', 'train', '--name', 'w2', '--workers', '2', '--steps', '2', ...common]);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/data-parallel: 2 worker threads \(cpu\), streams 0–1 \| 2–3/);
    expect(a.exitAfterMs).toBeLessThan(3000);
    const b = await runChild(bin, ['text', 'train', '--name', 'w2', '--resume', '--steps', '4', '--backend', 'cpu', '--runs', join(tmp, 'runs'), '--skip-final-eval', '--sample-length', '0']);
    expect(b.code).toBe(0);
    expect(b.stderr).toMatch(/resuming at update 2/);
    expect(b.stderr).toMatch(/data-parallel: 2 worker threads/);
    expect(b.stderr).toMatch(/stopped after 4 updates/);
    expect(b.exitAfterMs).toBeLessThan(3000);
    const c = await runChild(bin, ['text', 'train', '--name', 'w1', '--steps', '4', ...common]);
    expect(c.code).toBe(0);
    expect(c.stderr).not.toMatch(/data-parallel: /);
    const weights = (name: string): Float32Array => {
      const bytes = readFileSync(join(tmp, 'runs', name, 'latest', 'weights.bin'));
      return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
    };
    const [w2, w1] = [weights('w2'), weights('w1')];
    expect(w2.length).toBe(w1.length);
    expectClose(Array.from(w2), Array.from(w1), { atol: 1e-5, rtol: 1e-5 });
    const saved = JSON.parse(readFileSync(join(tmp, 'runs', 'w2', 'latest', 'model.json'), 'utf8')) as { training: { workers: number } };
    expect(saved.training.workers).toBe(2);
  });

  it('refuses weight noise with --workers > 1 (a ConfigError naming both), and --workers beyond B', async () => {
    const noise = await runChild(bin, ['text', 'train', '--name', 'noise', '--workers', '2', '--weight-noise', '0.075', '--steps', '1', ...common]);
    expect(noise.code).toBe(1);
    expect(noise.stderr).toMatch(/--workers 2 cannot be used with weight noise \(0\.075\)/);
    const many = await runChild(bin, ['text', 'train', '--name', 'many', '--workers', '5', '--steps', '1', ...common]);
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/--workers expects an integer from 1 to the batch size 4/);
  });
});
