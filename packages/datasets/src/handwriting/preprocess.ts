/**
 * Stroke preprocessing as in Graves (2013) Sec. 4.2: interpolate missing readings, remove steps longer than a
 * threshold, turn points into offsets `(dx, dy, eos)` (Eq. 15) and normalise offsets to mean 0 / std 1 with
 * training-set statistics. Nothing else (no slant, size or skew normalisation), to keep style variation.
 */
import type { OffsetStats, Stroke, Trace } from './types.js';

/** Options of {@link strokesToOffsets}. */
export interface PreprocessOptions {
  /**
   * Steps (between consecutive points, pen-up moves included) longer than this many raw units are removed.
   * Paper: "a certain threshold" (value not given). Default {@link DEFAULT_STEP_THRESHOLD}. `Infinity` keeps all.
   */
  threshold?: number;
  /**
   * Readings are "missing" inside a stroke when the time gap between two points exceeds `gapFactor` × the
   * line's median sampling interval; the gap is filled by linear interpolation. Default 2.5; `Infinity` disables.
   */
  gapFactor?: number;
  /** At most this many points are inserted into one gap. Default 50. */
  maxInserted?: number;
}

/**
 * Default step threshold, IAM-OnDB raw board units. Not from the paper (it gives none): set above pen-up moves
 * between words and back to i-dots in real lines (hundreds of units at IAM scale, x-height ≈ 100 to 150) and
 * below tracker glitches (thousands of units).
 */
export const DEFAULT_STEP_THRESHOLD = 1500;

/** Counts of what {@link strokesToOffsets} changed. */
export interface PreprocessReport {
  /** Points inserted by interpolation. */
  interpolated: number;
  /** Steps removed for exceeding the threshold. */
  removedSteps: number;
}

/** Median of the positive time intervals within strokes; NaN when there is none. */
export function medianSamplingInterval(strokes: readonly Stroke[]): number {
  const dts: number[] = [];
  for (const s of strokes) {
    for (let i = 1; i < s.time.length; i++) {
      const dt = (s.time[i] as number) - (s.time[i - 1] as number);
      if (dt > 0 && Number.isFinite(dt)) dts.push(dt);
    }
  }
  if (dts.length === 0) return NaN;
  dts.sort((a, b) => a - b);
  return dts[dts.length >> 1] as number;
}

/**
 * Fills missing readings: inside each stroke, where the time gap between two points is more than
 * `gapFactor` × the median interval, inserts `round(gap / median) − 1` linearly interpolated points.
 */
export function interpolateMissingReadings(
  strokes: readonly Stroke[],
  gapFactor = 2.5,
  maxInserted = 50,
): { strokes: Stroke[]; inserted: number } {
  const median = medianSamplingInterval(strokes);
  if (!Number.isFinite(median) || !Number.isFinite(gapFactor)) return { strokes: [...strokes], inserted: 0 };
  let inserted = 0;
  const out = strokes.map((s) => {
    const xs: number[] = [], ys: number[] = [], ts: number[] = [];
    const n = s.x.length;
    for (let i = 0; i < n; i++) {
      if (i > 0) {
        const dt = (s.time[i] as number) - (s.time[i - 1] as number);
        if (dt > gapFactor * median) {
          const extra = Math.min(maxInserted, Math.round(dt / median) - 1);
          for (let k = 1; k <= extra; k++) {
            const f = k / (extra + 1);
            xs.push((s.x[i - 1] as number) + f * ((s.x[i] as number) - (s.x[i - 1] as number)));
            ys.push((s.y[i - 1] as number) + f * ((s.y[i] as number) - (s.y[i - 1] as number)));
            ts.push((s.time[i - 1] as number) + f * dt);
          }
          inserted += Math.max(0, extra);
        }
      }
      xs.push(s.x[i] as number);
      ys.push(s.y[i] as number);
      ts.push(s.time[i] as number);
    }
    return { x: Float32Array.from(xs), y: Float32Array.from(ys), time: Float64Array.from(ts) };
  });
  return { strokes: out, inserted };
}

/**
 * Points → raw offsets `(dx, dy, eos)` × T (T = number of points), Eq. 15. Row 0 is `(0, 0, eos)`; `eos = 1` on
 * each stroke's last point. Missing readings are interpolated first; then every step longer than `threshold`
 * is removed (the step's offset row is deleted, so later points move by it; an eos it carried moves to the row
 * before).
 */
