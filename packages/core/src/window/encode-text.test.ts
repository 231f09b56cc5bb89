import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { ConfigError, SeqgenError } from '../errors.js';
import { encodeText, oneHotCharBatch } from './encode-text.js';

const alphabet = [' ', 'a', 'b', 'c', '?', 'é'];

describe('encodeText', () => {
  it('maps characters to alphabet indices by code point', () => {
    expect(Array.from(encodeText('cab a', alphabet))).toEqual([3, 1, 2, 0, 1]);
    expect(Array.from(encodeText('é', alphabet))).toEqual([5]);
    expect(encodeText('', alphabet).length).toBe(0);
  });

  it('throws an input error listing the unknown characters and the supported set', () => {
    let error: unknown;
    try {
      encodeText('abz9z\t', alphabet);
    } catch (e) {
      error = e;
    }
    expect(SeqgenError.isInstance(error)).toBe(true);
    expect((error as SeqgenError).code).toBe('input');
    const message = (error as Error).message;
    expect(message).toContain('3 character(s)');
    expect(message).toContain('"z" "9" U+0009');
    expect(message).toContain('Supported (6): " " "a" "b" "c" "?" "é"');
  });

  it("maps unknown characters to unknownSymbol under unknown: 'map'", () => {
    expect(Array.from(encodeText('a9b!', alphabet, { unknown: 'map', unknownSymbol: '?' }))).toEqual([1, 4, 2, 4]);
    expect(() => encodeText('a', alphabet, { unknown: 'map' })).toThrow(ConfigError);
    expect(() => encodeText('a', alphabet, { unknown: 'map', unknownSymbol: '#' })).toThrow(/unknownSymbol/);
  });

  it('rejects malformed alphabets', () => {
    expect(() => encodeText('a', ['a', 'a'])).toThrow(/twice/);
    expect(() => encodeText('a', ['ab'])).toThrow(/one character/);
  });
});

describe('oneHotCharBatch', () => {
  it('pads to the longest text and masks the padding', async () => {
    await expectNoLeaks(() => {
      const { chars, charMask } = oneHotCharBatch([Int32Array.from([2, 0]), Int32Array.from([1])], 3);
      expect(chars.shape).toEqual([2, 2, 3]);
      expect(chars.arraySync()).toEqual([[[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 0, 0]]]);
      expect(charMask.arraySync()).toEqual([[1, 1], [1, 0]]);
      tf.dispose([chars, charMask]);
    });
    expect(() => oneHotCharBatch([[0, 3]], 3)).toThrow(/text 0, position 1: id 3/);
  });
});
