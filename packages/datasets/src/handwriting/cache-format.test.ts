import { describe, expect, it } from 'vitest';
import { decodeHandwritingCache, encodeHandwritingCache } from './cache-format.js';
import type { HandwritingDataset } from './types.js';

function dataset(lines: number, rows: number): HandwritingDataset {
  return {
    source: 'test',
    alphabet: ['#', ' ', 'a'],
    otherSymbol: '#',
    offsetMean: [0.5, -0.25],
    offsetStd: [2, 3],
    normalised: true,
    threshold: 1500,
    conventions: ['c1'],
    lines: Array.from({ length: lines }, (_, i) => ({
      id: `l${i}`,
      text: i % 2 ? 'café' : 'a b',
      split: i % 3 ? ('train' as const) : ('validation' as const),
      ...(i % 2 ? { writer: `w${i}` } : {}),
      offsets: Float32Array.from({ length: rows * 3 }, (_, k) => (k % 3 === 2 ? k % 2 : Math.sin(i + k))),
    })),
  };
}

describe('handwriting cache format', () => {
  it('round-trips exactly', () => {
    const d = dataset(5, 7);
    const back = decodeHandwritingCache(encodeHandwritingCache(d), 'c.bin');
    expect(back).toEqual(d);
    expect(back.lines[3]?.offsets).toBeInstanceOf(Float32Array);
  });

  it('reloads an IAM-sized dataset (12,000 lines x 700 points) in well under a second', () => {
    const d = dataset(12_000, 700);
    const bytes = encodeHandwritingCache(d);
    expect(bytes.length).toBeGreaterThan(12_000 * 700 * 12);
    const t0 = performance.now();
    const back = decodeHandwritingCache(bytes, 'big.bin');
    const ms = performance.now() - t0;
    expect(back.lines).toHaveLength(12_000);
    expect(back.lines[11_999]?.offsets[5]).toBe(d.lines[11_999]?.offsets[5]);
    expect(ms).toBeLessThan(500);
  });

  it('rejects wrong, newer and truncated files with the file name', () => {
    const bytes = encodeHandwritingCache(dataset(2, 3));
    expect(() => decodeHandwritingCache(bytes.subarray(0, bytes.length - 4), 'c.bin')).toThrow(/^c\.bin.*truncated or corrupt/);
    expect(() => decodeHandwritingCache(new Uint8Array(20), 'z.bin')).toThrow("not a seqgen handwriting cache: expected magic 'SQHW'");
    const newer = bytes.slice();
    newer[4] = 9;
    expect(() => decodeHandwritingCache(newer, 'n.bin')).toThrow('cache format version 9, this reader understands 1');
  });
});
