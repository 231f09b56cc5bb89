/**
 * `pnpm bench` (not part of the tests): everything issue 6 asks for, in one run, on this machine.
 *
 * 1. Training throughput of a char-level LSTM (T = 100, batch 32, vocabulary 100, Adam; 1 and 2 layers of
 *    256) in characters/s: seqgen on each available tfjs backend (bench/tfjs-lstm.ts) and the same model in
 *    PyTorch (bench/pytorch_lstm.py).
 * 2. Training throughput of the handwriting synthesis network (Graves 2013 §5: window K = 10, MDN M = 20,
 *    57-symbol alphabet) in points/s, reference shape T = 300 points, batch 32, texts of 30 characters, for the
 *    paper's 3×400 and the shipped default 2×128: seqgen's HandwritingModel + trainStep (bench/tfjs-synthesis.ts)
 *    and a PyTorch version of the same net (bench/pytorch_synthesis.py, peephole-free LSTM layers).
 *    With --workers (default 2 on 2+ cores), both also get a "data-parallel W workers" wasm row (seqgen text/hand
 *    train --workers: W single-threaded wasm worker threads; bench/data-parallel.ts, tfjs-synthesis.ts --workers).
 * 3. Sampling: text at batch 1, symbol by symbol, with the default text model (chars/s), and seconds to write a
 *    60-character line with the shipped synthesis model (bench/sample-speed.ts), and the whole
 *    `seqgen hand write` command (Node start-up included).
 *
 * PyTorch is Debian's (`apt-get install python3-torch`, 1.13), run in four variants per configuration, each
 * forcing its BLAS with LD_LIBRARY_PATH whatever the libblas.so.3 alternative points to (each line reports
 * the libraries the child actually mapped, from /proc/self/maps, and OpenBLAS's kernel set):
 *   installed            Debian's reference BLAS (/usr/lib/<arch>/blas, libblas3), torch's default threads;
 *   openblas             Debian's OpenBLAS with its CPU autodetection and default threads;
 *   tuned-blas-threads   OpenBLAS, OPENBLAS_CORETYPE=SKYLAKEX (AVX-512 CPUs; HASWELL with AVX2), all cores in
 *                        OpenBLAS, torch.set_num_threads(1);
 *   tuned-torch-threads  the same kernels, all cores in torch, OPENBLAS_NUM_THREADS=1.
 * "tuned" (ratioToTorchTuned) is the faster of the two tuned variants: threads in torch or in BLAS, not both.
 * OpenBLAS: `sudo apt-get install -y libopenblas0-pthread` (installing it also switches the libblas.so.3
 * alternative; the bench does not depend on that). Without it the openblas/tuned lines say `skipped` and the
 * rest still runs.
 *
 * Ceiling: every tfjs child also times matMul ([T·B, H] × [H, 4H]) on its backend with its thread count, in its
 * own process; ceilingPerSec = that FLOP/s ÷ the network's matMul FLOP per character or point (bench/flops.ts:
 * the issue's counting, 2.14 MFLOP/char for 1×256 and 5.28 for 2×256, 21.8 MFLOP/point for synthesis 3×400),
 * and pctOfCeiling = speed ÷ ceiling (median over the repetitions, each against the matMul sample taken right
 * after it). For the LSTM, pctOfCeilingModelFlops counts seqgen's skip connections too.
 *
 * Output: JSON lines on stdout, one per result: { task, config, backend, variant?, threads, charsPerSec |
 * pointsPerSec | secondsPerLine, ratioToTorchInstalled, ratioToTorchOpenblas, ratioToTorchTuned,
 * matmulGflops, ceilingPerSec, pctOfCeiling, peakRssMB (of the process that measured it), … }, then one
 * `{ "summary": … }` line with the issue's targets (met or not), the table, machine and versions (`pnpm -s bench`
 * keeps pnpm's banner out of stdout: `pnpm -s bench > bench.jsonl; pnpm -s bench --markdown bench.jsonl`). Progress goes to
 * stderr. Every measurement runs in its own process (own peak RSS; no backend state shared). Speeds are medians
 * over the timed repetitions (each after untimed warm-up steps).
 *
 * Options: --configs 1x256,2x256  --synthesis 3x400,2x128 (or none)  --backends tensorflow,wasm,cpu
 *   --wasm-threads 1,2 (wasm thread counts, one line each; 1 = the single-threaded build; default 1,2 with 2+
 *   cores; the stock-kernels variant runs with 1)  --reps N  --steps N
 *   --cpu-steps N  --cpu-reps N  --torch-steps N  --max-seconds S (per measurement: stop timing after the rep
 *   that passes S; default 60)  --torch-variants installed,openblas,tuned-blas-threads,tuned-torch-threads
 *   --no-torch  --python PATH (env SEQGEN_BENCH_PYTHON)  --no-stock-wasm (skip the LSTM's wasm "stock-kernels"
 *   variant: tfjs-backend-wasm's kernels as shipped)  --no-sampling  --quick (a smoke run)
 *   --markdown FILE (print the README table from a previous run's JSON lines, `-` = stdin, and exit)
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backendNames, packageVersion, type BackendName } from '../packages/cli/src/backend.js';
import { lstmFlopsPerChar, synthesisFlopsPerPoint } from './flops.js';
import { markdownFromFile } from './markdown.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const { values } = parseArgs({
  options: {
    configs: { type: 'string', default: '1x256,2x256' },
    synthesis: { type: 'string', default: '3x400,2x128' },
    backends: { type: 'string' },
    // wasm thread counts, one result line each (field `threads`); default 1,2 on a machine with 2+ cores.
    'wasm-threads': { type: 'string' },
    // Data-parallel worker counts for the LSTM and synthesis rows (seqgen text/hand train --workers; variant "data-parallel"),
    // each worker a single-threaded wasm; default 2 on a machine with 2+ cores, '' for none.
    workers: { type: 'string' },
    reps: { type: 'string' },
    steps: { type: 'string' },
    'cpu-steps': { type: 'string' },
    'cpu-reps': { type: 'string' },
    'torch-steps': { type: 'string' },
    'max-seconds': { type: 'string' },
    'torch-variants': { type: 'string', default: 'installed,openblas,tuned-blas-threads,tuned-torch-threads' },
    'no-torch': { type: 'boolean', default: false },
    // Also time wasm with its kernels as shipped, without core's patchWasmKernels (variant "stock-kernels").
    'no-stock-wasm': { type: 'boolean', default: false },
    'no-sampling': { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.SEQGEN_BENCH_PYTHON ?? '/usr/bin/python3' },
    quick: { type: 'boolean', default: false },
    markdown: { type: 'string' },
  },
});

function intOption(name: keyof typeof values, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/run.ts: --${name} expects an integer >= 1, got '${String(raw)}'`);
  return n;
}

function listOption<T>(name: keyof typeof values, parse: (item: string) => T): T[] {
  const raw = values[name];
  if (raw === undefined || raw === true || raw === false || raw.trim() === '' || raw.trim() === 'none') return [];
  return raw.split(',').map((item) => parse(item.trim()));
}

const quick = values.quick === true;
const reps = intOption('reps', quick ? 2 : 5);
const maxSeconds = intOption('max-seconds', quick ? 10 : 60);
const plan = {
  fast: { steps: intOption('steps', quick ? 1 : 3), warmup: 1, reps },
  // The pure-JS cpu backend is much slower than wasm on matmul-bound work: fewer repetitions.
  cpu: { steps: intOption('cpu-steps', 1), warmup: 1, reps: intOption('cpu-reps', quick ? 1 : 3) },
  torch: { steps: intOption('torch-steps', quick ? 2 : 3), warmup: quick ? 1 : 2, reps },
  // One synthesis step is T·B = 9,600 points; the reference-BLAS PyTorch 3×400 step takes about a minute.
  synthesis: { steps: 1, warmup: 1, reps: Math.min(reps, 3) },
};

const T = 100;
const B = 32;
const V = 100;
const configs = listOption('configs', (c) => {
  const m = /^(\d+)x(\d+)$/.exec(c);
  if (!m) throw new Error(`bench/run.ts: --configs expects e.g. 1x256,2x256, got '${c}'`);
  return { name: c, layers: Number(m[1]), hidden: Number(m[2]) };
});
const synthesis = { T: 300, B: 32, U: 30, S: 57, K: 10, M: 20 };
const synthesisConfigs = listOption('synthesis', (c) => {
  const m = /^(\d+)x(\d+)$/.exec(c);
  if (!m) throw new Error(`bench/run.ts: --synthesis expects e.g. 3x400,2x128 or none, got '${c}'`);
  return { name: `synthesis-${c}`, hiddenSizes: new Array<number>(Number(m[1])).fill(Number(m[2])) };
});
const dataParallelWorkers = String(values.workers ?? (availableParallelism() >= 2 ? '2' : ''))
  .split(',')
  .filter((w) => w.trim() !== '')
  .map((w) => {
    const n = Number(w);
    if (!Number.isInteger(n) || n < 2) throw new Error(`bench/run.ts: --workers expects worker counts >= 2, e.g. 2, got '${w}'`);
    return n;
  });
const wasmThreads = String(values['wasm-threads'] ?? (availableParallelism() >= 2 ? '1,2' : '1'))
  .split(',')
  .map((t) => {
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) throw new Error(`bench/run.ts: --wasm-threads expects e.g. 1,2, got '${t}'`);
    return n;
  });

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  return new Promise((resolve) => {
    const start = performance.now();
    const child = spawn(command, args, { env, cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => resolve({ code: -1, stdout, stderr: String(error), seconds: 0 }));
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - start) / 1000 }));
  });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function lastJsonLine(text: string): Record<string, unknown> | undefined {
  return jsonLines(text).pop();
}

/** The error a failed child printed: its first `…Error: …` line (not a stack frame), else its last lines. */
function failure(result: ChildResult): string {
  const lines = (result.stderr || result.stdout).trim().split('\n');
  const error = lines.find((l) => /^\w*(Error|Exception)\b|^bench\b/.test(l.trim()));
  return error?.trim() || lines.slice(-3).join(' | ') || `exit code ${String(result.code)}`;
}

