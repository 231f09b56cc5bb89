/**
 * The one place that decides the compute backend (STYLE.md §2). Order: `tensorflow`
 * (`@tensorflow/tfjs-node`, optional: used only if it loads) → `wasm` → `cpu`. `--backend` or env
 * `SEQGEN_BACKEND` forces one; a forced backend that cannot load is a {@link BackendError} with the
 * reason, never a silent fallback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, patchWasmKernels } from '@seqgen/core';
import { activateWasm, resolveWasmThreads, type WasmThreadsInfo, type WasmThreadsRequest } from './wasm-threads.js';

/** The backends seqgen knows, in the default order of preference. */
export const backendNames = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof backendNames)[number];

/** The npm package that provides each backend. */
export const backendPackages: Record<BackendName, string> = {
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

const loaders: Record<BackendName, () => Promise<unknown>> = {
  // Not a dependency: a variable specifier keeps tsc and bundlers from resolving it.
  tensorflow: () => {
    const optional = backendPackages.tensorflow;
    return import(optional);
  },
  wasm: () => import('@tensorflow/tfjs-backend-wasm'),
  cpu: () => import('@tensorflow/tfjs-backend-cpu'),
};

export interface InitBackendOptions {
  /** The `--backend` flag; wins over env `SEQGEN_BACKEND`. Unset (or empty): the first that loads. */
  requested?: string | undefined;
  /** Called for every backend skipped during automatic selection, with the reason. */
  onSkip?: ((name: BackendName, reason: unknown) => void) | undefined;
  /** Replace slow wasm kernels with core's equivalents (`patchWasmKernels`). Default true; false = tfjs as shipped. */
  patchKernels?: boolean | undefined;
  /**
   * The `--threads` flag: threads for the wasm backend (1 = its single-threaded build); wins over env
   * `SEQGEN_THREADS`. Unset: the value of {@link withGlobalBackendOptions}, else the env, else half the
   * cores, from 1 to 4 (`defaultWasmThreads` in wasm-threads.ts, which says why).
   */
  threads?: string | number | undefined;
  /**
   * Called with one line when more than 1 wasm thread was asked for but the threaded build did not load (the
   * single-threaded build runs instead). Unset: the value of {@link withGlobalBackendOptions}, else ignored.
   */
  onThreadsFallback?: ((message: string) => void) | undefined;
  /** Environment to read `SEQGEN_BACKEND` and `SEQGEN_THREADS` from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

type GlobalBackendOptions = Pick<InitBackendOptions, 'threads' | 'onThreadsFallback'>;
const globalBackendOptions = new AsyncLocalStorage<GlobalBackendOptions>();

/**
 * Runs `run` with defaults for every {@link initBackend} call inside it: main.ts passes the global `--threads`
 * and a stderr writer for the fallback line this way, so no command has to forward them. Options given to
 * `initBackend` itself still win.
 */
export function withGlobalBackendOptions<T>(options: GlobalBackendOptions, run: () => T): T {
  return globalBackendOptions.run(options, run);
}

export interface BackendInfo {
  name: BackendName;
  /** Where the choice came from. */
  source: 'flag' | 'env' | 'auto';
  /**
   * Threads the backend computes with. `wasm`: its XNNPACK pool as the module reports it (the threaded
   * build is loaded when more than 1 is asked for and it loads; see wasm-threads.ts); `cpu` runs on the JS
   * thread; `tensorflow` uses libtensorflow's own pool (reported as the number of cores, its default).
   */
  threads: number;
  /** One line: which build or pool, and why that many threads. */
  threadsNote: string;
  /** `wasm` only: whether the SIMD build was loaded. */
  simd?: boolean;
  /** Kernels replaced by seqgen's faster equivalents (wasm: `patchWasmKernels` from @seqgen/core). */
  patchedKernels: string[];
  /** node, tfjs-core and the active backend's package. */
  versions: Record<string, string>;
}

/** Parses a backend name from the flag or env (case-insensitive; `node`/`tfjs-node` mean `tensorflow`). */
export function parseBackendName(raw: string, from: string): BackendName {
  const name = raw.trim().toLowerCase();
  const alias: Record<string, BackendName> = { node: 'tensorflow', 'tfjs-node': 'tensorflow' };
  const resolved = alias[name] ?? name;
  if ((backendNames as readonly string[]).includes(resolved)) return resolved as BackendName;
  throw new BackendError(`unknown backend '${raw}' (from ${from}); expected one of ${backendNames.join(', ')}`);
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message.split('\n')[0] ?? reason.message;
  return String(reason);
}

async function tryBackend(name: BackendName, threads: WasmThreadsRequest): Promise<WasmThreadsInfo | undefined> {
  if (name === 'wasm') return activateWasm(threads);
  await loaders[name]();
  if (!(await tf.setBackend(name))) {
    throw new Error(`tf.setBackend('${name}') returned false: the backend registered but failed to initialise`);
  }
  await tf.ready();
  if (name === 'cpu') silenceCpuBanner();
  return undefined;
}

/**
 * The cpu backend prints "Hi, looks like you are running TensorFlow.js in Node.js..." through
 * `console.warn` on its first tensor write. Clearing that instance's private `firstUse` flag drops
 * just this banner; the global `PROD` flag would also hide tfjs's useful warnings.
 */
function silenceCpuBanner(): void {
  const backend = tf.findBackend('cpu') as { firstUse?: unknown } | null;
  if (backend && typeof backend.firstUse === 'boolean') backend.firstUse = false;
}

/**
 * Chooses, loads and activates the compute backend. Call once per command before any tensor work.
 * @returns The active backend, its thread count and the versions in use.
 * @throws {@link BackendError} when the requested backend is unknown or cannot load (with the reason),
 *   or when none of tensorflow, wasm, cpu loads.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? process.env;
  const flag = options.requested?.trim() ? options.requested : undefined;
  const fromEnv = env.SEQGEN_BACKEND?.trim() ? env.SEQGEN_BACKEND : undefined;
  const defaults = globalBackendOptions.getStore();
  const threads = resolveWasmThreads(options.threads ?? defaults?.threads, env);
  let wasmThreads: WasmThreadsInfo | undefined;
  let name: BackendName;
  let source: BackendInfo['source'];
  if (flag !== undefined || fromEnv !== undefined) {
    source = flag !== undefined ? 'flag' : 'env';
    const where = flag !== undefined ? '--backend' : 'SEQGEN_BACKEND';
    name = parseBackendName((flag ?? fromEnv) as string, where);
    try {
      wasmThreads = await tryBackend(name, threads);
    } catch (error) {
      const install =
        name === 'tensorflow'
          ? `; it is optional: install ${backendPackages.tensorflow}@${tf.version_core} next to @seqgen/cli to use it`
          : '';
      throw new BackendError(
        `backend '${name}' was requested (${where}) but could not be loaded: ${describe(error)}${install}`,
        { cause: error },
      );
    }
  } else {
    source = 'auto';
    const reasons: string[] = [];
    let chosen: BackendName | undefined;
    for (const candidate of backendNames) {
      try {
        wasmThreads = await tryBackend(candidate, threads);
        chosen = candidate;
        break;
      } catch (error) {
        reasons.push(`${candidate}: ${describe(error)}`);
        options.onSkip?.(candidate, error);
      }
    }
    if (chosen === undefined) {
      throw new BackendError(`no backend loaded (tried ${backendNames.join(', ')}): ${reasons.join('; ')}`);
    }
    name = chosen;
  }
  // tfjs-backend-wasm 4.22's Slice/Unpack/SplitV copy whole inputs and its transposed BatchMatMul runs a scalar
  // loop; core's replacements are value-identical (tested against the cpu backend) and apply to every model.
  if (wasmThreads?.fallback !== undefined) (options.onThreadsFallback ?? defaults?.onThreadsFallback)?.(wasmThreads.fallback);
  const patchedKernels = name === 'wasm' && options.patchKernels !== false && patchWasmKernels() ? ['Slice', 'Unpack', 'SplitV', 'BatchMatMul'] : [];
  return { name, source, ...(await threadInfo(name, wasmThreads)), patchedKernels, versions: backendVersions(name) };
}

async function threadInfo(
  name: BackendName,
  wasmThreads: WasmThreadsInfo | undefined,
): Promise<Pick<BackendInfo, 'threads' | 'threadsNote' | 'simd'>> {
  if (name === 'wasm' && wasmThreads) {
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return { threads: wasmThreads.threads, threadsNote: wasmThreads.note, simd };
  }
  if (name === 'cpu') return { threads: 1, threadsNote: 'pure JavaScript on the main thread' };
  const cores = availableParallelism();
  return { threads: cores, threadsNote: `libtensorflow's intra-op pool (default: one thread per core, ${cores})` };
}

const require = createRequire(import.meta.url);

/**
 * The installed version of a package, from its package.json (found through its exports or,
 * failing that, by walking up from its entry point), or undefined when it is not installed.
 */
export function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version?: string }).version;
  } catch {
    // Exports without "./package.json": walk up from the resolved entry point.
  }
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const json = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (json.name === name) return json.version;
      }
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

