/**
 * Multi-threaded `@tensorflow/tfjs-backend-wasm` under Node. tfjs-backend-wasm 4.22 ships a threaded-SIMD
 * build (XNNPACK on an emscripten pthread pool) but never loads it in Node:
 *
 * 1. its flag `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired `false` when `IS_NODE` (tensorflow/tfjs#3830);
 * 2. `init()` hands emscripten the pthread worker script and the module's own source as `blob:` URLs
 *    (`URL.createObjectURL`), which `worker_threads` cannot load;
 * 3. the C++ side caps the pool at `emscripten_num_logical_cores() / 2` (`os.cpus().length / 2` in Node, a
 *    guess at hyper-threading), so a 2-core machine gets 1 thread whatever `setThreadsCount` asks;
 * 4. the pthreads are `ref()`'d Node workers that never exit, so a finished command would never end.
 *
 * {@link activateWasm} works around each, only while the backend initialises: it sets the flag and
 * `setThreadsCount`, answers the worker-script `createObjectURL` with a file (the worker source as shipped plus
 * one line that resolves the module-source Blob to the package's `wasm-out/tfjs-backend-wasm-threaded-simd.js`,
 * the same code tfjs would have put in the Blob), makes `os.cpus()` report 2 × threads entries, then puts both
 * back. Afterwards it terminates the 8 pre-started workers the pool does not use and `unref()`s the ones it does.
 * The worker script is written once to `os.tmpdir()` (named by a hash of its content). If any of this fails,
 * the single-threaded build is loaded instead and the reason is reported, never thrown.
 *
 * Tested against tfjs-backend-wasm 4.22.x only (the workaround depends on its internals); other versions load
 * single-threaded with a note saying so. The default count is {@link defaultWasmThreads} (measured trade-off in
 * docs/backends.md).
 */
import { availableParallelism, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from '@seqgen/core';

/** The largest pool tfjs-backend-wasm can run: its C++ caps the XNNPACK pool at the 8 pre-started workers. */
export const maxWasmThreads = 8;

/**
 * The default thread count: half the cores Node may use (tfjs's own rule), from 1 to 4. So a 2-core machine gets
 * the single-threaded build: measured there (docs/backends.md), 2 threads train 1.03–1.29× faster when both cores
 * are free but 0.35–0.78× as fast when another process keeps one busy (every op waits for the slower thread).
 * Counts above 2 are not measured.
 */
export function defaultWasmThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(Math.floor(cores / 2), 4));
}

export interface WasmThreadsRequest {
  /** Threads asked for: 1 = the single-threaded SIMD build; n > 1 = the threaded-SIMD build with a pool of n. */
  threads: number;
  /** Where the number came from: `--threads`, env `SEQGEN_THREADS`, or {@link defaultWasmThreads}. */
  source: 'flag' | 'env' | 'default';
}

/**
 * Reads the thread request: the flag wins over env `SEQGEN_THREADS`; unset (or empty) gives the default.
 * @throws {@link BackendError} when the value is not an integer from 1 to {@link maxWasmThreads}.
 */
export function resolveWasmThreads(
  flag: string | number | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): WasmThreadsRequest {
  const fromFlag = typeof flag === 'number' || (typeof flag === 'string' && flag.trim() !== '') ? flag : undefined;
  const fromEnv = env.SEQGEN_THREADS?.trim() ? env.SEQGEN_THREADS : undefined;
  const raw = fromFlag ?? fromEnv;
  if (raw === undefined) return { threads: defaultWasmThreads(), source: 'default' };
  const threads = Number(raw);
  if (!Number.isInteger(threads) || threads < 1 || threads > maxWasmThreads) {
    throw new BackendError(
      `${fromFlag !== undefined ? '--threads' : 'SEQGEN_THREADS'} expects an integer from 1 to ${maxWasmThreads}, got '${String(raw)}'`,
    );
  }
  return { threads, source: fromFlag !== undefined ? 'flag' : 'env' };
}

