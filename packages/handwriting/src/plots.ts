/**
 * The paper's diagnostic pictures as SVG strings (no I/O): the window weights φ(t, u) under the written line
 * (Fig. 13), and the predicted density summed over a pen trace with the mixture weights over time (Fig. 10).
 */
import { mdnDensity, mdnParams } from '@seqgen/core';
import { offsetsToTraces, type HersheyFont, type OffsetStats, type Trace } from '@seqgen/datasets';
import type { FastNet } from './fast-net.js';
import { hersheyTextPath, tracePathData } from './render/index.js';

/** Heatmap colours, low → high (a perceptual dark-blue → yellow ramp). */
const RAMP: ReadonlyArray<[number, number, number]> = [
  [255, 255, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
  [84, 39, 143],
  [203, 24, 29],
  [254, 178, 76],
];

function colour(v: number): string {
  const x = Math.min(1, Math.max(0, v)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = RAMP[i] as [number, number, number];
  const b = RAMP[i + 1] as [number, number, number];
  const c = (k: 0 | 1 | 2): string => Math.round(a[k] + (b[k] - a[k]) * f).toString(16).padStart(2, '0');
  return `#${c(0)}${c(1)}${c(2)}`;
}

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * A heatmap as SVG rects, one run of equal (quantised to 24 levels) colour per rect, so large plots stay small.
 * `values` is `rows × cols` row-major, already scaled to [0, 1]; zero cells are not drawn (white background).
 */
export function heatmapRects(values: ArrayLike<number>, rows: number, cols: number, x0: number, y0: number, cellW: number, cellH: number): string {
  const out: string[] = [];
  const levels = 24;
  for (let r = 0; r < rows; r++) {
    let start = 0;
    let level = Math.round(Math.min(1, Math.max(0, values[r * cols] as number)) * levels);
    for (let c = 1; c <= cols; c++) {
      const next = c < cols ? Math.round(Math.min(1, Math.max(0, values[r * cols + c] as number)) * levels) : -1;
      if (next !== level) {
        if (level > 0) {
          out.push(`<rect x="${r1(x0 + start * cellW)}" y="${r1(y0 + r * cellH)}" width="${r1((c - start) * cellW + 0.3)}" height="${r1(cellH + 0.3)}" fill="${colour(level / levels)}"/>`);
        }
        start = c;
        level = next;
      }
    }
  }
  return out.join('');
}

function traceBounds(traces: readonly Trace[]): { minX: number; minY: number; maxX: number; maxY: number } {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const t of traces) {
    for (let i = 0; i < t.x.length; i++) {
      minX = Math.min(minX, t.x[i] as number);
      maxX = Math.max(maxX, t.x[i] as number);
      minY = Math.min(minY, t.y[i] as number);
      maxY = Math.max(maxY, t.y[i] as number);
    }
  }
  if (!Number.isFinite(minX)) return { minX: 0, minY: 0, maxX: 1, maxY: 1 };
  return { minX, minY, maxX, maxY };
}

function traceSvg(traces: readonly Trace[], ox: number, oy: number, scale: number, ink: string, width: number): string {
  const paths = traces.map((t) => {
    const xs = Array.from(t.x, (v) => ox + v * scale);
    const ys = Array.from(t.y, (v) => oy + v * scale);
    return `<path d="${tracePathData(xs, ys, true)}"/>`;
  });
  return `<g fill="none" stroke="${ink}" stroke-width="${width}" stroke-linecap="round" stroke-linejoin="round">${paths.join('')}</g>`;
}

/** Options of {@link windowPlotSvg}. */
export interface WindowPlotOptions {
  /** Page width in px. Default 1000. */
  width?: number;
  /** Font for the character labels (single-stroke Hershey); without it SVG text is used. */
  labelFont?: HersheyFont;
  /** Offset statistics to draw the line in raw units. */
  stats?: OffsetStats;
}

/**
 * Fig. 13: the written line on top and the window weights φ(t, u) below it (characters down the left, time to the
 * right; each column scaled by its maximum so the alignment shows at every step).
 * @param phi - `steps × U` row-major (from {@link synthesize} with `recordPhi`).
 * @param text - The U characters the window read.
 */
export function windowPlotSvg(offsets: ArrayLike<number>, phi: ArrayLike<number>, text: string, options: WindowPlotOptions = {}): string {
  const chars = [...text];
  const U = chars.length;
  const T = Math.floor(phi.length / Math.max(1, U));
  const width = options.width ?? 1000;
  const pad = 20;
  const labelW = 24;
  const cellW = (width - 2 * pad - labelW) / Math.max(1, T);
  const cellH = Math.max(6, Math.min(16, 420 / Math.max(1, U)));
  const traces = offsetsToTraces(offsets, options.stats);
  const box = traceBounds(traces);
  const scale = (width - 2 * pad - labelW) / Math.max(1e-9, box.maxX - box.minX);
  const inkH = (box.maxY - box.minY) * scale;
  const x0 = pad + labelW;
  const heatTop = pad + inkH + 20;
  const scaled = new Float32Array(U * T);
  for (let t = 0; t < T; t++) {
    let max = 0;
    for (let u = 0; u < U; u++) max = Math.max(max, phi[t * U + u] as number);
    for (let u = 0; u < U; u++) scaled[u * T + t] = max > 0 ? (phi[t * U + u] as number) / max : 0;
  }
  const labels = chars.map((c, u) => {
    const y = heatTop + (u + 0.8) * cellH;
    const shown = c === ' ' ? '_' : c;
    return options.labelFont
      ? `<path d="${hersheyTextPath(shown, options.labelFont, pad, y, cellH * 0.7)}" fill="none" stroke="#374151" stroke-width="1"/>`
      : `<text x="${pad}" y="${r1(y)}" font-family="sans-serif" font-size="${r1(cellH * 0.9)}" fill="#374151">${shown.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`;
  });
  const height = Math.ceil(heatTop + U * cellH + pad);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    traceSvg(traces, x0 - box.minX * scale, pad - box.minY * scale, scale, '#1b1f3a', 2),
    `<rect x="${x0}" y="${r1(heatTop)}" width="${r1(T * cellW)}" height="${r1(U * cellH)}" fill="none" stroke="#d1d5db"/>`,
    heatmapRects(scaled, U, T, x0, heatTop, cellW, cellH),
    ...labels,
    '</svg>',
  ].join('\n');
}

