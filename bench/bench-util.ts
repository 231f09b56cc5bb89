/**
 * Shared by the `pnpm bench` children (bench/tfjs-*.ts, bench/sampling.ts): medians, peak RSS, and the
 * measured matMul rate of the active tfjs backend, from which bench/run.ts computes the throughput ceiling.
 */
import * as tf from '@tensorflow/tfjs-core';

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Peak resident set size of this process so far, MB (getrusage maxrss). */
export function peakRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

/** Measured matMul throughput of the active backend, GFLOP/s (2·m·k·n per product). */
export interface MatmulRate {
  /** `[rows, k] × [k, n]` with rows = T·B: the shape of the whole-sequence projections and weight gradients. */
  large: { shape: [number, number, number]; gflops: number };
  /** `[B, k] × [k, n]`: the per-step recurrent product. */
  step: { shape: [number, number, number]; gflops: number };
}

/**
 * Times `[m, k] × [k, n]` products on the active backend (median of `calls` after one warm-up), in this
 * process, so with the backend and thread count of the measurement it accompanies.
 */
export async function matmulGflops(m: number, k: number, n: number, calls = 5): Promise<number> {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  // Enough products per timed call that one call lasts a few ms at least.
  const inner = Math.max(1, Math.ceil(2e8 / (2 * m * k * n)));
  const once = async (): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < inner; i++) {
      const c = tf.matMul(a, b);
      if (i === inner - 1) await c.data();
      c.dispose();
    }
    return (performance.now() - start) / 1000;
  };
  await once();
  const seconds: number[] = [];
  for (let i = 0; i < calls; i++) seconds.push(await once());
  tf.dispose([a, b]);
  return (2 * m * k * n * inner) / median(seconds) / 1e9;
}

/** The two reference products for a layer of `hidden` units fed `k` inputs, batch `batch`, `steps` steps. */
export async function matmulRate(steps: number, batch: number, k: number, hidden: number, calls = 5): Promise<MatmulRate> {
  return {
    large: { shape: [steps * batch, k, 4 * hidden], gflops: round(await matmulGflops(steps * batch, k, 4 * hidden, calls), 2) },
    step: { shape: [batch, k, 4 * hidden], gflops: round(await matmulGflops(batch, k, 4 * hidden, calls), 2) },
  };
}

/**
 * The matMul rate sampled between timed repetitions, so that other load on a shared machine hits the ceiling
 * and the measurement alike: call {@link MatmulProbe.sample} after each repetition (outside its timing), then
 * {@link MatmulProbe.result} (median of the samples, at least 3; plus the per-step shape). Each sample is the
 * fastest of a few products (one on the slow pure-JS cpu backend): a ceiling is the best rate, and a single
 * 0.1-second product on a loaded machine often catches a descheduled moment.
 */
export class MatmulProbe {
  private readonly samples: number[] = [];
  private warmed = false;

  constructor(
    private readonly steps: number,
    private readonly batch: number,
    private readonly k: number,
    private readonly hidden: number,
  ) {}

  /** Times one `[T·B, k] × [k, 4H]` product (after a warm-up product on the first call). */
  async sample(): Promise<void> {
    const [m, k, n] = [this.steps * this.batch, this.k, 4 * this.hidden];
    const a = tf.randomNormal([m, k]);
    const b = tf.randomNormal([k, n]);
    const product = async (): Promise<number> => {
      const start = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      return (performance.now() - start) / 1000;
    };
    if (!this.warmed) await product();
    this.warmed = true;
    let best = Infinity;
    for (let i = tf.getBackend() === 'cpu' ? 1 : 3; i > 0; i--) best = Math.min(best, await product());
    this.samples.push((2 * m * k * n) / best / 1e9);
    tf.dispose([a, b]);
  }

  async result(): Promise<MatmulRate & { largeSamples: number[] }> {
    while (this.samples.length < 3) await this.sample();
    return {
      large: { shape: [this.steps * this.batch, this.k, 4 * this.hidden], gflops: round(median(this.samples), 2) },
      step: { shape: [this.batch, this.k, 4 * this.hidden], gflops: round(await matmulGflops(this.batch, this.k, 4 * this.hidden), 2) },
      largeSamples: this.samples.map((x) => round(x, 2)),
    };
  }
}

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
