import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLineStrokes } from './iam-format.js';
import { computeOffsetStats, denormaliseOffsets, normaliseOffsets, offsetsToTraces, strokesToOffsets } from './preprocess.js';
import { decodeXmlBytes } from './xml.js';

const file = fileURLToPath(new URL('./__fixtures__/iam/lineStrokes/a01/a01-000/a01-000u-01.xml', import.meta.url));
const strokes = parseLineStrokes(decodeXmlBytes(readFileSync(file), 'f'), 'f').strokes;
const rows = (o: Float32Array): number[][] => Array.from({ length: o.length / 3 }, (_, r) => Array.from(o.subarray(r * 3, r * 3 + 3)));

describe('stroke preprocessing (Graves 2013 Sec. 4.2)', () => {
  it('interpolates the missing readings and removes the huge jump out and back', () => {
    const { offsets, report } = strokesToOffsets(strokes);
    expect(report).toEqual({ interpolated: 4, removedSteps: 2 });
    expect(rows(offsets)).toEqual([
      [0, 0, 0], [3, 18, 0], [6, 21, 0], [6, 9, 1],
      [35, -52, 0], [11, 1, 0], [8, 0, 0], [8, 0, 0], [8, 0, 0], [8, 0, 0], [8, 0, 0], [8, 1, 1],
      [10, 5, 1],
    ]);
  });

  it('keeps every step with an infinite threshold and no interpolation', () => {
    const { offsets, report } = strokesToOffsets(strokes, { threshold: Infinity, gapFactor: Infinity });
    expect(report).toEqual({ interpolated: 0, removedSteps: 0 });
    expect(offsets.length / 3).toBe(11);
    expect(rows(offsets)[8]).toEqual([7941, 0, 1]);
    expect(rows(offsets)[9]).toEqual([-7930, 5, 0]);
  });

  it('normalises with training statistics and undoes it', () => {
    const a = Float32Array.from([0, 0, 0, 1, 2, 0, 3, 6, 1]);
    const b = Float32Array.from([0, 0, 1, 5, 10, 1]);
    const stats = computeOffsetStats([a, b]);
    expect(stats.mean).toEqual([3, 6]);
    expect(stats.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 10);
    expect(stats.std[1]).toBeCloseTo(Math.sqrt(32 / 3), 10);
    const n = normaliseOffsets(a, stats);
    expect(n[3]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(n[5]).toBe(0);
    expect(n[8]).toBe(1);
    const back = denormaliseOffsets(n, stats);
    for (let i = 0; i < a.length; i++) expect(back[i]).toBeCloseTo(a[i] as number, 5);
  });

  it('turns offsets back into strokes split at eos', () => {
    const traces = offsetsToTraces([0, 0, 0, 1, 2, 1, 10, 0, 0, 1, 1, 1]);
    expect(traces.map((t) => [Array.from(t.x), Array.from(t.y)])).toEqual([[[0, 1], [0, 2]], [[11, 12], [2, 3]]]);
  });
});