function backendVersions(name: BackendName): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node, '@tensorflow/tfjs-core': tf.version_core };
  const pkg = backendPackages[name];
  versions[pkg] = packageVersion(pkg) ?? 'unknown';
  return versions;
}

/** Every version `seqgen info` reports: node, tfjs packages (installed or not) and the @seqgen packages. */
export function allVersions(): Record<string, string> {
  const names = [
    '@tensorflow/tfjs-core',
    ...backendNames.map((n) => backendPackages[n]),
    '@tensorflow/tfjs-layers',
    '@seqgen/core',
    '@seqgen/datasets',
    '@seqgen/text',
    '@seqgen/handwriting',
  ];
  const versions: Record<string, string> = { node: process.versions.node };
  versions['@tensorflow/tfjs-core'] = tf.version_core;
  for (const n of names) versions[n] ??= packageVersion(n) ?? 'not installed';
  versions['@seqgen/cli'] = cliVersion();
  return versions;
}

function cliVersion(): string {
  try {
    return (require('../package.json') as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface SelftestResult {
  backend: string;
  /** tf.grad of sum(x·x) at x = [1, 2]. */
  grad: number[];
  expected: number[];
  maxError: number;
  ok: boolean;
}

/**
 * Checks that gradients are registered and work on the active backend: d/dx sum(x·x) at [1, 2]
 * must be [2, 4] (STYLE.md §3, check 1/2). Registration comes from `@seqgen/core/train`.
 */
export async function selftest(): Promise<SelftestResult> {
  await registerGradients();
  const expected = [2, 4];
  const gradTensor = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(tf.tensor1d([1, 2])));
  const grad = Array.from(await gradTensor.data());
  gradTensor.dispose();
  const maxError = Math.max(...expected.map((e, i) => Math.abs((grad[i] ?? Number.NaN) - e)));
  return {
    backend: tf.getBackend(),
    grad,
    expected,
    maxError,
    ok: grad.length === expected.length && maxError <= 1e-6,
  };
}

async function registerGradients(): Promise<void> {
  // Side effect: registers the tfjs gradients (core's train/register-gradients.ts, STYLE.md §3).
  await import('@seqgen/core/train');
}
