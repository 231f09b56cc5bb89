/**
 * Handwriting → SVG: smooth paths (Catmull-Rom splines through the pen samples), optional variable width by pen
 * speed (slow = thick, like ink), multi-line pages with a text label above each line. Pure string building: no
 * tfjs, no DOM, no I/O. Rasterise with `@seqgen/cli`'s `svgToPng`.
 */
import type { HersheyFont, OffsetStats, Trace } from '@seqgen/datasets';
import { offsetsToTraces } from '@seqgen/datasets';

/** One line of a page: absolute pen-down traces (y down) and an optional label drawn above it. */
export interface RenderLine {
  traces: readonly Trace[];
  label?: string;
  /** Ink colour of this line (default: the page's `ink`). */
  ink?: string;
}

/** Page options of {@link renderSvg}. */
export interface SvgOptions {
  /** Page width in px. Default 1000. */
  width?: number;
  /** Margin in px. Default 20. */
  padding?: number;
  /** px per data unit. Default: the largest that fits the widest line into the page (capped by `maxScale`). */
  scale?: number;
  /** Upper bound of the automatic scale. Default Infinity. */
  maxScale?: number;
  /** Nominal pen width in px. Default 2. */
  strokeWidth?: number;
  /** Vary the width with pen speed (step length): thicker where the pen is slow. Default false. */
  variableWidth?: boolean;
  /** Smooth Catmull-Rom curves through the points (true) or straight segments (false). Default true. */
  smooth?: boolean;
  /** Background fill, or null for transparent. Default '#ffffff'. */
  background?: string | null;
  /** Ink colour. Default '#1b1f3a'. */
  ink?: string;
  /** Vertical gap between lines in px. Default 14. */
  lineGap?: number;
  /** Font for labels, drawn as single-stroke paths (no system fonts needed); without it, SVG `<text>` is used. */
  labelFont?: HersheyFont;
  /** Label cap height in px. Default 11. */
  labelSize?: number;
  /** Label colour. Default '#6b7280'. */
  labelColour?: string;
  /** Mark pen-down starts with small dots (debugging). Default false. */
  showStrokeStarts?: boolean;
}

interface Box { minX: number; minY: number; maxX: number; maxY: number }

function bounds(traces: readonly Trace[]): Box {
  const box = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const t of traces) {
    for (let i = 0; i < t.x.length; i++) {
      const x = t.x[i] as number, y = t.y[i] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      if (x < box.minX) box.minX = x;
      if (x > box.maxX) box.maxX = x;
      if (y < box.minY) box.minY = y;
      if (y > box.maxY) box.maxY = y;
    }
  }
  if (!Number.isFinite(box.minX)) return { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  return box;
}

const f = (v: number): string => (Math.round(v * 10) / 10).toString();

const escapeText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * SVG path data for one trace through points `xs`, `ys` (already in px): `M` + cubic Béziers of the
 * Catmull-Rom spline (`smooth`), or `M` + `L`. A single point becomes a zero-length segment (drawn as a dot
 * with round caps).
 */
export function tracePathData(xs: ArrayLike<number>, ys: ArrayLike<number>, smooth = true, from = 0, to = xs.length - 1): string {
  const x = (i: number): number => xs[Math.min(Math.max(i, 0), xs.length - 1)] as number;
  const y = (i: number): number => ys[Math.min(Math.max(i, 0), ys.length - 1)] as number;
  let d = `M${f(x(from))} ${f(y(from))}`;
  if (to <= from) return `${d}l0 0`;
  for (let i = from; i < to; i++) {
    if (smooth) {
      const c1x = x(i) + (x(i + 1) - x(i - 1)) / 6, c1y = y(i) + (y(i + 1) - y(i - 1)) / 6;
      const c2x = x(i + 1) - (x(i + 2) - x(i)) / 6, c2y = y(i + 1) - (y(i + 2) - y(i)) / 6;
      d += `C${f(c1x)} ${f(c1y)} ${f(c2x)} ${f(c2y)} ${f(x(i + 1))} ${f(y(i + 1))}`;
    } else d += `L${f(x(i + 1))} ${f(y(i + 1))}`;
  }
  return d;
}

/** Per-segment pen widths from speed: `base × clamp(sqrt(median step / step), 0.55, 1.6)`. */
export function speedWidths(xs: ArrayLike<number>, ys: ArrayLike<number>, base: number, medianStep: number): Float32Array {
  const n = xs.length;
  const out = new Float32Array(Math.max(0, n - 1));
  for (let i = 0; i + 1 < n; i++) {
    const step = Math.hypot((xs[i + 1] as number) - (xs[i] as number), (ys[i + 1] as number) - (ys[i] as number));
    const ratio = medianStep > 0 ? Math.sqrt(medianStep / Math.max(step, 1e-6)) : 1;
    out[i] = base * Math.min(1.6, Math.max(0.55, ratio));
  }
  // Ink does not change abruptly: a short moving average.
  const smoothed = new Float32Array(out.length);
  for (let i = 0; i < out.length; i++) {
    let s = 0, c = 0;
    for (let k = Math.max(0, i - 2); k <= Math.min(out.length - 1, i + 2); k++) { s += out[k] as number; c++; }
    smoothed[i] = s / c;
  }
  return smoothed;
}