/** Which tfjs backends this machine can load: tfjs-node only if installed. */
function availableBackends(): BackendName[] {
  if (values.backends !== undefined) {
    return values.backends.split(',').map((b) => {
      const name = b.trim();
      if (!(backendNames as readonly string[]).includes(name)) {
        throw new Error(`bench/run.ts: --backends expects some of ${backendNames.join(', ')}, got '${name}'`);
      }
      return name as BackendName;
    });
  }
  return backendNames.filter((b) => b !== 'tensorflow' || packageVersion('@tensorflow/tfjs-node') !== undefined);
}

function cpuFlags(): Set<string> {
  try {
    const line = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return new Set((line?.[1] ?? '').trim().split(/\s+/));
  } catch {
    return new Set();
  }
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
const ratio = (a: number | undefined, b: number | undefined): number | null => (a && b ? round(a / b, 3) : null);

// --- PyTorch variants -------------------------------------------------------------------------------------

type TorchVariantName = 'installed' | 'openblas' | 'tuned-blas-threads' | 'tuned-torch-threads';
const torchVariantNames: readonly TorchVariantName[] = ['installed', 'openblas', 'tuned-blas-threads', 'tuned-torch-threads'];

interface TorchVariant {
  variant: TorchVariantName;
  /** The BLAS this variant must load (checked against the child's /proc/self/maps). */
  expectBlas: 'reference' | 'openblas';
  env: NodeJS.ProcessEnv;
  /** torch.set_num_threads (0: torch's default). */
  torchThreads: number;
  /** Why it cannot run here. */
  skipped?: string;
}

const multiarch = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
const libDir = `/usr/lib/${multiarch}`;

function findDir(candidates: readonly string[], file: string): string | undefined {
  return candidates.map((d) => join(libDir, d)).find((d) => existsSync(join(d, file)));
}

function torchVariants(): TorchVariant[] {
  const cores = availableParallelism();
  const flags = cpuFlags();
  const coreType = flags.has('avx512f') ? 'SKYLAKEX' : flags.has('avx2') ? 'HASWELL' : undefined;
  const referenceBlas = findDir(['blas'], 'libblas.so.3');
  const referenceLapack = findDir(['lapack'], 'liblapack.so.3');
  const openblas = findDir(['openblas-pthread', 'openblas-openmp', 'openblas-serial'], 'libblas.so.3');
  const prepend = (dirs: Array<string | undefined>): string =>
    [...dirs.filter((d): d is string => d !== undefined), ...(process.env.LD_LIBRARY_PATH ? [process.env.LD_LIBRARY_PATH] : [])].join(':');
  // OpenBLAS variants start from a clean slate: no inherited kernel or thread settings.
  const clean = (): NodeJS.ProcessEnv => {
    const env = { ...process.env };
    for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'GOTO_NUM_THREADS']) delete env[k];
    return env;
  };
  const noOpenblas = openblas
    ? undefined
    : `OpenBLAS not found in ${libDir}/openblas-{pthread,openmp,serial}: install it with \`sudo apt-get install -y libopenblas0-pthread\``;
  const tunedEnv = (blasThreads: number): NodeJS.ProcessEnv => ({
    ...clean(),
    LD_LIBRARY_PATH: prepend([openblas]),
    ...(coreType ? { OPENBLAS_CORETYPE: coreType } : {}),
    OPENBLAS_NUM_THREADS: String(blasThreads),
  });
  const all: TorchVariant[] = [
    {
      variant: 'installed',
      expectBlas: 'reference',
      // Debian's own BLAS whatever the alternative says; environment otherwise as found.
      env: referenceBlas ? { ...process.env, LD_LIBRARY_PATH: prepend([referenceBlas, referenceLapack]) } : process.env,
      torchThreads: 0,
      ...(referenceBlas ? {} : { skipped: `the reference BLAS (${libDir}/blas/libblas.so.3, package libblas3) is not installed` }),
    },
    { variant: 'openblas', expectBlas: 'openblas', env: { ...clean(), LD_LIBRARY_PATH: prepend([openblas]) }, torchThreads: 0 },
    { variant: 'tuned-blas-threads', expectBlas: 'openblas', env: tunedEnv(cores), torchThreads: 1 },
    { variant: 'tuned-torch-threads', expectBlas: 'openblas', env: tunedEnv(1), torchThreads: cores },
  ];
  const wanted = listOption('torch-variants', (v) => {
    if (!(torchVariantNames as readonly string[]).includes(v)) throw new Error(`bench/run.ts: --torch-variants expects some of ${torchVariantNames.join(', ')}, got '${v}'`);
    return v as TorchVariantName;
  });
  return all
    .filter((v) => wanted.includes(v.variant))
    .map((v) => (v.expectBlas === 'openblas' && noOpenblas ? { ...v, skipped: noOpenblas } : v));
}

