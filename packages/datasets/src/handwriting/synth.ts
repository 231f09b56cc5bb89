/**
 * Synthetic online handwriting from the Hershey single-stroke fonts: text lines become pen trajectories sampled
 * like a digitiser (fixed rate, points only while the pen is down), with the statistics of real handwriting:
 * ≈ 20–30 points per letter, speed following the two-thirds power law (slow in curves and at cusps, fast on
 * straight parts, v ∝ κ^(−1/3)), pen lifts between glyphs or joins where a writer joins, and per-writer style
 * ({@link WriterStyle}). Deterministic for a given `RandomSource`.
 */
import { DatasetParseError } from '../errors.js';
import { HERSHEY_METRICS, type HersheyFont, type HersheyGlyph } from './hershey-font.js';
import { gaussian, uniform, type RandomSource } from './random.js';
import type { Stroke } from './types.js';
import type { WriterFont, WriterStyle } from './writer-style.js';

/** The fonts a writer may use, by {@link WriterFont} name; `futural` is also the fallback for missing glyphs. */
export type HersheyFonts = Partial<Record<WriterFont, HersheyFont>> & { futural: HersheyFont };

/** Options of {@link writeLine}. */
export interface WriteLineOptions {
  /** Digitiser sampling rate, points per second of pen-down time. Default 60. */
  sampleRate?: number;
  /** Time of the first point, seconds. Default: a random time in [100, 1000). */
  startTime?: number;
  /** Position of the line's start on the board, raw units. Default: around (600, 1200) with jitter. */
  origin?: [number, number];
}

/** Characters with a crossbar or dot that a writer may add after the word. */
const crossed = new Set(['t', 'f', 'x']);
const isLetter = (c: string): boolean => /[A-Za-z]/.test(c);
const isLower = (c: string): boolean => /[a-z]/.test(c);

/** Folds Latin-1 letters with diacritics to ASCII so the Hershey fonts can draw them (é → e). */
function fold(c: string): string {
  return c.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
}

interface LayoutResult {
  strokes: number[][];
  letters: number;
}

