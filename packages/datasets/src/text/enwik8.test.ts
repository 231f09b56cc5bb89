import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DatasetParseError } from '../errors.js';
import { readByteCorpus, readEnwik8, readTextDataset, readZipEntry } from '../node/index.js';
import { byteCorpus, observedBytes } from './byte-corpus.js';
import { renderIds } from './corpus.js';
import { ENWIK8_PAPER_SPLIT, ENWIK8_STANDARD_SPLIT, scaleSplitSizes, splitRanges } from './split.js';
import { chooseZipEntry, findZipDirectory } from './zip.js';

const dir = fileURLToPath(new URL('./__fixtures__/enwik8/', import.meta.url));
const raw = new Uint8Array(readFileSync(`${dir}enwik8`));

describe('split arithmetic', () => {
  it('the presets: 90M/5M/5M and Graves 96M/4M', () => {
    expect(splitRanges(100_000_000, ENWIK8_STANDARD_SPLIT)).toEqual({
      train: [0, 90_000_000],
      valid: [90_000_000, 95_000_000],
      test: [95_000_000, 100_000_000],
    });
    expect(splitRanges(100_000_000, ENWIK8_PAPER_SPLIT)).toEqual({ train: [0, 96_000_000], valid: [96_000_000, 100_000_000] });
  });

  it('scales exactly: floors the small splits, train takes the rest', () => {
    expect(scaleSplitSizes(ENWIK8_STANDARD_SPLIT, 1000)).toEqual({ train: 900, valid: 50, test: 50 });
    expect(scaleSplitSizes(ENWIK8_STANDARD_SPLIT, 1001)).toEqual({ train: 901, valid: 50, test: 50 });
    expect(scaleSplitSizes(ENWIK8_STANDARD_SPLIT, 19)).toEqual({ train: 19, valid: 0, test: 0 });
    expect(scaleSplitSizes(ENWIK8_STANDARD_SPLIT, 39)).toEqual({ train: 37, valid: 1, test: 1 });
    expect(scaleSplitSizes(ENWIK8_PAPER_SPLIT, 1000)).toEqual({ train: 960, valid: 40 });
    expect(scaleSplitSizes(ENWIK8_PAPER_SPLIT, 1049)).toEqual({ train: 1008, valid: 41 });
    // 10^8 scaled to itself is the preset; a product past 2^53 stays exact.
    expect(scaleSplitSizes(ENWIK8_STANDARD_SPLIT, 100_000_000)).toEqual(ENWIK8_STANDARD_SPLIT);
    expect(scaleSplitSizes({ train: 1, valid: 2 ** 40, test: 0 }, 2 ** 40 + 1)).toEqual({ train: 1, valid: 2 ** 40, test: 0 });
  });

  it('rejects sizes that do not add up to the length', () => {
    expect(() => splitRanges(1000, ENWIK8_STANDARD_SPLIT, 'enwik8')).toThrowError(
      'enwik8 has 1000 symbols but the split 90000000/5000000/5000000 adds up to 100000000; pass split sizes that add up to the length (or let them scale)',
    );
    expect(() => splitRanges(10, { train: 9.5, valid: 0.5 })).toThrowError('split size train=9.5 is not a non-negative integer');
  });
});

describe('byteCorpus', () => {
  it('splits are views at the exact boundaries', () => {
    const corpus = byteCorpus(raw, { split: { train: 900, valid: 50, test: 50 }, vocabulary: 'all' });
    expect(corpus.splits.train.length).toBe(900);
    expect(corpus.splits.valid.length).toBe(50);
    expect(corpus.splits.test?.length).toBe(50);
    expect(corpus.splits.train[899]).toBe(raw[899]);
    expect(corpus.splits.valid[0]).toBe(raw[900]);
    expect(corpus.splits.test?.[0]).toBe(raw[950]);
    expect(corpus.splits.test?.[49]).toBe(raw[999]);
    expect(corpus.splits.valid.buffer).toBe(raw.buffer); // no copy with vocabulary 'all'
    expect(corpus.symbols.length).toBe(256);
    expect(new TextDecoder().decode(corpus.splits.valid)).toBe(new TextDecoder().decode(raw.subarray(900, 950)));
  });

  it("observed vocabulary: the file's distinct bytes, sorted, ids remapped", () => {
    const values = observedBytes(raw);
    expect(values.length).toBe(55);
    const corpus = byteCorpus(raw, { split: { train: 960, valid: 40 } });
    expect(corpus.symbols.length).toBe(55);
    expect(corpus.splits.test).toBeUndefined();
    expect(corpus.bytes).toEqual(values);
    expect(corpus.bytes?.[corpus.splits.valid[0] as number]).toBe(raw[960]);
    expect(raw[0]).toBe(0x3c); // the caller's bytes are untouched without inPlace
    expect(renderIds(corpus, corpus.splits.train).slice(0, 10)).toBe('<mediawiki');
    expect(corpus.conventions).toContain('bytes=observed: the 55 distinct byte values of the whole file, sorted (Graves: 205 on enwik8)');
    expect(corpus.conventions).toContain('split=train 960, valid 40, no test bytes (in file order)');
  });

  it('rejects empty data', () => {
    expect(() => byteCorpus(new Uint8Array(0), { sources: ['x.bin'] })).toThrowError('empty corpus: x.bin has no bytes');
  });
});

