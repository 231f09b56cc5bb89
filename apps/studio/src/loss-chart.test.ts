import { describe, expect, it } from 'vitest';
import { formatBytes, lossChartSvg, lossTrend } from './loss-chart.js';

describe('lossTrend', () => {
  it('compares the means of the first and last three losses', () => {
    const t = lossTrend([3, 3, 3, 2, 2, 1, 1, 1]);
    expect(t.first).toBe(3);
    expect(t.last).toBe(1);
    expect(t.falling).toBe(true);
  });

  it('is not falling when the loss is flat, rising, too short or NaN', () => {
    expect(lossTrend([2, 2, 2, 2, 2, 1.9]).falling).toBe(false);
    expect(lossTrend([1, 1, 1, 2, 2, 2]).falling).toBe(false);
    expect(lossTrend([3, 1]).falling).toBe(false);
    expect(lossTrend([3, 3, 3, NaN, NaN, NaN]).falling).toBe(false);
  });
});

describe('lossChartSvg', () => {
  it('draws one polyline point per finite value and labels both ends', () => {
    const svg = lossChartSvg([4, 2, NaN, 1], 200, 100);
    const points = /points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    expect(points).toEqual(['24,24', '74.7,50', '176,63']);
    expect(svg).toContain('>4.000</text>');
    expect(svg).toContain('>1.000</text>');
    expect(svg).toContain('step 4');
  });

  it('draws an empty chart for no values', () => {
    expect(lossChartSvg([])).not.toContain('polyline');
  });
});

describe('formatBytes', () => {
  it('uses B, kB and MB', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 kB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.00 MB');
  });
});
