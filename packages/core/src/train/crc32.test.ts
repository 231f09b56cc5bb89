import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Hex } from './crc32.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('crc32', () => {
  it('matches the standard check value and the empty input', () => {
    expect(crc32(utf8('123456789'))).toBe(0xcbf43926);
    expect(crc32Hex(utf8('123456789'))).toBe('cbf43926');
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32Hex(new Uint8Array([0]))).toBe('d202ef8d');
  });

  it('agrees with node:zlib on random bytes and when chunked', () => {
    const bytes = new Uint8Array(10_000);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) bytes[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
    const whole = crc32(bytes);
    expect(whole).toBe(zlibCrc32(bytes));
    expect(crc32(bytes.subarray(3000), crc32(bytes.subarray(0, 3000)))).toBe(whole);
  });
});