/** Draws `text` with a Hershey font as stroke paths, baseline at (x, y), cap height `size` px. */
export function hersheyTextPath(text: string, font: HersheyFont, x: number, y: number, size: number): string {
  const k = size / 21;
  let cursor = x;
  let d = '';
  for (const c of text) {
    const glyph = font.glyphs.get(c);
    if (!glyph) { cursor += 8 * k; continue; }
    for (const s of glyph.strokes) {
      for (let i = 0; i < s.length; i += 2) {
        const px = cursor + ((s[i] as number) - glyph.minX) * k;
        const py = y + ((s[i + 1] as number) - 22) * k;
        d += `${i === 0 ? 'M' : 'L'}${f(px)} ${f(py)}`;
      }
    }
    cursor += (glyph.maxX - glyph.minX + 4) * k;
  }
  return d;
}

/**
 * Renders lines of handwriting as one SVG page, lines stacked top to bottom at one common scale (so sizes compare
 * across lines), each with its label above it.
 */
export function renderSvg(lines: readonly RenderLine[], options: SvgOptions = {}): string {
  const width = options.width ?? 1000;
  const padding = options.padding ?? 20;
  const base = options.strokeWidth ?? 2;
  const smooth = options.smooth ?? true;
  const ink = options.ink ?? '#1b1f3a';
  const gap = options.lineGap ?? 14;
  const labelSize = options.labelSize ?? 11;
  const labelColour = options.labelColour ?? '#6b7280';
  const boxes = lines.map((l) => bounds(l.traces));
  const widest = Math.max(1e-9, ...boxes.map((b) => b.maxX - b.minX));
  const scale = options.scale ?? Math.min(options.maxScale ?? Infinity, (width - 2 * padding - base * 2) / widest);
  const body: string[] = [];
  let top = padding;
  lines.forEach((line, index) => {
    const box = boxes[index] as Box;
    if (line.label !== undefined) {
      top += labelSize * 1.2;
      if (options.labelFont) {
        body.push(`<path d="${hersheyTextPath(line.label, options.labelFont, padding, top, labelSize)}" fill="none" stroke="${labelColour}" stroke-width="1" stroke-linecap="round" stroke-linejoin="round"/>`);
      } else {
        body.push(`<text x="${f(padding)}" y="${f(top)}" font-family="sans-serif" font-size="${f(labelSize * 1.3)}" fill="${labelColour}">${escapeText(line.label)}</text>`);
      }
      top += labelSize * 0.6;
    }
    const ox = padding + base - box.minX * scale;
    const oy = top + base - box.minY * scale;
    const colour = line.ink ?? ink;
    const steps: number[] = [];
    const pixelTraces = line.traces.map((t) => {
      const xs = new Float32Array(t.x.length), ys = new Float32Array(t.y.length);
      for (let i = 0; i < t.x.length; i++) {
        xs[i] = ox + (t.x[i] as number) * scale;
        ys[i] = oy + (t.y[i] as number) * scale;
        if (i > 0) steps.push(Math.hypot((xs[i] as number) - (xs[i - 1] as number), (ys[i] as number) - (ys[i - 1] as number)));
      }
      return { xs, ys };
    });
    steps.sort((a, b) => a - b);
    const medianStep = steps[steps.length >> 1] ?? 0;
    const paths: string[] = [];
    for (const { xs, ys } of pixelTraces) {
      if (xs.length === 0) continue;
      if (!options.variableWidth || xs.length < 3) {
        paths.push(`<path d="${tracePathData(xs, ys, smooth)}"/>`);
        continue;
      }
      // Runs of segments with the same quantised width share one path element.
      const widths = speedWidths(xs, ys, base, medianStep);
      const q = (w: number): number => Math.round((w / base) * 8) / 8;
      let start = 0;
      for (let i = 1; i <= widths.length; i++) {
        if (i === widths.length || q(widths[i] as number) !== q(widths[start] as number)) {
          paths.push(`<path d="${tracePathData(xs, ys, smooth, start, i)}" stroke-width="${f(q(widths[start] as number) * base)}"/>`);
          start = i;
        }
      }
    }
    if (options.showStrokeStarts) {
      for (const { xs, ys } of pixelTraces) if (xs.length > 0) paths.push(`<circle cx="${f(xs[0] as number)}" cy="${f(ys[0] as number)}" r="${f(base * 1.2)}" fill="#e11d48" stroke="none"/>`);
    }
    body.push(`<g stroke="${colour}" stroke-width="${f(base)}">${paths.join('')}</g>`);
    top += (box.maxY - box.minY) * scale + 2 * base + gap;
  });
  const height = Math.ceil(top - gap + padding);
  const background = options.background === undefined ? '#ffffff' : options.background;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    background ? `<rect width="100%" height="100%" fill="${background}"/>` : '',
    `<g fill="none" stroke-linecap="round" stroke-linejoin="round">`,
    ...body,
    '</g>',
    '</svg>',
  ].join('\n');
}

/**
 * Convenience: one line of offsets `(dx, dy, eos)` (normalised when `stats` is given, e.g. a model sample) → SVG.
 * Paper Sec. 6.2: offsets × std + mean, then cumulative sum to absolute coordinates.
 */
export function offsetsToSvg(offsets: ArrayLike<number>, stats?: OffsetStats, options: SvgOptions & { label?: string } = {}): string {
  const line: RenderLine = { traces: offsetsToTraces(offsets, stats) };
  if (options.label !== undefined) line.label = options.label;
  return renderSvg([line], options);
}
