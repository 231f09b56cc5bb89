import { describe, expect, it } from 'vitest';
import { TbpttBatcher } from './batcher.js';

describe('TbpttBatcher', () => {
  const tokens = Int32Array.from({ length: 23 }, (_, i) => i);

  it('cuts B contiguous streams and walks them in T-step sequences, targets = next symbol', () => {
    // L = floor(22 / 2) = 11 predictions per stream, T = 3 -> 3 sequences per epoch.
    const b = new TbpttBatcher(tokens, { batchSize: 2, seqLength: 3, resetEvery: 2 });
    expect(b.streamLength).toBe(11);
    expect(b.sequencesPerEpoch).toBe(3);
    const first = b.next();
    // time-major [T, B]: row t = [stream0[t], stream1[t]]
    expect(Array.from(first.inputs)).toEqual([0, 11, 1, 12, 2, 13]);
    expect(Array.from(first.targets)).toEqual([1, 12, 2, 13, 3, 14]);
    expect(first.reset).toBe(true);
    const second = b.next();
    expect(Array.from(second.inputs)).toEqual([3, 14, 4, 15, 5, 16]);
    expect(second.reset).toBe(false);
    const third = b.next();
    expect(third.reset).toBe(true); // every 2 sequences
    expect(b.position()).toEqual({ epoch: 1, sequence: 0 });
    expect(b.next().position).toEqual({ epoch: 1, sequence: 0 });
  });

  it('is deterministic from its position (resume)', () => {
    const a = new TbpttBatcher(tokens, { batchSize: 2, seqLength: 3, resetEvery: 0 });
    a.next();
    a.next();
    const b = new TbpttBatcher(tokens, { batchSize: 2, seqLength: 3, resetEvery: 0 });
    b.setPosition(a.position());
    expect(Array.from(b.next().inputs)).toEqual(Array.from(a.next().inputs));
    expect(() => b.setPosition({ epoch: 0, sequence: 3 })).toThrow(/does not fit this data \(3 sequences per epoch\)/);
  });

  it('refuses data too short for one batch, saying how much is needed', () => {
    expect(() => new TbpttBatcher(tokens, { batchSize: 8, seqLength: 3, resetEvery: 0 })).toThrow(
      /has 23 symbols, too few for one batch of 8 streams × 3 steps \(needs at least 25\)/,
    );
  });
});