export function strokesToOffsets(
  strokes: readonly Stroke[],
  options: PreprocessOptions = {},
): { offsets: Float32Array; report: PreprocessReport } {
  const threshold = options.threshold ?? DEFAULT_STEP_THRESHOLD;
  const { strokes: filled, inserted } = interpolateMissingReadings(strokes, options.gapFactor ?? 2.5, options.maxInserted ?? 50);
  let total = 0;
  for (const s of filled) total += s.x.length;
  const out = new Float32Array(total * 3);
  let rows = 0;
  let removedSteps = 0;
  let px = NaN, py = NaN;
  for (const s of filled) {
    const n = s.x.length;
    for (let i = 0; i < n; i++) {
      const x = s.x[i] as number, y = s.y[i] as number;
      const eos = i === n - 1 ? 1 : 0;
      const dx = rows === 0 ? 0 : x - px;
      const dy = rows === 0 ? 0 : y - py;
      px = x;
      py = y;
      if (rows > 0 && Math.hypot(dx, dy) > threshold) {
        removedSteps++;
        if (eos === 1) out[(rows - 1) * 3 + 2] = 1;
        continue;
      }
      out[rows * 3] = dx;
      out[rows * 3 + 1] = dy;
      out[rows * 3 + 2] = eos;
      rows++;
    }
  }
  return { offsets: out.slice(0, rows * 3), report: { interpolated: inserted, removedSteps } };
}

/**
 * Per-axis mean and standard deviation of `(dx, dy)` over all rows but each line's first (always `(0, 0)`).
 * Graves (2013) Sec. 4.2: "normalised to mean 0, std 1 over the training set". eos is not normalised.
 */
export function computeOffsetStats(lines: Iterable<Float32Array>): OffsetStats {
  let n = 0;
  let sx = 0, sy = 0, sxx = 0, syy = 0;
  for (const offsets of lines) {
    for (let r = 1; r < offsets.length / 3; r++) {
      const dx = offsets[r * 3] as number, dy = offsets[r * 3 + 1] as number;
      n++;
      sx += dx; sy += dy; sxx += dx * dx; syy += dy * dy;
    }
  }
  if (n === 0) return { mean: [0, 0], std: [1, 1] };
  const mx = sx / n, my = sy / n;
  const std = (sq: number, m: number): number => {
    const v = sq / n - m * m;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  };
  return { mean: [mx, my], std: [std(sxx, mx), std(syy, my)] };
}

/** Returns `(dx − mean) / std` per axis (eos unchanged), a new array. */
export function normaliseOffsets(offsets: Float32Array, stats: OffsetStats): Float32Array {
  const out = new Float32Array(offsets);
  for (let r = 0; r < out.length / 3; r++) {
    out[r * 3] = ((out[r * 3] as number) - stats.mean[0]) / stats.std[0];
    out[r * 3 + 1] = ((out[r * 3 + 1] as number) - stats.mean[1]) / stats.std[1];
  }
  return out;
}

/** Undoes {@link normaliseOffsets}: `dx × std + mean` per axis (paper Sec. 6.2, for display), a new array. */
export function denormaliseOffsets(offsets: Float32Array, stats: OffsetStats): Float32Array {
  const out = new Float32Array(offsets);
  for (let r = 0; r < out.length / 3; r++) {
    out[r * 3] = (out[r * 3] as number) * stats.std[0] + stats.mean[0];
    out[r * 3 + 1] = (out[r * 3 + 1] as number) * stats.std[1] + stats.mean[1];
  }
  return out;
}

/**
 * Offsets `(dx, dy, eos)` → absolute pen-down traces by cumulative sum, splitting after each eos = 1 (or > 0.5
 * for sampled probabilities). Pass `stats` when the offsets are normalised. Starts at (0, 0).
 */
export function offsetsToTraces(offsets: ArrayLike<number>, stats?: OffsetStats): Trace[] {
  const traces: Trace[] = [];
  let xs: number[] = [], ys: number[] = [];
  let x = 0, y = 0;
  const rows = Math.floor(offsets.length / 3);
  for (let r = 0; r < rows; r++) {
    let dx = offsets[r * 3] as number, dy = offsets[r * 3 + 1] as number;
    if (stats) {
      dx = dx * stats.std[0] + stats.mean[0];
      dy = dy * stats.std[1] + stats.mean[1];
    }
    x += dx;
    y += dy;
    xs.push(x);
    ys.push(y);
    if ((offsets[r * 3 + 2] as number) > 0.5 || r === rows - 1) {
      traces.push({ x: Float32Array.from(xs), y: Float32Array.from(ys) });
      xs = [];
      ys = [];
    }
  }
  return traces;
}