/** Places the glyphs of `text` in font units (baseline y = 0, y down), joining and deferring per style. */
function layout(text: string, fonts: HersheyFonts, style: WriterStyle, rng: RandomSource): LayoutResult {
  const font = fonts[style.font] ?? fonts.futural;
  const strokes: number[][] = [];
  let cursor = 0;
  let letters = 0;
  const { baseline } = HERSHEY_METRICS;
  for (const word of text.split(' ')) {
    if (word === '') { cursor += style.wordSpacing * 0.6; continue; }
    const deferred: number[][] = [];
    let pen: number[] | null = null;
    let previous = '';
    let sinceFlush = 0;
    for (const raw of word) {
      const c = font.glyphs.has(raw) || fonts.futural.glyphs.has(raw) ? raw : fold(raw);
      const glyph: HersheyGlyph | undefined = font.glyphs.get(c) ?? fonts.futural.glyphs.get(c);
      letters++;
      if (!glyph) {
        cursor += 10 * style.width;
        pen = null;
        previous = '';
        continue;
      }
      const j = style.jitter;
      const scaleX = style.width * (1 + 0.05 * j * gaussian(rng));
      const scaleY = (isLower(c) ? style.lowercaseScale : 1) * (1 + 0.06 * j * gaussian(rng));
      const shiftY = 0.45 * j * gaussian(rng);
      const shear = Math.tan(0.05 * j * gaussian(rng));
      const x0 = cursor;
      const place = (s: number[]): number[] => {
        const out = new Array<number>(s.length);
        for (let k = 0; k < s.length; k += 2) {
          const ly = ((s[k + 1] as number) - baseline) * scaleY + shiftY;
          out[k] = x0 + ((s[k] as number) - glyph.minX) * scaleX - ly * shear;
          out[k + 1] = ly;
        }
        return out;
      };
      // Merge sub-paths that continue where the previous one ended (the font splits some traces).
      const parts: Array<{ points: number[]; source: number[] }> = [];
      for (const s of glyph.strokes) {
        const last = parts[parts.length - 1];
        if (last && Math.hypot((s[0] as number) - (last.source[last.source.length - 2] as number), (s[1] as number) - (last.source[last.source.length - 1] as number)) < 1.2) {
          last.source = [...last.source, ...s.slice(2)];
        } else parts.push({ points: [], source: [...s] });
      }
      for (const p of parts) p.points = place(p.source);
      // Dots and crossbars: small later parts, or the last part of t / f / x.
      const deferrable = parts.map((p, i) => {
        if (i === 0) return false;
        let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
        for (let k = 0; k < p.source.length; k += 2) {
          minX = Math.min(minX, p.source[k] as number); maxX = Math.max(maxX, p.source[k] as number);
          minY = Math.min(minY, p.source[k + 1] as number); maxY = Math.max(maxY, p.source[k + 1] as number);
        }
        return Math.hypot(maxX - minX, maxY - minY) < 4.5 || (crossed.has(c) && i === parts.length - 1);
      });
      const defer = rng.next() < style.delayDots;
      const first = parts[0];
      if (!first) continue;
      const entryX = (first.source[0] as number) - glyph.minX;
      const entryY = first.source[1] as number;
      const canEnter = isLower(c) && entryY >= 12 && entryY <= 20 && entryX <= 10;
      const canLeave = isLetter(previous) && pen !== null;
      let lastStroke: number[];
      if (pen && canEnter && canLeave && rng.next() < style.joinProbability) {
        pen.push(...first.points);
        lastStroke = pen;
      } else {
        strokes.push(first.points);
        lastStroke = first.points;
      }
      let lastIndex = 0;
      parts.forEach((part, i) => {
        if (i === 0) return;
        if (deferrable[i] && defer) deferred.push(part.points);
        else {
          strokes.push(part.points);
          lastStroke = part.points;
          lastIndex = i;
        }
      });
      // The pen can join onward only if the last thing drawn is the glyph's body ending at connector height,
      // at its right edge.
      const src = (parts[lastIndex] as { source: number[] }).source;
      const exitX = src[src.length - 2] as number;
      const exitY = src[src.length - 1] as number;
      pen = !deferrable[lastIndex] && exitY >= 13 && exitY <= 20 && glyph.maxX - exitX <= 3.5 ? lastStroke : null;
      previous = c;
      // Writers add pending dots and crossbars within a few letters, not only at the end of a long word.
      if (++sinceFlush >= 5 && deferred.length > 0) {
        strokes.push(...deferred.splice(0));
        sinceFlush = 0;
        pen = null;
      }
      cursor += (glyph.maxX - glyph.minX) * scaleX + style.letterSpacing + 0.6 * j * gaussian(rng);
    }
    strokes.push(...deferred);
    cursor += style.wordSpacing * (1 + 0.15 * gaussian(rng));
  }
  return { strokes, letters };
}

/** Resamples a flat polyline to spacing `h`, keeping both ends. */
function densify(points: number[], h: number): { x: Float64Array; y: Float64Array } {
  const n = points.length / 2;
  let length = 0;
  for (let i = 1; i < n; i++) length += Math.hypot((points[2 * i] as number) - (points[2 * i - 2] as number), (points[2 * i + 1] as number) - (points[2 * i - 1] as number));
  const m = Math.max(2, Math.ceil(length / h) + 1);
  const x = new Float64Array(m), y = new Float64Array(m);
  if (n === 1 || length === 0) {
    x.fill(points[0] as number);
    y.fill(points[1] as number);
    return { x, y };
  }
  const step = length / (m - 1);
  let seg = 1, segStart = 0;
  let segLength = Math.hypot((points[2] as number) - (points[0] as number), (points[3] as number) - (points[1] as number));
  for (let k = 0; k < m; k++) {
    const s = k * step;
    while (seg < n - 1 && s > segStart + segLength) {
      segStart += segLength;
      seg++;
      segLength = Math.hypot((points[2 * seg] as number) - (points[2 * seg - 2] as number), (points[2 * seg + 1] as number) - (points[2 * seg - 1] as number));
    }
    const f = segLength > 0 ? Math.min(1, Math.max(0, (s - segStart) / segLength)) : 0;
    x[k] = (points[2 * seg - 2] as number) + f * ((points[2 * seg] as number) - (points[2 * seg - 2] as number));
    y[k] = (points[2 * seg - 1] as number) + f * ((points[2 * seg + 1] as number) - (points[2 * seg - 1] as number));
  }
  return { x, y };
}

