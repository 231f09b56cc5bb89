import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectClose } from '@seqgen/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { runChild, type ChildRun } from '../__fixtures__/run-child.js';

const fixture = fileURLToPath(new URL('../__fixtures__/hand-data-parallel-child.ts', import.meta.url));
const bin = fileURLToPath(new URL('../bin.ts', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'seqgen-hand-data-parallel-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Report {
  lossPerSequence: number;
  lossPerPoint: number;
  gradNorm: number;
}

interface TaskResult {
  reports: Report[];
  steps: number[];
  weights: Record<string, number[]>;
  growthPerTwoSteps: number;
  shards: Array<[number, number]> | null;
}

interface ChildResult {
  results: Record<'synthesis' | 'prediction', TaskResult>;
  leaked: number;
}

/** Workers are terminated at the end (and unref()'d between steps): the process ends by itself, promptly. */
function expectCleanExit(run: ChildRun): void {
  expect(run.code).toBe(0);
  expect(run.signal).toBeNull();
  expect(run.exitAfterMs).toBeLessThan(3000);
}

async function train(workers: number, steps: number): Promise<ChildResult> {
  const run = await runChild(fixture, ['cpu', String(workers), String(steps)]);
  expect(run.stderr).toBe('');
  expectCleanExit(run);
  return JSON.parse(run.stdout.trim()) as ChildResult;
}

describe('data-parallel handwriting training (synthesis 6+5 and prediction 7, B 4, varying T, Adam, cpu)', () => {
  it('W = 2 workers train like trainStep in one process: same losses, gradient norms and weights; no leaks', async () => {
    const [inProcess, two] = await Promise.all([train(0, 4), train(2, 4)]);
    for (const task of ['synthesis', 'prediction'] as const) {
      const a = inProcess.results[task];
      const b = two.results[task];
      expect(b.shards).toEqual([[0, 2], [2, 4]]);
      // The batches' T differs from step to step (lines of 3 to 10 points).
      expect(new Set(a.steps).size).toBeGreaterThan(1);
      expect(b.steps).toEqual(a.steps);
      expect(a.reports[0]?.lossPerSequence).toBeGreaterThan(5);
      // Training moved: the losses change from step to step.
      expect(new Set(a.reports.map((r) => r.lossPerSequence)).size).toBe(4);
      for (const key of ['lossPerSequence', 'lossPerPoint', 'gradNorm'] as const) {
        expectClose(b.reports.map((r) => r[key]), a.reports.map((r) => r[key]), { atol: 1e-5, rtol: 1e-5 });
      }
      expect(Object.keys(b.weights).sort()).toEqual(Object.keys(a.weights).sort());
      for (const [name, w] of Object.entries(a.weights)) expectClose(b.weights[name] as number[], w, { atol: 1e-5, rtol: 1e-5 });
      expect(a.growthPerTwoSteps).toBe(0);
      expect(b.growthPerTwoSteps).toBe(0);
    }
    expect(Object.keys(inProcess.results.synthesis.weights)).toContain('window/w');
    expect(inProcess.leaked).toBe(0);
    expect(two.leaked).toBe(0);
  });
});

describe('seqgen hand train --workers', () => {
  const data = join(tmp, 'data');
  const config = join(tmp, 'tiny.json');
  const runs = join(tmp, 'runs');
  const common = ['--config', config, '--runs', runs, '--backend', 'cpu'];

  it('trains with 2 workers like 1 process, records the count, resumes with it, exits by itself; refuses --adaptive-noise and n outside 1..B', async () => {
    const prep = await runChild(bin, ['hand', 'data', 'prepare', '--lines', '24', '--writers', '3', '--out', data, '--backend', 'cpu']);
    expect(prep.code).toBe(0);
    writeFileSync(
      config,
      JSON.stringify({
        task: 'synthesis',
        model: { hiddenSizes: [8, 6], mixtures: 2, windowMixtures: 2 },
        data: { source: join(data, 'hershey.bin') },
        train: { batchSize: 4, steps: 3, evalEvery: 3, saveEvery: 3, validationLines: 2, maxPoints: 30, seed: 3, optimizer: { name: 'adam', learningRate: 0.01 } },
      }),
    );
    const [two, one, noise, many, zero] = await Promise.all([
      runChild(bin, ['hand', 'train', ...common, '--name', 'w2', '--workers', '2']),
      runChild(bin, ['hand', 'train', ...common, '--name', 'w1']),
      runChild(bin, ['hand', 'train', ...common, '--name', 'noise', '--workers', '2', '--adaptive-noise', '0.075']),
      runChild(bin, ['hand', 'train', ...common, '--name', 'many', '--workers', '5']),
      runChild(bin, ['hand', 'train', ...common, '--name', 'zero', '--workers', '0']),
    ]);
    expectCleanExit(two);
    expect(two.stderr).toMatch(/data-parallel: 2 worker threads \(cpu\), lines 0–1 \| 2–3/);
    expectCleanExit(one);
    expect(one.stderr).not.toMatch(/data-parallel: /);
    const weights = (name: string): Float32Array => {
      const bytes = readFileSync(join(runs, name, 'latest', 'weights.bin'));
      return new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
    };
    const [w2, w1] = [weights('w2'), weights('w1')];
    expect(w2.length).toBe(w1.length);
    expectClose(Array.from(w2), Array.from(w1), { atol: 1e-5, rtol: 1e-5 });
    const losses = (name: string): number[] =>
      readFileSync(join(runs, name, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; lossPerSequence: number })
        .filter((r) => r.kind === 'train')
        .map((r) => r.lossPerSequence);
    expect(losses('w2')).toHaveLength(3);
    expectClose(losses('w2'), losses('w1'), { atol: 1e-5, rtol: 1e-5 });
    const saved = JSON.parse(readFileSync(join(runs, 'w2', 'latest', 'model.json'), 'utf8')) as { training: { workers: number } };
    expect(saved.training.workers).toBe(2);
    expect((JSON.parse(readFileSync(join(runs, 'w2', 'run.json'), 'utf8')) as { workers: number }).workers).toBe(2);
    // --resume keeps the run's worker count.
    const resumed = await runChild(bin, ['hand', 'train', '--runs', runs, '--name', 'w2', '--resume', '--steps', '4', '--backend', 'cpu']);
    expectCleanExit(resumed);
    expect(resumed.stderr).toMatch(/resuming at step 3/);
    expect(resumed.stderr).toMatch(/data-parallel: 2 worker threads/);
    expect(losses('w2')).toHaveLength(4);

    expect(noise.code).toBe(1);
    expect(noise.stderr).toMatch(/--workers 2 cannot be used with adaptive weight noise \(--adaptive-noise 0\.075\)/);
    for (const bad of [many, zero]) {
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/--workers expects an integer from 1 to the batch size 4 \(each worker takes at least one line\), got [05]/);
    }
  });
});