// --- Training measurements (LSTM and synthesis share the procedure) ------------------------------------------

interface TrainTask {
  task: 'train-lstm' | 'train-synthesis';
  config: string;
  /** Output key of the speed: charsPerSec or pointsPerSec (and …PerCpuSec). */
  unit: 'chars' | 'points';
  torchScript: string;
  torchArgs: (steps: number, warmup: number, reps: number) => string[];
  tfjsScript: string;
  tfjsArgs: (steps: number, warmup: number, reps: number) => string[];
  /** matMul FLOP per character or point (bench/flops.ts): the issue's counting, and seqgen's own wiring. */
  flops: number;
  modelFlops: number;
  /** Backends to time (the pure-JS cpu backend is skipped for synthesis: minutes per step). */
  backends: BackendName[];
  /** Also time wasm with tfjs's kernels as shipped (variant stock-kernels). */
  stock: boolean;
  tfjsPlan: (backend: BackendName) => { steps: number; warmup: number; reps: number };
  torchPlan: { steps: number; warmup: number; reps: number };
}

interface TfjsRun {
  backend: BackendName;
  variant?: 'stock-kernels';
  /** wasm threads (--wasm-threads; the child's --threads); undefined for the other backends. */
  threads?: number;
}

/** wasm once per thread count; its stock-kernels variant (tfjs as shipped: single-threaded in Node) with 1. */
function tfjsRuns(backends: readonly BackendName[], stock: boolean): TfjsRun[] {
  return backends.flatMap((backend): TfjsRun[] =>
    backend === 'wasm'
      ? [...wasmThreads.map((threads) => ({ backend, threads })), ...(stock ? [{ backend, variant: 'stock-kernels' as const, threads: 1 }] : [])]
      : [{ backend }],
  );
}

