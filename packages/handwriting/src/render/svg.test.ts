import { describe, expect, it } from 'vitest';
import { offsetsToSvg, renderSvg, speedWidths, tracePathData } from './svg.js';

const trace = (xs: number[], ys: number[]) => ({ x: Float32Array.from(xs), y: Float32Array.from(ys) });

describe('handwriting SVG', () => {
  it('draws Catmull-Rom curves through the points, or straight segments', () => {
    expect(tracePathData([0, 6, 12], [0, 0, 6], false)).toBe('M0 0L6 0L12 6');
    // First segment: c1 = p0 + (p1 - p0)/6 (clamped p-1 = p0), c2 = p1 - (p2 - p0)/6.
    expect(tracePathData([0, 6, 12], [0, 0, 6])).toBe('M0 0C1 0 4 -1 6 0C8 1 11 5 12 6');
    expect(tracePathData([3], [4])).toBe('M3 4l0 0');
  });

  it('thickens slow segments and thins fast ones', () => {
    const w = speedWidths([0, 1, 2, 3, 4, 5, 6, 7, 17, 27, 37, 47], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2, 1);
    expect(w[0]).toBeCloseTo(2, 5);
    expect(w[10]).toBeCloseTo(1.1, 5);
  });

  it('lays out a page with one common scale and labels', () => {
    const svg = renderSvg([
      { traces: [trace([0, 100], [0, 50])], label: 'a <b>' },
      { traces: [trace([0, 50], [0, 10]), trace([60], [5])] },
    ], { width: 220, padding: 10, strokeWidth: 2 });
    expect(svg).toContain('width="220"');
    expect(svg).toContain('a &lt;b&gt;</text>');
    // scale = (220 - 2*10 - 2*2) / 100 = 1.96
    expect(svg).toContain('M12 ');
    expect(svg).toContain('C');
    expect((svg.match(/<path /g) ?? []).length).toBe(3);
    expect(svg).toMatch(/height="(\d+)"/);
  });

  it('undoes normalisation when drawing offsets', () => {
    const svg = offsetsToSvg([0, 0, 0, 1, 0, 1], { mean: [1, 0], std: [10, 1] }, { width: 100, padding: 0, strokeWidth: 0, smooth: false });
    // Rows denormalise to (1, 0) and (11, 0): x = 1 and 12; width 11 → scale 100/11, so x maps to 0 and 100.
    expect(svg).toContain('M0 0L100 0');
  });
});