/** Result of {@link densityMap}. */
export interface DensityMap {
  /** Summed density on a `rows × cols` grid over the line's box (raw units, y down), row-major. */
  grid: Float32Array;
  rows: number;
  cols: number;
  /** Grid origin and cell size, raw units. */
  minX: number;
  minY: number;
  cell: number;
  /** π_t, `steps × M` row-major (Fig. 10's lower panel). */
  pi: Float32Array;
  steps: number;
  /** The line's traces in raw units. */
  traces: Trace[];
}

/**
 * Fig. 10: runs the (prediction or synthesis) network over a real line (teacher forcing: x_0 = 0, then the line's
 * points) and sums, over every step t, the predicted density of the next pen position (Eqs. 23–25 without e)
 * around the current position, on a grid of about `cols` cells across the line.
 * @param offsets - The line's normalised `(dx, dy, eos)` × T. @param stats - Its normalisation statistics.
 */
export function densityMap(net: FastNet, offsets: ArrayLike<number>, stats: OffsetStats, options: { cols?: number; text?: Int32Array } = {}): DensityMap {
  const T = Math.floor(offsets.length / 3);
  const traces = offsetsToTraces(offsets, stats);
  const box = traceBounds(traces);
  const margin = 3 * Math.max(stats.std[0], stats.std[1]);
  const minX = box.minX - margin;
  const minY = box.minY - margin;
  const cols = options.cols ?? 600;
  const cell = (box.maxX - box.minX + 2 * margin) / cols;
  const rows = Math.max(1, Math.ceil((box.maxY - box.minY + 2 * margin) / cell));
  const grid = new Float32Array(rows * cols);
  const M = net.config.mixtures;
  const pi = new Float32Array(T * M);
  if (options.text) net.setText(options.text);
  const state = net.zeroState();
  const x: [number, number, number] = [0, 0, 0];
  let px = 0;
  let py = 0;
  const radius = Math.ceil((4 * Math.max(stats.std[0], stats.std[1]) + Math.abs(stats.mean[0]) + Math.abs(stats.mean[1])) / cell);
  for (let t = 0; t < T; t++) {
    if (t > 0) {
      x[0] = offsets[3 * (t - 1)] as number;
      x[1] = offsets[3 * (t - 1) + 1] as number;
      x[2] = offsets[3 * (t - 1) + 2] as number;
      px += x[0] * stats.std[0] + stats.mean[0];
      py += x[1] * stats.std[1] + stats.mean[1];
    }
    const { yHat } = net.step(x, state);
    const params = mdnParams(yHat, 0);
    pi.set(params.pi, t * M);
    if (t === 0) continue;
    const ci = Math.floor((px - minX) / cell);
    const ri = Math.floor((py - minY) / cell);
    for (let r = Math.max(0, ri - radius); r < Math.min(rows, ri + radius + 1); r++) {
      for (let c = Math.max(0, ci - radius); c < Math.min(cols, ci + radius + 1); c++) {
        const ox = (minX + (c + 0.5) * cell - px - stats.mean[0]) / stats.std[0];
        const oy = (minY + (r + 0.5) * cell - py - stats.mean[1]) / stats.std[1];
        grid[r * cols + c] = (grid[r * cols + c] as number) + mdnDensity(params, ox, oy) / (stats.std[0] * stats.std[1]);
      }
    }
  }
  return { grid, rows, cols, minX, minY, cell, pi, steps: T, traces };
}