type Emit = (r: Record<string, unknown>) => void;

async function runTrainTask(task: TrainTask, variants: readonly TorchVariant[], emit: Emit): Promise<void> {
  const speedKey = `${task.unit}PerSec`;
  const cpuKey = `${task.unit}PerCpuSec`;
  const torchRates: Partial<Record<TorchVariantName, number>> = {};
  // PyTorch lines are printed once every variant has run, with their ratios to each other.
  const torchRows: Array<Record<string, unknown>> = [];
  for (const v of variants) {
    const base = { task: task.task, config: task.config, backend: 'pytorch', variant: v.variant };
    if (v.skipped) {
      log(`${task.config} pytorch ${v.variant}: skipped (${v.skipped})`);
      torchRows.push({ ...base, skipped: v.skipped });
      continue;
    }
    const p = task.torchPlan;
    log(`${task.config} pytorch ${v.variant}: up to ${p.reps} x ${p.steps} steps`);
    const args = [
      join(here, task.torchScript),
      ...task.torchArgs(p.steps, p.warmup, p.reps),
      ...['--variant', v.variant, '--max-seconds', String(maxSeconds)],
      ...(v.torchThreads > 0 ? ['--threads', String(v.torchThreads)] : []),
    ];
    const out = await runChild(String(values.python), args, v.env);
    const r = out.code === 0 ? lastJsonLine(out.stdout) : undefined;
    if (!r) {
      torchRows.push({ ...base, error: failure(out) });
      continue;
    }
    const blas = r.blas as { kind?: string; core?: string; threads?: number; libraries?: string[] };
    const rate = r[speedKey] as number;
    torchRates[v.variant] = rate;
    torchRows.push({
      ...base,
      threads: r.threads,
      blasThreads: blas.threads ?? null,
      blas: { kind: blas.kind, ...(blas.core ? { core: blas.core } : {}), libraries: blas.libraries },
      ...(blas.kind !== v.expectBlas ? { warning: `expected the ${v.expectBlas} BLAS, the child loaded ${String(blas.kind)}` } : {}),
      [speedKey]: round(rate),
      [cpuKey]: round(r[cpuKey] as number),
      peakRssMB: r.peakRssMB,
      [`reps${task.unit === 'chars' ? 'Chars' : 'Points'}PerSec`]: r[`reps${task.unit === 'chars' ? 'Chars' : 'Points'}PerSec`],
      stepsPerRep: r.stepsPerRep,
      reps: r.reps,
      env: r.env,
      torch: r.torch,
      ...(r.weights !== undefined ? { weights: r.weights } : {}),
    });
  }
  const tuned = Math.max(torchRates['tuned-blas-threads'] ?? 0, torchRates['tuned-torch-threads'] ?? 0) || undefined;
  const tunedVariant = tuned === undefined ? null : tuned === torchRates['tuned-blas-threads'] ? 'tuned-blas-threads' : 'tuned-torch-threads';
  // The fastest PyTorch of this run, whatever the variant: the most conservative comparison.
  const fastest = Math.max(0, ...Object.values(torchRates)) || undefined;
  for (const row of torchRows) {
    const rate = row[speedKey] as number | undefined;
    emit({
      ...row,
      ...(rate !== undefined
        ? { ratioToTorchInstalled: ratio(rate, torchRates.installed), ratioToTorchTuned: ratio(rate, tuned), ratioToTorchBest: ratio(rate, fastest) }
        : {}),
    });
  }
  let oneThreadCeiling: number | undefined;
  let oneThreadRate: number | undefined;
  for (const run of tfjsRuns(task.backends, task.stock)) {
    const p = task.tfjsPlan(run.backend);
    const label = `${run.backend}${run.variant ? ` ${run.variant}` : ''}${run.threads !== undefined ? ` ${run.threads} thread(s)` : ''}`;
    log(`${task.config} tfjs ${label}: up to ${p.reps} x ${p.steps} steps`);
    const args = [
      ...process.execArgv,
      join(here, task.tfjsScript),
      '--backend',
      run.backend,
      ...task.tfjsArgs(p.steps, p.warmup, p.reps),
      ...(run.variant ? ['--stock-kernels'] : []),
      ...(run.threads !== undefined ? ['--threads', String(run.threads)] : []),
      ...(task.tfjsScript === 'tfjs-synthesis.ts' ? ['--max-seconds', String(maxSeconds)] : []),
    ];
    const out = await runChild(process.execPath, args);
    const r = out.code === 0 ? lastJsonLine(out.stdout) : undefined;
    const base = { task: task.task, config: task.config, backend: run.backend, ...(run.variant ? { variant: run.variant } : {}) };
    if (!r) {
      emit({ ...base, ...(run.threads !== undefined ? { threads: run.threads } : {}), error: failure(out) });
      continue;
    }
    const rate = r[speedKey] as number;
    const matmul = r.matmul as { large?: { gflops?: number }; step?: { gflops?: number }; largeSamples?: number[] } | null;
    const gflops = matmul?.large?.gflops;
    const ceiling = gflops ? (gflops * 1e9) / task.flops : undefined;
    // % of ceiling per repetition, against the matMul sample taken right after it (load on a shared machine
    // then hits both alike); the median over repetitions.
    const repRates = r[`reps${task.unit === 'chars' ? 'Chars' : 'Points'}PerSec`] as number[] | undefined;
    const samples = matmul?.largeSamples ?? [];
    const pctOf = (flops: number): number | null =>
      repRates && repRates.length > 0 && samples.length >= repRates.length
        ? round(median(repRates.map((x, i) => (100 * x * flops) / ((samples[i] as number) * 1e9))))
        : ceiling
          ? round((100 * rate * flops) / ((gflops as number) * 1e9))
          : null;
    if (run.backend === 'wasm' && run.variant === undefined && r.threads === 1) {
      oneThreadRate = rate;
      if (ceiling) oneThreadCeiling = ceiling;
    }
    emit({
      ...base,
      threads: r.threads,
      [speedKey]: round(rate),
      [cpuKey]: round(r[cpuKey] as number),
      ratioToTorchInstalled: ratio(rate, torchRates.installed),
      ratioToTorchOpenblas: ratio(rate, torchRates.openblas),
      // Against the faster tuned PyTorch variant (threads in torch or in BLAS): the issue's comparison.
      ratioToTorchTuned: ratio(rate, tuned),
      torchTunedVariant: tunedVariant,
      ratioToTorchBest: ratio(rate, fastest),
      matmulGflops: gflops ?? null,
      matmulStepGflops: matmul?.step?.gflops ?? null,
      matmulGflopsSamples: samples,
      ceilingPerSec: ceiling ? round(ceiling) : null,
      pctOfCeiling: pctOf(task.flops),
      ...(task.modelFlops !== task.flops ? { pctOfCeilingModelFlops: pctOf(task.modelFlops) } : {}),
      mflopsPerUnit: round(task.flops / 1e6, 3),
      peakRssMB: r.peakRssMB,
      [`reps${task.unit === 'chars' ? 'Chars' : 'Points'}PerSec`]: r[`reps${task.unit === 'chars' ? 'Chars' : 'Points'}PerSec`],
      stepsPerRep: r.stepsPerRep,
      reps: r.reps,
      simd: r.simd,
      threadsNote: r.threadsNote,
      patchedKernels: r.patchedKernels,
      weights: r.weights,
      tensorsLeaked: r.tensorsLeaked,
    });
  }
  if (!task.backends.includes('wasm')) return;
  // Data parallelism (seqgen text/hand train --workers): W worker threads, each a single-threaded wasm.
  const parallelBase = (workers: number): Record<string, unknown> => ({
    task: task.task,
    config: task.config,
    backend: 'wasm',
    variant: `data-parallel ${workers} workers`,
    threads: 1,
    workers,
  });
  const parallelRow = (workers: number, rate: number, extra: Record<string, unknown>): Record<string, unknown> => ({
    ...parallelBase(workers),
    [speedKey]: round(rate),
    ...extra,
    ratioToTorchInstalled: ratio(rate, torchRates.installed),
    ratioToTorchOpenblas: ratio(rate, torchRates.openblas),
    ratioToTorchTuned: ratio(rate, tuned),
    torchTunedVariant: tunedVariant,
    ratioToTorchBest: ratio(rate, fastest),
    // Against W single-thread ceilings (each worker one core at the 1-thread matMul rate).
    ceilingPerSec: oneThreadCeiling ? round(oneThreadCeiling * workers) : null,
    pctOfCeiling: oneThreadCeiling ? round((100 * rate) / (oneThreadCeiling * workers)) : null,
  });
  for (const workers of dataParallelWorkers) {
    const p = task.tfjsPlan('wasm');
    const base = parallelBase(workers);
    if (task.task === 'train-lstm') {
      const [layers, hidden] = task.config.split('x');
      log(`${task.config} tfjs wasm data-parallel ${workers} workers: ${p.reps} x ${p.steps} steps (alternating with one process)`);
      const out = await runChild(process.execPath, [
        ...process.execArgv,
        join(here, 'data-parallel.ts'),
        ...['--layers', String(layers), '--hidden', String(hidden), '--workers', String(workers)],
        ...['--reps', String(p.reps), '--steps', String(p.steps), '--warmup', String(p.warmup)],
      ]);
      const r = out.code === 0 ? jsonLines(out.stdout).find((x) => x.model === task.config) : undefined;
      if (!r) {
        emit({ ...base, error: failure(out) });
        continue;
      }
      const rates = r.charsPerSecond as Record<string, number>;
      const rss = r.peakRssMiB as { afterW?: number };
      emit(
        parallelRow(workers, rates[String(workers)] as number, {
          inProcessCharsPerSec: round(rates['1'] as number),
          ratioToInProcess: r.ratio,
          peakRssMB: rss.afterW !== undefined ? round(rss.afterW * 1.048576) : null,
          reps: r.reps,
          loadavg: r.loadavg,
        }),
      );
    } else {
      // Synthesis: bench/tfjs-synthesis.ts --workers W in its own process, main thread single-threaded too.
      log(`${task.config} tfjs wasm data-parallel ${workers} workers: up to ${p.reps} x ${p.steps} steps`);
      const out = await runChild(process.execPath, [
        ...process.execArgv,
        join(here, task.tfjsScript),
        ...['--backend', 'wasm', '--threads', '1', '--workers', String(workers), '--no-matmul'],
        ...task.tfjsArgs(p.steps, p.warmup, p.reps),
        ...['--max-seconds', String(maxSeconds)],
      ]);
      const r = out.code === 0 ? lastJsonLine(out.stdout) : undefined;
      if (!r) {
        emit({ ...base, error: failure(out) });
        continue;
      }
      const rate = r[speedKey] as number;
      emit(
        parallelRow(workers, rate, {
          [cpuKey]: round(r[cpuKey] as number),
          // Against the in-process single-threaded wasm row above (separate processes, not alternated).
          ratioToInProcess: ratio(rate, oneThreadRate),
          peakRssMB: r.peakRssMB,
          repsPointsPerSec: r.repsPointsPerSec,
          stepsPerRep: r.stepsPerRep,
          reps: r.reps,
          tensorsLeaked: r.tensorsLeaked,
        }),
      );
    }
  }
}