/** Gaussian smoothing along the path (σ in samples), with odd reflection at the ends so they stay fixed. */
function smooth(v: Float64Array, sigma: number): Float64Array {
  const n = v.length;
  if (sigma < 0.3 || n < 3) return v;
  const radius = Math.min(Math.ceil(2.5 * sigma), n - 1);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += kernel[k + radius] = Math.exp((-k * k) / (2 * sigma * sigma));
  for (let k = 0; k < kernel.length; k++) kernel[k] = (kernel[k] as number) / sum;
  // Odd reflection keeps the end points (and the direction there) fixed.
  const padded = new Float64Array(n + 2 * radius);
  const first = v[0] as number, last = v[n - 1] as number;
  for (let i = 0; i < radius; i++) {
    padded[radius - 1 - i] = 2 * first - (v[i + 1] as number);
    padded[radius + n + i] = 2 * last - (v[n - 2 - i] as number);
  }
  padded.set(v, radius);
  const out = new Float64Array(n);
  const width = kernel.length;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < width; k++) acc += (kernel[k] as number) * (padded[i + k] as number);
    out[i] = acc;
  }
  return out;
}

/**
 * Writes one text line in a writer's style and returns its pen-down strokes in raw board units (IAM-like scale,
 * y down) with times in seconds.
 * @throws {@link DatasetParseError} when `text` has nothing drawable.
 */