/** Fig. 10 as SVG: the density heatmap (log scale over 2.7 decades) with the pen trace over it, and √π_t (components × time) below. */
export function densityPlotSvg(map: DensityMap, options: { width?: number } = {}): string {
  const width = options.width ?? 1000;
  const pad = 20;
  const cellW = (width - 2 * pad) / map.cols;
  const heatH = map.rows * cellW;
  let max = 0;
  for (const v of map.grid) max = Math.max(max, v);
  const floor = max * 2e-3;
  const scaled = Float32Array.from(map.grid, (v) => (v <= floor ? 0 : Math.log(v / floor) / Math.log(max / floor)));
  const M = map.pi.length / Math.max(1, map.steps);
  const piCellW = (width - 2 * pad) / map.steps;
  const piCellH = 6;
  const piTop = pad + heatH + 24;
  const piScaled = new Float32Array(M * map.steps);
  for (let t = 0; t < map.steps; t++) for (let j = 0; j < M; j++) piScaled[j * map.steps + t] = Math.sqrt(map.pi[t * M + j] as number);
  const height = Math.ceil(piTop + M * piCellH + pad);
  const scale = 1 / map.cell;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    heatmapRects(scaled, map.rows, map.cols, pad, pad, cellW, cellW),
    `<g opacity="0.55">${traceSvg(map.traces, pad - map.minX * scale * cellW, pad - map.minY * scale * cellW, scale * cellW, '#111827', 1)}</g>`,
    heatmapRects(piScaled, M, map.steps, pad, piTop, piCellW, piCellH),
    `<rect x="${pad}" y="${r1(piTop)}" width="${r1(width - 2 * pad)}" height="${M * piCellH}" fill="none" stroke="#d1d5db"/>`,
    '</svg>',
  ].join('\n');
}