describe('readEnwik8', () => {
  it('raw file, zip (deflated and stored) and a folder give the same bytes', async () => {
    const deflated = await readZipEntry(`${dir}enwik8.zip`);
    const stored = await readZipEntry(`${dir}enwik8-stored.zip`);
    expect(deflated.source).toBe(`${dir}enwik8.zip!enwik8`);
    expect(deflated.bytes).toEqual(raw);
    expect(stored.bytes).toEqual(raw);
    const fromRaw = await readEnwik8(`${dir}enwik8`, { scale: true });
    const fromZip = await readEnwik8(`${dir}enwik8.zip`, { scale: true });
    const fromFolder = await readEnwik8(dir, { scale: true, vocabulary: 'all' });
    expect(fromZip.splits).toEqual(fromRaw.splits);
    expect(fromFolder.sources).toEqual([join(dir, 'enwik8')]);
    expect(Array.from(fromFolder.splits.valid)).toEqual(Array.from(raw.subarray(900, 950)));
    expect(fromRaw.conventions).toContain('split=train 900, valid 50, test 50 bytes (90000000:5000000:5000000 scaled to the file, in file order)');
  });

  it('the paper split scaled: 960 / 40, no test', async () => {
    const corpus = await readTextDataset({ kind: 'enwik8', path: `${dir}enwik8.zip`, split: 'paper', scale: true, byteVocabulary: 'all' });
    expect(corpus.splits.train.length).toBe(960);
    expect(Array.from(corpus.splits.valid)).toEqual(Array.from(raw.subarray(960)));
    expect(corpus.splits.test).toBeUndefined();
  });

  it('unscaled presets demand the real 100,000,000 bytes', async () => {
    await expect(readEnwik8(`${dir}enwik8`)).rejects.toThrowError(/has 1000 symbols but the split 90000000\/5000000\/5000000 adds up to 100000000/);
  });

  it('explicit sizes', async () => {
    const corpus = await readEnwik8(`${dir}enwik8`, { split: { train: 10, valid: 20, test: 970 } });
    expect(corpus.splits.valid.length).toBe(20);
  });

  it('zip errors: several entries, a missing entry, corruption, not a zip', async () => {
    await expect(readEnwik8(`${dir}two-entries.zip`, { scale: true })).rejects.toThrowError(
      /two-entries\.zip: expected exactly one file in the zip, found 2 \(README, enwik8\); name the entry/,
    );
    const chosen = await readEnwik8(`${dir}two-entries.zip`, { scale: true, entry: 'enwik8' });
    expect(chosen.splits.train.length).toBe(900);
    await expect(readZipEntry(`${dir}enwik8.zip`, 'enwik9')).rejects.toThrowError(/no entry "enwik9" in the zip \(entries: enwik8\)/);
    const zip = new Uint8Array(readFileSync(`${dir}enwik8.zip`));
    const tmp = mkdtempSync(join(tmpdir(), 'seqgen-zip-'));
    const corrupt = zip.slice();
    corrupt[60] = (corrupt[60] as number) ^ 0xff; // inside the deflate data (local header 30 + name 6 = 36)
    writeFileSync(join(tmp, 'corrupt.zip'), corrupt);
    await expect(readZipEntry(join(tmp, 'corrupt.zip'))).rejects.toBeInstanceOf(DatasetParseError);
    await expect(readZipEntry(join(tmp, 'corrupt.zip'))).rejects.toThrowError(/corrupt\.zip!enwik8.*(corrupt|CRC-32 mismatch)/);
    writeFileSync(join(tmp, 'truncated.zip'), zip.subarray(0, 200));
    await expect(readZipEntry(join(tmp, 'truncated.zip'))).rejects.toThrowError(/no zip end-of-central-directory record/);
  });

  it('pure zip helpers', () => {
    expect(() => findZipDirectory(raw.subarray(0, 100), 0, 'enwik8')).toThrowError(
      'enwik8: no zip end-of-central-directory record: not a zip archive, or a truncated download',
    );
    const entry = { name: 'a/', method: 0, flags: 0, crc32: 0, compressedSize: 0, uncompressedSize: 0, localHeaderOffset: 0 };
    expect(() => chooseZipEntry([entry], 'x.zip')).toThrowError('x.zip: expected exactly one file in the zip, found 0 (none); name the entry');
  });

  it('missing file', async () => {
    await expect(readEnwik8(`${dir}nope`)).rejects.toThrowError(/^missing file: .*nope does not exist$/);
  });
});

describe('readByteCorpus', () => {
  it('any file as bytes, 90/5/5 scaled by default', async () => {
    const corpus = await readByteCorpus(fileURLToPath(new URL('./__fixtures__/text/binary.bin', import.meta.url)));
    // 18 bytes: valid = floor(18·5/100) = 0, test = 0, train = 18.
    expect(corpus.splits.train.length).toBe(18);
    expect(corpus.splits.valid.length).toBe(0);
    expect(corpus.unit).toBe('byte');
    expect(corpus.symbols.length).toBe(17); // distinct byte values (Python: len(set(data)))
  });
});
