import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SeqgenError } from '@seqgen/core';
import { expectClose } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { defaultWasmThreads, maxWasmThreads, resolveWasmThreads } from './wasm-threads.js';

describe('resolveWasmThreads', () => {
  it('takes the flag over SEQGEN_THREADS, and defaults to half the cores, from 1 to 4', () => {
    expect(resolveWasmThreads('3', { SEQGEN_THREADS: '1' })).toEqual({ threads: 3, source: 'flag' });
    expect(resolveWasmThreads(2, {})).toEqual({ threads: 2, source: 'flag' });
    expect(resolveWasmThreads(undefined, { SEQGEN_THREADS: ' 1 ' })).toEqual({ threads: 1, source: 'env' });
    expect(resolveWasmThreads('', { SEQGEN_THREADS: '' })).toEqual({ threads: defaultWasmThreads(), source: 'default' });
    expect([1, 2, 3, 4, 8, 16].map((cores) => defaultWasmThreads(cores))).toEqual([1, 1, 1, 2, 4, 4]);
    expect(defaultWasmThreads()).toBe(defaultWasmThreads(availableParallelism()));
  });

  it('rejects a non-integer or out-of-range count with a BackendError naming where it came from', () => {
    expect(() => resolveWasmThreads('0', {})).toThrow(`--threads expects an integer from 1 to ${maxWasmThreads}, got '0'`);
    expect(() => resolveWasmThreads('1.5', {})).toThrow(/--threads expects an integer/);
    expect(() => resolveWasmThreads(undefined, { SEQGEN_THREADS: 'many' })).toThrow(/SEQGEN_THREADS expects an integer from 1 to 8, got 'many'/);
    let caught: unknown;
    try {
      resolveWasmThreads('9', {});
    } catch (error) {
      caught = error;
    }
    expect(SeqgenError.isInstance(caught) && caught.code).toBe('backend');
  });
});

interface ChildOutput {
  backend: string;
  threads: number;
  threadsNote: string;
  pthreadWorkers: number;
  result: Result;
  cpu?: Result;
}
interface Result {
  matMul: number[];
  loss: number;
  grads: Record<string, number[]>;
}

const child = fileURLToPath(new URL('./__fixtures__/wasm-threads-child.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs the fixture; resolves with its JSON line and how long the process took to end after printing it. */
function runChild(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ output: ChildOutput; code: number | null; signal: string | null; exitAfterMs: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seqgen/source', child, ...args], {
      cwd: packageDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let printedAt: number | undefined;
    proc.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (printedAt === undefined && stdout.includes('\n')) printedAt = performance.now();
    });
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A child that does not end by itself is killed after 20 s, which fails the exit-time assertion below.
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      const exitAfterMs = performance.now() - (printedAt ?? Number.NaN);
      try {
        resolve({ output: JSON.parse(stdout.trim()) as ChildOutput, code, signal, exitAfterMs, stderr });
      } catch {
        reject(new Error(`child printed no JSON (code ${String(code)}, signal ${String(signal)}): ${stderr}`));
      }
    });
  });
}

/** Largest |a − b| / max(1, |b|): absolute below 1, relative above (float32 sums of up to 256 terms). */
function maxScaledDiff(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] as number)) / Math.max(1, Math.abs(b[i] as number))), 0);
}

/** Asserts two runs agree (elementwise |a − b| ≤ 1e-5 + 1e-5·|b|); returns the largest scaled difference. */
function expectSameResult(actual: Result, expected: Result): number {
  expectClose(actual.matMul, expected.matMul, { atol: 1e-5, rtol: 1e-5 });
  expectClose([actual.loss], [expected.loss], { atol: 1e-5, rtol: 1e-5 });
  expect(Object.keys(actual.grads).sort()).toEqual(Object.keys(expected.grads).sort());
  let worst = Math.max(maxScaledDiff(actual.matMul, expected.matMul), maxScaledDiff([actual.loss], [expected.loss]));
  for (const [key, g] of Object.entries(actual.grads)) {
    expectClose(g, expected.grads[key] as number[], { atol: 1e-5, rtol: 1e-5 });
    worst = Math.max(worst, maxScaledDiff(g, expected.grads[key] as number[]));
  }
  return worst;
}

// Runs on any machine: the threaded build loads (and must be correct) whatever the core count.
describe('threaded wasm in a child process', () => {
  it('runs with 2 threads, matches cpu and the single-threaded build, and exits by itself', async () => {
    const two = await runChild(['wasm', '2', '--also-cpu']);
    const one = await runChild(['wasm', '1']);
    for (const run of [two, one]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.signal).toBeNull();
      // Workers are unref()'d: the process ends on its own soon after its last line.
      expect(run.exitAfterMs).toBeLessThan(3000);
    }
    expect(two.output).toMatchObject({ backend: 'wasm', threads: 2, pthreadWorkers: 1 });
    expect(two.output.threadsNote).toMatch(/^threaded-SIMD wasm build: XNNPACK pool of 2 \(main thread \+ 1 worker\); --threads$/);
    expect(one.output).toMatchObject({ backend: 'wasm', threads: 1, pthreadWorkers: 0 });
    expect(one.output.threadsNote).toBe('single-threaded wasm build: 1 thread asked (--threads)');
    // The model is non-trivial: 2 layers of 32 over 11 symbols, loss well above 0.
    expect(two.output.result.loss).toBeGreaterThan(10);
    expect(Object.keys(two.output.result.grads).length).toBeGreaterThanOrEqual(10);
    const vsCpu = expectSameResult(two.output.result, two.output.cpu as Result);
    const vsOneThread = expectSameResult(two.output.result, one.output.result);
    console.info(`threads 2 vs cpu: max scaled difference ${vsCpu.toExponential(2)}; vs 1 thread: ${vsOneThread.toExponential(2)}; exit after ${Math.round(two.exitAfterMs)} ms / ${Math.round(one.exitAfterMs)} ms`);
    expect(vsCpu).toBeLessThan(1e-5);
    expect(vsOneThread).toBeLessThan(1e-5);
  });

  it('falls back to the single-threaded build with the reason when the threaded one cannot load', async () => {
    // No usable temp dir for the worker script (tsx's own cache off, as it needs one too).
    const run = await runChild(['wasm', '2'], { ...process.env, TMPDIR: '/dev/null/not-a-dir', TSX_DISABLE_CACHE: '1' });
    expect(run.code).toBe(0);
    expect(run.output).toMatchObject({ backend: 'wasm', threads: 1, pthreadWorkers: 0 });
    expect(run.output.threadsNote).toMatch(/^single-threaded wasm build: the threaded build did not load \(ENOTDIR: not a directory, open '\/dev\/null\/not-a-dir\/seqgen-wasm-pthread-/);
    expect(run.output.result.loss).toBeGreaterThan(10);
  });
});