// --- Sampling -------------------------------------------------------------------------------------------

const LINE = 'The quick brown fox jumps over the lazy dog by the old mill.'; // 60 characters

async function runSampling(backend: BackendName, emit: Emit): Promise<void> {
  // Batch-1 sampling with the default thread count, as `seqgen` runs it.
  for (const kind of ['text', 'hand'] as const) {
    log(`sampling ${kind} on ${backend}`);
    const args = [...process.execArgv, join(here, 'sample-speed.ts'), '--kind', kind, '--backend', backend, '--reps', String(Math.max(3, Math.min(reps, 5))), '--line', LINE];
    const out = await runChild(process.execPath, args);
    const rows = out.code === 0 ? jsonLines(out.stdout) : [];
    if (rows.length === 0) emit({ task: kind === 'text' ? 'sample-text' : 'write-line', backend, error: failure(out) });
    for (const r of rows) emit(r);
  }
  // The whole command as a user runs it, Node start-up and model loading included: from source (tsx, what
  // `pnpm seqgen` runs) and, when built, the bundled CLI (what the `seqgen` bin runs).
  const svg = join(tmpdir(), `seqgen-bench-${process.pid}.svg`);
  const commands: Array<{ path: string; args: string[] }> = [
    { path: 'source (tsx)', args: [...process.execArgv, join(root, 'packages/cli/src/bin.ts')] },
  ];
  const dist = join(root, 'packages/cli/dist/bin.js');
  if (existsSync(dist)) commands.push({ path: 'dist (node)', args: [dist] });
  for (const c of commands) {
    log(`seqgen hand write, ${c.path}`);
    const seconds: number[] = [];
    let error: string | undefined;
    let inner: number | undefined;
    for (let i = 0; i < 3 && error === undefined; i++) {
      const out = await runChild(process.execPath, [...c.args, 'hand', 'write', LINE, '-o', svg, '--json', '--backend', backend, '--seed', String(i + 1)]);
      if (out.code !== 0) error = failure(out);
      else {
        seconds.push(out.seconds);
        inner = (lastJsonLine(out.stdout)?.seconds as number | undefined) ?? inner;
      }
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    emit({
      task: 'cli-hand-write',
      config: 'default-synthesis',
      backend,
      path: c.path,
      characters: LINE.length,
      ...(error !== undefined
        ? { error }
        : { seconds: round(sorted[sorted.length >> 1] as number, 3), repsSeconds: seconds.map((s) => round(s, 3)), lastCommandReportedSeconds: inner === undefined ? null : round(inner, 3) }),
    });
  }
}

// --- Summary --------------------------------------------------------------------------------------------

function targets(results: ReadonlyArray<Record<string, unknown>>): Array<Record<string, unknown>> {
  const best = (task: string, config: string): Record<string, unknown> | undefined =>
    results
      .filter(
        (r) =>
          r.task === task && r.config === config && r.backend !== 'pytorch' && (r.variant === undefined || String(r.variant).startsWith('data-parallel')) &&
          typeof r.ratioToTorchTuned === 'number',
      )
      .sort((a, b) => (b.ratioToTorchTuned as number) - (a.ratioToTorchTuned as number))[0];
  const out: Array<Record<string, unknown>> = [];
  const describe = (r: Record<string, unknown>): string =>
    r.workers !== undefined ? `${String(r.backend)} ${String(r.variant)} x 1 thread` : `${String(r.backend)} ${String(r.threads)} thread(s)`;
  for (const [task, config, goal] of [
    ['train-lstm', '2x256', 0.5],
    ['train-lstm', '1x256', 0.4],
    ['train-synthesis', 'synthesis-3x400', 0.5],
  ] as const) {
    const r = best(task, config);
    out.push({
      target: `${config} training >= ${goal}x tuned PyTorch${task === 'train-synthesis' ? ' (issue: "likewise"; 0.5 assumed)' : ''}`,
      measured: r ? `${String(r.ratioToTorchTuned)}x (${describe(r)}, ${String(r.pctOfCeiling)}% of ceiling)` : 'not measured',
      met: r ? (r.ratioToTorchTuned as number) >= goal : null,
    });
  }
  const line = results.find((r) => r.task === 'write-line' && r.path === 'cli-chunks');
  out.push({
    target: '60-character line from the default synthesis model < 1 s (Node, start-up excluded)',
    measured: line ? `${String(line.secondsPerLine)} s` : 'not measured',
    met: line ? (line.secondsPerLine as number) < 1 : null,
  });
  const textRow = results.find((r) => r.task === 'sample-text' && r.path === 'default');
  out.push({
    target: 'text sampling >= 2,000 chars/s (default model, batch 1)',
    measured: textRow ? `${String(textRow.charsPerSec)} chars/s` : 'not measured',
    met: textRow ? (textRow.charsPerSec as number) >= 2000 : null,
  });
  // The default (in-process) training; the data-parallel rows' RSS (one tfjs per worker) is reported next to it.
  const memory = results.filter(
    (r) => r.task === 'train-lstm' && r.config === '2x256' && r.backend !== 'pytorch' && r.workers === undefined && typeof r.peakRssMB === 'number',
  );
  const parallelRss = results.filter((r) => r.task === 'train-lstm' && r.config === '2x256' && r.workers !== undefined && typeof r.peakRssMB === 'number');
  const worst = memory.reduce<number | undefined>((m, r) => Math.max(m ?? 0, r.peakRssMB as number), undefined);
  out.push({
    target: 'training the reference config (2x256) peak RSS < 1 GiB',
    measured:
      worst === undefined
        ? 'not measured'
        : `${worst} MB (largest over ${memory.length} in-process tfjs run(s))${parallelRss.map((r) => `; ${String(r.variant)}: ${String(r.peakRssMB)} MB`).join('')}`,
    met: worst === undefined ? null : worst < 1024,
  });
  return out;
}

async function main(): Promise<void> {
  if (values.markdown !== undefined) {
    process.stdout.write(`${markdownFromFile(values.markdown)}\n`);
    return;
  }
  const started = performance.now();
  const loadBefore = loadavg();
  const backends = availableBackends();
  const results: Array<Record<string, unknown>> = [];
  const emit: Emit = (r) => {
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  };

  let variants: TorchVariant[] = [];
  let torchBuild: Record<string, unknown> | undefined;
  if (values['no-torch'] !== true) {
    const probe = await runChild(String(values.python), [join(here, 'pytorch_lstm.py'), '--probe']);
    torchBuild = probe.code === 0 ? lastJsonLine(probe.stdout) : undefined;
    if (torchBuild) {
      variants = torchVariants();
      log(`PyTorch ${String(torchBuild.torch)} (${String(values.python)}), default threads ${String(torchBuild.threads)}; variants: ${variants.map((v) => v.variant + (v.skipped ? ' (skipped)' : '')).join(', ')}`);
    } else {
      log(`PyTorch not usable with ${String(values.python)}: ${failure(probe)}; timing tfjs only`);
      emit({ task: 'train-lstm', backend: 'pytorch', skipped: `PyTorch not usable with ${String(values.python)}: ${failure(probe)} (Debian: apt-get install python3-torch)` });
    }
  }

  const tasks: TrainTask[] = [
    ...configs.map((c): TrainTask => ({
      task: 'train-lstm',
      config: c.name,
      unit: 'chars',
      torchScript: 'pytorch_lstm.py',
      torchArgs: (steps, warmup, n) => [
        ...['--layers', String(c.layers), '--hidden', String(c.hidden), '--vocab', String(V), '--seq', String(T), '--batch', String(B)],
        ...['--steps', String(steps), '--warmup', String(warmup), '--reps', String(n)],
      ],
      tfjsScript: 'tfjs-lstm.ts',
      tfjsArgs: (steps, warmup, n) => [
        ...['--layers', String(c.layers), '--hidden', String(c.hidden), '--vocab', String(V), '--seq', String(T), '--batch', String(B)],
        ...['--steps', String(steps), '--warmup', String(warmup), '--reps', String(n)],
      ],
      flops: lstmFlopsPerChar(c.layers, c.hidden, V, 'reference'),
      modelFlops: lstmFlopsPerChar(c.layers, c.hidden, V, 'seqgen'),
      backends,
      stock: values['no-stock-wasm'] !== true,
      tfjsPlan: (b) => (b === 'cpu' ? plan.cpu : plan.fast),
      torchPlan: plan.torch,
    })),
    ...synthesisConfigs.map((c): TrainTask => {
      const shape = [
        ...['--hidden', c.hiddenSizes.join(','), '--seq', String(synthesis.T), '--batch', String(synthesis.B), '--chars', String(synthesis.U)],
        ...['--mixtures', String(synthesis.M), '--window-mixtures', String(synthesis.K)],
      ];
      const flops = synthesisFlopsPerPoint(c.hiddenSizes, synthesis.S, synthesis.K, synthesis.M, synthesis.U);
      return {
        task: 'train-synthesis',
        config: c.name,
        unit: 'points',
        torchScript: 'pytorch_synthesis.py',
        torchArgs: (steps, warmup, n) => [...shape, '--alphabet', String(synthesis.S), '--steps', String(steps), '--warmup', String(warmup), '--reps', String(n)],
        tfjsScript: 'tfjs-synthesis.ts',
        tfjsArgs: (steps, warmup, n) => [...shape, '--steps', String(steps), '--warmup', String(warmup), '--reps', String(n)],
        flops,
        modelFlops: flops,
        backends: backends.filter((b) => b !== 'cpu'),
        stock: false,
        tfjsPlan: () => plan.synthesis,
        torchPlan: plan.synthesis,
      };
    }),
  ];
  for (const task of tasks) await runTrainTask(task, variants, emit);

  if (values['no-sampling'] !== true) {
    const sampler = backends.includes('wasm') ? 'wasm' : (backends[0] as BackendName);
    await runSampling(sampler, emit);
  }

  const torchBlas = (variant: TorchVariantName): unknown =>
    results.find((r) => r.backend === 'pytorch' && r.variant === variant && r.blas !== undefined)?.blas ?? null;
  const summary = {
    summary: {
      note: 'ratio = tfjs speed / PyTorch speed on the same machine in the same run (> 1: tfjs faster); tuned = the faster tuned PyTorch variant',
      targets: targets(results),
      lstm: { T, batch: B, vocab: V, optimizer: 'adam' },
      synthesis: { T: synthesis.T, batch: synthesis.B, textChars: synthesis.U, alphabet: synthesis.S, windowMixtures: synthesis.K, mixtures: synthesis.M, optimizer: 'adam' },
      table: results
        .filter((r) => r.error === undefined && r.skipped === undefined)
        .map((r) => ({
          task: r.task,
          config: r.config,
          backend: [r.backend, r.variant, r.path].filter((x) => x !== undefined).join(' '),
          threads: r.threads ?? null,
          speed: r.secondsPerLine ?? r.seconds ?? r.charsPerSec ?? r.pointsPerSec,
          unit: r.secondsPerLine !== undefined || r.seconds !== undefined ? 's' : r.charsPerSec !== undefined ? 'chars/s' : 'points/s',
          ratioToTorchInstalled: r.ratioToTorchInstalled ?? null,
          ratioToTorchTuned: r.ratioToTorchTuned ?? null,
          pctOfCeiling: r.pctOfCeiling ?? null,
          peakRssMB: r.peakRssMB ?? null,
        })),
      errors: results.filter((r) => r.error !== undefined || r.skipped !== undefined),
      machine: {
        cpus: availableParallelism(),
        cpuModel: cpus()[0]?.model ?? 'unknown',
        loadAverageBefore: loadBefore.map((x) => round(x, 2)),
        loadAverageAfter: loadavg().map((x) => round(x, 2)),
      },
      versions: {
        node: process.versions.node,
        '@tensorflow/tfjs-core': packageVersion('@tensorflow/tfjs-core') ?? 'unknown',
        torch: torchBuild?.torch ?? 'not run',
        torchDefaultThreads: torchBuild?.threads ?? null,
        torchBlasInstalled: torchBlas('installed'),
        torchBlasTuned: torchBlas('tuned-blas-threads'),
      },
      torchVariants: variants.map((v) => ({
        variant: v.variant,
        torchThreads: v.torchThreads || 'default',
        env: Object.fromEntries(['LD_LIBRARY_PATH', 'OPENBLAS_CORETYPE', 'OPENBLAS_NUM_THREADS'].map((k) => [k, v.env[k] ?? null])),
        ...(v.skipped ? { skipped: v.skipped } : {}),
      })),
      plan,
      maxSecondsPerMeasurement: maxSeconds,
      seconds: round((performance.now() - started) / 1000),
    },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
