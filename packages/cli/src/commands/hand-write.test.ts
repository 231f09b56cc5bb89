import { describe, expect, it } from 'vitest';
import type { Trace } from '@seqgen/datasets';
import { appendPiece } from './hand-write.js';

const trace = (xs: number[], ys: number[]): Trace => ({ x: Float32Array.from(xs), y: Float32Array.from(ys) });

describe('appendPiece (long lines written in pieces)', () => {
  it('places the next piece right of the line by the gap, on the same median baseline', () => {
    const line: Trace[] = [];
    appendPiece(line, [trace([0, 10], [5, 7])], 4);
    expect(line).toHaveLength(1);
    appendPiece(line, [trace([-3, 2], [100, 104]), trace([5], [102])], 4);
    expect(line).toHaveLength(3);
    // Next piece's min x (−3) goes to 10 + 4 = 14; its median y (102) to the line's median (7).
    expect(Array.from(line[1]!.x)).toEqual([14, 19]);
    expect(Array.from(line[1]!.y)).toEqual([5, 9]);
    expect(Array.from(line[2]!.x)).toEqual([22]);
    expect(Array.from(line[2]!.y)).toEqual([7]);
  });
});