export interface WasmThreadsInfo {
  /** Threads XNNPACK computes with: the wasm module's own `get_threads_count()` (main thread included). */
  threads: number;
  /** Whether the threaded-SIMD build is the one running. */
  threaded: boolean;
  /** Worker threads running pthreads (threads − 1 when threaded, else 0). */
  workers: number;
  /** One line: which build, why, and how the count was chosen. */
  note: string;
  /** Set when more than 1 thread was asked for but the threaded build did not load: one line saying why. */
  fallback?: string;
}

interface WasmModuleLike {
  PThread?: { unusedWorkers: WorkerLike[]; runningWorkers: WorkerLike[] };
}
interface WorkerLike {
  terminate(): unknown;
  unref(): void;
}
type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

const require = createRequire(import.meta.url);
/** `node:os` as a mutable CommonJS object: the one the wasm module's `os.cpus()` reads. */
const osModule = require('node:os') as { cpus: () => unknown[] };

/** The tfjs-backend-wasm 4.22 files the threaded build needs; undefined when one is missing. */
function threadedFiles(): { mainScript: string; workerModule: string; version: string } | undefined {
  const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const files = {
    mainScript: join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
    workerModule: join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
    binary: join(dir, 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'),
  };
  const missing = Object.values(files).find((f) => !existsSync(f));
  return missing === undefined ? { ...files, version } : undefined;
}

/** Why the threaded build cannot be tried here, or undefined when it can. */
async function unsupportedReason(files: ReturnType<typeof threadedFiles>): Promise<string | undefined> {
  if (files === undefined) return 'its threaded-SIMD files are missing from @tensorflow/tfjs-backend-wasm';
  if (!files.version.startsWith('4.22.')) {
    return `the Node workaround is tested with @tensorflow/tfjs-backend-wasm 4.22.x, found ${files.version}`;
  }
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return 'no SharedArrayBuffer/Atomics';
  if ((await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) !== true) return 'the threaded build needs wasm SIMD, absent here';
  return undefined;
}

/**
 * The pthread worker script: emscripten's, as tfjs-backend-wasm ships it, plus one line that turns the Blob of
 * module source it receives into the path of that source in the package (`importScripts` reads files in Node).
 * @returns Its path in `os.tmpdir()`; written once, atomically (the name is a hash of the content).
 */
function writeWorkerScript(files: NonNullable<ReturnType<typeof threadedFiles>>): string {
  const { wasmWorkerContents } = require(files.workerModule) as { wasmWorkerContents: string };
  // tfjs escapes newlines the same way before making its Blob: the source has "\n" inside string literals.
  const source =
    `${wasmWorkerContents.replace(/\n/g, '\\n')}\n` +
    `;URL.createObjectURL=function(){return ${JSON.stringify(files.mainScript)}};URL.revokeObjectURL=function(){};\n`;
  new Script(source, { filename: 'seqgen wasm pthread worker' }); // syntax check: a bad worker would crash the process
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `seqgen-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file) || readFileSync(file, 'utf8') !== source) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, source);
    renameSync(partial, file);
  }
  return file;
}

function wasmModule(): WasmModuleLike | undefined {
  return (tf.findBackend('wasm') as unknown as { wasm?: WasmModuleLike } | null)?.wasm;
}

/** Whether the wasm backend is already initialised in this process (it is per process, and cannot be redone). */
function wasmInitialised(): boolean {
  return (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
}

function firstLine(reason: unknown): string {
  const text = reason instanceof Error ? reason.message : typeof reason === 'object' && reason && 'message' in reason ? String(reason.message) : String(reason);
  return text.split('\n')[0] ?? text;
}

/** Loads the threaded build with a pool of `threads`; returns the reason when it does not load. */
async function loadThreaded(wasm: WasmPackage, threads: number, workerScript: string): Promise<string | undefined> {
  const createObjectURL = URL.createObjectURL.bind(URL);
  const cpus = osModule.cpus;
  const warnings: string[] = [];
  const warn = console.warn;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  URL.createObjectURL = (object: Blob): string =>
    object instanceof Blob && object.type === 'application/javascript' ? workerScript : createObjectURL(object);
  osModule.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % Math.max(1, real.length)]);
  };
  // tfjs reports a failed backend init through console.warn; keep it for our one-line reason instead.
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  try {
    if (!(await tf.setBackend('wasm'))) return warnings[1] ?? warnings[0] ?? 'tf.setBackend returned false';
    await tf.ready();
    return undefined;
  } catch (error) {
    return firstLine(error);
  } finally {
    URL.createObjectURL = createObjectURL;
    osModule.cpus = cpus;
    console.warn = warn;
  }
}

/**
 * Lets the process end once its work is done: terminates the pre-started pthread workers XNNPACK does not use
 * and `unref()`s the ones it does (they only ever wait for work from the main thread).
 * @returns How many workers run pthreads.
 */
function settleWorkers(): number {
  const pthread = wasmModule()?.PThread;
  if (!pthread) return 0;
  for (const worker of pthread.unusedWorkers) void worker.terminate();
  pthread.unusedWorkers.length = 0;
  for (const worker of pthread.runningWorkers) worker.unref();
  return pthread.runningWorkers.length;
}

function describeSource(request: WasmThreadsRequest): string {
  if (request.source === 'flag') return '--threads';
  if (request.source === 'env') return 'SEQGEN_THREADS';
  const cores = availableParallelism();
  const hint = cores <= 3 ? '; --threads 2 for the threaded build, faster only while both cores are free' : '';
  return `default for ${cores} cores: half, from 1 to 4${hint}`;
}

/**
 * Activates the wasm backend (registering it by import) with the requested threads: the threaded-SIMD build
 * with a pool of `request.threads` when more than 1, else the single-threaded build as tfjs loads it in Node.
 * When the threaded build cannot load, loads the single-threaded one and says why in
 * {@link WasmThreadsInfo.fallback}. If wasm was already initialised in this process, reports what is running.
 * @throws Whatever `tf.setBackend('wasm')` throws for the single-threaded build (the caller reports it).
 */
export async function activateWasm(request: WasmThreadsRequest): Promise<WasmThreadsInfo> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const initialised = wasmInitialised();
  let fallback: string | undefined;
  if (!initialised && request.threads > 1) {
    const files = threadedFiles();
    fallback = await unsupportedReason(files);
    if (fallback === undefined && files) {
      try {
        fallback = await loadThreaded(wasm, request.threads, writeWorkerScript(files));
      } catch (error) {
        fallback = firstLine(error);
      }
    }
    if (fallback === undefined) {
      const workers = settleWorkers();
      const threads = wasm.getThreadsCount();
      const capped = threads < request.threads ? ` (${request.threads} asked; tfjs capped it)` : '';
      const plural = workers === 1 ? '' : 's';
      return {
        threads,
        threaded: true,
        workers,
        note: `threaded-SIMD wasm build: XNNPACK pool of ${threads} (main thread + ${workers} worker${plural})${capped}; ${describeSource(request)}`,
      };
    }
  }
  if (!initialised) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(-1);
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new Error("tf.setBackend('wasm') returned false: the backend registered but failed to initialise");
  }
  await tf.ready();
  const workers = settleWorkers();
  const threads = wasm.getThreadsCount();
  const threaded = wasmModule()?.PThread !== undefined;
  const build = threaded ? `threaded-SIMD wasm build, XNNPACK pool of ${threads}` : 'single-threaded wasm build';
  if (initialised) return { threads, threaded, workers, note: `${build}: already initialised in this process` };
  if (fallback === undefined) {
    const why = request.source === 'default' ? describeSource(request) : `1 thread asked (${describeSource(request)})`;
    return { threads, threaded, workers, note: `${build}: ${why}` };
  }
  return {
    threads,
    threaded,
    workers,
    note: `${build}: the threaded build did not load (${fallback})`,
    fallback: `wasm: the threaded build did not load (${fallback}); running single-threaded`,
  };
}
