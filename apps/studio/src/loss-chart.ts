/**
 * The training panel's numbers as text and a small SVG line chart (pure string building, no DOM).
 */

/** Mean of the first and last `window` losses, and whether the loss fell (last mean below `ratio` × first mean). */
export function lossTrend(losses: readonly number[], window = 3, ratio = 0.9): { first: number; last: number; falling: boolean } {
  if (losses.length < 2 * window) return { first: NaN, last: NaN, falling: false };
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, window));
  const last = mean(losses.slice(-window));
  return { first, last, falling: Number.isFinite(first) && Number.isFinite(last) && last < ratio * first };
}

const fmt = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * A polyline chart of `values` in a `width` × `height` box (y axis from 0 to the maximum), with the first and
 * last values written at the ends. An empty list gives an empty chart.
 */
export function lossChartSvg(values: readonly number[], width = 360, height = 120): string {
  const pad = 24;
  const finite = values.filter((v) => Number.isFinite(v));
  const max = finite.length > 0 ? Math.max(...finite) : 1;
  const top = max > 0 ? max : 1;
  const n = values.length;
  const x = (i: number): number => pad + (n <= 1 ? 0 : (i / (n - 1)) * (width - 2 * pad));
  const y = (v: number): number => height - pad + (-(v / top) * (height - 2 * pad));
  const points = values.map((v, i) => (Number.isFinite(v) ? `${fmt(x(i))},${fmt(y(v))}` : '')).filter((p) => p !== '');
  const label = (i: number, anchor: 'start' | 'end'): string => {
    const v = values[i];
    if (v === undefined || !Number.isFinite(v)) return '';
    return `<text x="${fmt(x(i))}" y="${fmt(y(v) - 6)}" text-anchor="${anchor}" font-size="11" fill="#374151">${v.toFixed(3)}</text>`;
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="training loss">`,
    `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#d1d5db"/>`,
    `<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#d1d5db"/>`,
    points.length > 0 ? `<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${points.join(' ')}"/>` : '',
    n > 0 ? label(0, 'start') : '',
    n > 1 ? label(n - 1, 'end') : '',
    `<text x="${width - pad}" y="${height - 6}" text-anchor="end" font-size="10" fill="#6b7280">step ${n}</text>`,
    '</svg>',
  ].join('');
}

/** Bytes as a short human string (`1.23 MB`). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}