export function writeLine(text: string, fonts: HersheyFonts, style: WriterStyle, rng: RandomSource, options: WriteLineOptions = {}): Stroke[] {
  const rate = options.sampleRate ?? 60;
  const { strokes: placed, letters } = layout(text, fonts, style, rng);
  if (placed.length === 0) throw new DatasetParseError({ file: '<text>' }, `nothing to write for '${text.slice(0, 40)}'`);
  const size = style.size;
  const [ox, oy] = options.origin ?? [600 + 200 * rng.next(), 1200 + 100 * rng.next()];
  // Line-level geometry: slant, line angle, baseline wander.
  const tanSlant = Math.tan(style.slant + 0.03 * style.jitter * gaussian(rng));
  const tanAngle = Math.tan(style.lineAngle + 0.008 * gaussian(rng));
  const waves = [0, 1].map(() => ({ length: uniform(rng, 120, 420), phase: uniform(rng, 0, 2 * Math.PI), amplitude: gaussian(rng) }));
  // A smooth random displacement field: letters of the same writer never repeat exactly.
  const warp = [0, 1, 2].map(() => ({
    kx: (2 * Math.PI) / uniform(rng, 14, 45), ky: (2 * Math.PI) / uniform(rng, 10, 30), phase: uniform(rng, 0, 2 * Math.PI),
    ax: 0.5 * style.jitter * gaussian(rng), ay: 0.35 * style.jitter * gaussian(rng),
  }));
  const h = 0.6 * size;
  const sigma = (style.smoothing * size) / h;
  const paths = placed.map((s) => {
    const g = new Array<number>(s.length);
    for (let k = 0; k < s.length; k += 2) {
      const fx = s[k] as number;
      let fy = s[k + 1] as number;
      let wx = 0, wy = 0;
      for (const w of warp) {
        const v = Math.sin(w.kx * fx + w.ky * fy + w.phase);
        wx += w.ax * v;
        wy += w.ay * Math.cos(w.kx * fx - w.ky * fy + w.phase);
      }
      fy += wy;
      for (const w of waves) fy += style.baselineDrift * 0.5 * w.amplitude * Math.sin((2 * Math.PI * fx) / w.length + w.phase);
      fy -= fx * tanAngle;
      g[k] = ox + (fx + wx - fy * tanSlant) * size;
      g[k + 1] = oy + fy * size;
    }
    const d = densify(g, h);
    return { x: smooth(d.x, sigma), y: smooth(d.y, sigma) };
  });
  // Relative duration of each dense step from the two-thirds power law, with slow starts and ends.
  const kappa0 = 1 / (4 * size);
  const ramp = 1.5 * size;
  let total = 0;
  const timings = paths.map(({ x, y }) => {
    const n = x.length;
    const tau = new Float64Array(n);
    const speed = new Float64Array(n);
    let length = 0;
    const ds = new Float64Array(n);
    for (let i = 1; i < n; i++) { ds[i] = Math.hypot((x[i] as number) - (x[i - 1] as number), (y[i] as number) - (y[i - 1] as number)); length += ds[i] as number; }
    for (let i = 0; i < n; i++) {
      let kappa = 0;
      if (i > 0 && i < n - 1) {
        const ax = (x[i] as number) - (x[i - 1] as number), ay = (y[i] as number) - (y[i - 1] as number);
        const bx = (x[i + 1] as number) - (x[i] as number), by = (y[i + 1] as number) - (y[i] as number);
        const theta = Math.abs(Math.atan2(ax * by - ay * bx, ax * bx + ay * by));
        kappa = theta / Math.max(1e-9, 0.5 * ((ds[i] as number) + (ds[i + 1] as number)));
      }
      speed[i] = Math.pow(kappa + kappa0, -1 / 3);
    }
    const v = smooth(speed, 2);
    let s = 0;
    for (let i = 1; i < n; i++) {
      s += ds[i] as number;
      const edge = Math.min(s, length - s);
      const vi = Math.max(1e-6, (v[i] as number) * Math.min(1, Math.max(0.2, Math.sqrt(edge / ramp))));
      tau[i] = (tau[i - 1] as number) + (ds[i] as number) / vi;
    }
    total += tau[n - 1] as number;
    return tau;
  });
  // Calibrate: pen-down time = letters / speed.
  const factor = letters / style.speed / Math.max(total, 1e-9);
  let time = options.startTime ?? Math.round(uniform(rng, 100, 1000) * 100) / 100;
  const tremor = style.tremor;
  const rho = 0.75;
  let ex = tremor * gaussian(rng), ey = tremor * gaussian(rng);
  const out: Stroke[] = [];
  let lastX = NaN, lastY = NaN;
  paths.forEach(({ x, y }, j) => {
    const tau = timings[j] as Float64Array;
    const n = x.length;
    const duration = Math.max(0.035, (tau[n - 1] as number) * factor);
    const scale = (tau[n - 1] as number) > 0 ? duration / (tau[n - 1] as number) : 0;
    const count = Math.max(2, Math.ceil(duration * rate) + 1);
    const sx = new Float32Array(count), sy = new Float32Array(count), st = new Float64Array(count);
    if (Number.isFinite(lastX)) {
      const jump = Math.hypot((x[0] as number) - lastX, (y[0] as number) - lastY);
      time += 0.06 + jump / (90 * size) + 0.05 * rng.next();
    }
    let i = 0;
    for (let k = 0; k < count; k++) {
      const t = Math.min(duration, k / rate);
      while (i < n - 2 && (tau[i + 1] as number) * scale < t) i++;
      const t0 = (tau[i] as number) * scale, t1 = (tau[i + 1] as number) * scale;
      const f = t1 > t0 ? Math.min(1, Math.max(0, (t - t0) / (t1 - t0))) : 0;
      const innovation = Math.sqrt(1 - rho * rho) * tremor;
      ex = rho * ex + innovation * gaussian(rng);
      ey = rho * ey + innovation * gaussian(rng);
      sx[k] = (x[i] as number) + f * ((x[i + 1] as number) - (x[i] as number)) + ex;
      sy[k] = (y[i] as number) + f * ((y[i + 1] as number) - (y[i] as number)) + ey;
      st[k] = time + t;
    }
    time += duration;
    lastX = x[n - 1] as number;
    lastY = y[n - 1] as number;
    out.push({ x: sx, y: sy, time: st });
  });
  return out;
}
