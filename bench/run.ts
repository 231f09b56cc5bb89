/**
 * `pnpm bench` (not part of the tests): training throughput in characters/s of a char-level LSTM
 * (T = 100, batch 32, 1 and 2 layers of 256, vocabulary 100) on each available tfjs backend, and the
 * same model in PyTorch on this machine (Debian python3-torch) in the same run, with the ratio.
 *
 * Prints JSON lines on stdout: one per measurement
 *   { config, backend, threads, charsPerSec, charsPerCpuSec, ratioToTorchInstalled, ratioToTorchTuned,
 *     ratioToTorchBest, cpuRatioToTorchInstalled, peakRssMB, … }
 * then one `{ "summary": … }` line. Progress goes to stderr. Every number is the median over
 * `reps` timed repetitions of `steps` training steps each, after `warmup` untimed steps. Every
 * measurement runs in its own process (own peak RSS; no backend state shared).
 *
 * PyTorch runs twice per configuration: "installed" (its defaults: threads, BLAS, environment as
 * found) and "tuned" (torch.set_num_threads(all cores); OPENBLAS_CORETYPE=SKYLAKEX when torch's
 * BLAS is OpenBLAS and the CPU has AVX-512 — Debian's torch links whatever libblas.so.3 points to).
 *
 * Options: --configs 1x256,2x256  --backends tensorflow,wasm,cpu  --reps N  --steps N (wasm/tensorflow)
 *   --cpu-steps N  --cpu-reps N  --torch-steps N  --no-torch  --python PATH (env SEQGEN_BENCH_PYTHON)
 *   --no-stock-wasm (skip the wasm "stock-kernels" variant: tfjs-backend-wasm's kernels as shipped)  --quick (2 reps, fewer steps: a smoke run)
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { backendNames, packageVersion, type BackendName } from '../packages/cli/src/backend.js';

const here = dirname(fileURLToPath(import.meta.url));

const { values } = parseArgs({
  options: {
    configs: { type: 'string', default: '1x256,2x256' },
    backends: { type: 'string' },
    reps: { type: 'string' },
    steps: { type: 'string' },
    'cpu-steps': { type: 'string' },
    'cpu-reps': { type: 'string' },
    'torch-steps': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    // Also time wasm with its kernels as shipped, without core's patchWasmKernels (variant "stock-kernels").
    'no-stock-wasm': { type: 'boolean', default: false },
    python: { type: 'string', default: process.env.SEQGEN_BENCH_PYTHON ?? '/usr/bin/python3' },
    quick: { type: 'boolean', default: false },
  },
});

function intOption(name: keyof typeof values, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`bench/run.ts: --${name} expects an integer >= 1, got '${String(raw)}'`);
  return n;
}

const quick = values.quick === true;
const reps = intOption('reps', quick ? 2 : 5);
const plan = {
  fast: { steps: intOption('steps', quick ? 1 : 3), warmup: 1, reps },
  // The pure-JS cpu backend is much slower than wasm on matmul-bound work: fewer repetitions.
  cpu: { steps: intOption('cpu-steps', 1), warmup: 1, reps: intOption('cpu-reps', quick ? 1 : 3) },
  torch: { steps: intOption('torch-steps', quick ? 2 : 3), warmup: 2, reps },
};

const T = 100;
const B = 32;
const V = 100;
const configs = String(values.configs)
  .split(',')
  .map((c) => {
    const m = /^(\d+)x(\d+)$/.exec(c.trim());
    if (!m) throw new Error(`bench/run.ts: --configs expects e.g. 1x256,2x256, got '${c}'`);
    return { name: c.trim(), layers: Number(m[1]), hidden: Number(m[2]) };
  });

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function lastJsonLine(text: string): Record<string, unknown> | undefined {
  const lines = text.trim().split('\n').filter((l) => l.startsWith('{'));
  const last = lines[lines.length - 1];
  return last === undefined ? undefined : (JSON.parse(last) as Record<string, unknown>);
}

function failure(result: ChildResult): string {
  const lines = (result.stderr || result.stdout).trim().split('\n');
  return lines.slice(-3).join(' | ') || `exit code ${String(result.code)}`;
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

function cpuHasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadavg();
  const backends = availableBackends();
  const withTorch = values['no-torch'] !== true;
  const results: Array<Record<string, unknown>> = [];
  const emit = (r: Record<string, unknown>): void => {
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  };

  let torchBuild: Record<string, unknown> | undefined;
  let tunedEnv: NodeJS.ProcessEnv = {};
  const threads = availableParallelism();
  if (withTorch) {
    const probe = await runChild(values.python as string, [join(here, 'pytorch_lstm.py'), '--probe']).catch(
      (error: unknown) => ({ code: -1, stdout: '', stderr: String(error) }),
    );
    torchBuild = probe.code === 0 ? lastJsonLine(probe.stdout) : undefined;
    if (!torchBuild) log(`PyTorch not usable with ${String(values.python)}: ${failure(probe)}; timing tfjs only`);
    const blasKind = (torchBuild?.blas as { kind?: string } | undefined)?.kind ?? 'unknown';
    if (blasKind === 'openblas' && cpuHasAvx512()) tunedEnv = { OPENBLAS_CORETYPE: 'SKYLAKEX' };
    if (torchBuild) log(`PyTorch ${String(torchBuild.torch)}, BLAS: ${blasKind}, default threads ${String(torchBuild.threads)}`);
  }

  for (const config of configs) {
    const torchRates: { installed?: number; tuned?: number } = {};
    let torchInstalledCpuRate: number | undefined;
    if (torchBuild) {
      const variants = [
        { variant: 'installed', args: [] as string[], env: process.env },
        { variant: 'tuned', args: ['--threads', String(threads)], env: { ...process.env, ...tunedEnv } },
      ] as const;
      for (const v of variants) {
        log(`${config.name} pytorch ${v.variant}: ${plan.torch.reps} x ${plan.torch.steps} steps`);
        const args = [
          join(here, 'pytorch_lstm.py'),
          ...['--layers', String(config.layers), '--hidden', String(config.hidden), '--vocab', String(V)],
          ...['--seq', String(T), '--batch', String(B), '--steps', String(plan.torch.steps)],
          ...['--warmup', String(plan.torch.warmup), '--reps', String(plan.torch.reps), '--variant', v.variant],
          ...v.args,
        ];
        const out = await runChild(values.python as string, args, v.env);
        const r = out.code === 0 ? lastJsonLine(out.stdout) : undefined;
        if (!r) {
          emit({ config: config.name, backend: 'pytorch', variant: v.variant, error: failure(out) });
          continue;
        }
        torchRates[v.variant] = r.charsPerSec as number;
        if (v.variant === 'installed') torchInstalledCpuRate = r.charsPerCpuSec as number;
        emit({
          config: config.name,
          backend: 'pytorch',
          variant: v.variant,
          threads: r.threads,
          charsPerSec: round(r.charsPerSec as number),
          charsPerCpuSec: round(r.charsPerCpuSec as number),
          ...(v.variant === 'tuned' && torchRates.installed
            ? { ratioToTorchInstalled: round((r.charsPerSec as number) / torchRates.installed, 3) }
            : {}),
          peakRssMB: r.peakRssMB,
          repsCharsPerSec: r.repsCharsPerSec,
          stepsPerRep: r.stepsPerRep,
          reps: r.reps,
          blas: (r.blas as { kind?: string }).kind,
          env: r.env,
          torch: r.torch,
        });
      }
    }
    const bestTorch = Math.max(torchRates.installed ?? 0, torchRates.tuned ?? 0) || undefined;
    const runs: Array<{ backend: BackendName; variant?: 'stock-kernels' }> = backends.flatMap((backend) =>
      backend === 'wasm' && values['no-stock-wasm'] !== true
        ? [{ backend }, { backend, variant: 'stock-kernels' as const }]
        : [{ backend }],
    );
    for (const { backend, variant } of runs) {
      const p = backend === 'cpu' ? plan.cpu : plan.fast;
      log(`${config.name} tfjs ${backend}${variant ? ` ${variant}` : ''}: ${p.reps} x ${p.steps} steps`);
      const args = [
        ...process.execArgv,
        join(here, 'tfjs-lstm.ts'),
        ...['--backend', backend, '--layers', String(config.layers), '--hidden', String(config.hidden)],
        ...['--vocab', String(V), '--seq', String(T), '--batch', String(B)],
        ...['--steps', String(p.steps), '--warmup', String(p.warmup), '--reps', String(p.reps)],
        ...(variant ? ['--stock-kernels'] : []),
      ];
      const out = await runChild(process.execPath, args);
      const r = out.code === 0 ? lastJsonLine(out.stdout) : undefined;
      if (!r) {
        emit({ config: config.name, backend, ...(variant ? { variant } : {}), error: failure(out) });
        continue;
      }
      const rate = r.charsPerSec as number;
      emit({
        config: config.name,
        backend,
        ...(variant ? { variant } : {}),
        threads: r.threads,
        charsPerSec: round(rate),
        charsPerCpuSec: round(r.charsPerCpuSec as number),
        ratioToTorchInstalled: torchRates.installed ? round(rate / torchRates.installed, 3) : null,
        ratioToTorchTuned: torchRates.tuned ? round(rate / torchRates.tuned, 3) : null,
        // Against the faster PyTorch variant: the conservative comparison.
        ratioToTorchBest: bestTorch ? round(rate / bestTorch, 3) : null,
        // Per CPU-second against single-threaded installed PyTorch: work per unit of compute, robust to other load.
        cpuRatioToTorchInstalled: torchInstalledCpuRate ? round((r.charsPerCpuSec as number) / torchInstalledCpuRate, 3) : null,
        peakRssMB: r.peakRssMB,
        repsCharsPerSec: r.repsCharsPerSec,
        stepsPerRep: r.stepsPerRep,
        reps: r.reps,
        simd: r.simd,
        patchedKernels: r.patchedKernels,
        weights: r.weights,
        tensorsLeaked: r.tensorsLeaked,
      });
    }
  }

  const table = results
    .filter((r) => r.error === undefined)
    .map((r) => ({
      config: r.config,
      backend: r.variant ? `${String(r.backend)}-${String(r.variant)}` : r.backend,
      charsPerSec: r.charsPerSec,
      ratioToTorchInstalled: r.ratioToTorchInstalled ?? (r.variant === 'installed' ? 1 : null),
      ratioToTorchTuned: r.ratioToTorchTuned ?? (r.variant === 'tuned' ? 1 : null),
      ratioToTorchBest: r.ratioToTorchBest ?? null,
      charsPerCpuSec: r.charsPerCpuSec,
      cpuRatioToTorchInstalled: r.cpuRatioToTorchInstalled ?? (r.variant === 'installed' ? 1 : null),
    }));
  const summary = {
    summary: {
      note: 'ratio = tfjs charsPerSec / PyTorch charsPerSec on the same machine in the same run (> 1: tfjs faster)',
      T,
      batch: B,
      vocab: V,
      table,
      errors: results.filter((r) => r.error !== undefined),
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
        torchBlas: (torchBuild?.blas as { kind?: string } | undefined)?.kind ?? 'not run',
        torchDefaultThreads: torchBuild?.threads ?? null,
      },
      torchTunedEnv: tunedEnv,
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
