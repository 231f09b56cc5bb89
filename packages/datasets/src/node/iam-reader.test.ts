import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetParseError } from '../errors.js';
import { generateSyntheticLines } from '../handwriting/dataset.js';
import { strokesToOffsets } from '../handwriting/preprocess.js';
import { loadHandwritingCache, saveHandwritingCache } from './cache-file.js';
import { writeSyntheticIam } from './hershey-iam.js';
import { loadHersheyFonts } from './hershey-source.js';
import { readIamOnDb } from './iam-reader.js';

const fixtures = fileURLToPath(new URL('../handwriting/__fixtures__/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'seqgen-iam-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function readError(root: string): Promise<DatasetParseError> {
  try {
    await readIamOnDb(root);
  } catch (error) {
    if (DatasetParseError.isInstance(error)) return error as DatasetParseError;
    throw error;
  }
  throw new Error('expected a DatasetParseError');
}

describe('readIamOnDb', () => {
  it('reads the fixture copy: lines matched by number, paper splits, preprocessing report', async () => {
    const { dataset, report } = await readIamOnDb(join(fixtures, 'iam'), { normalise: false });
    expect(dataset.lines.map((l) => [l.id, l.split, l.text])).toEqual([
      ['a01-000u-01', 'train', 'A MOVE to stop Mr. Gaitskell, café'],
      ['a01-000u-02', 'train', 'owner, paid £5 "at once".'],
      ['a01-003-01', 'validation', 'No time here!'],
    ]);
    expect(dataset.lines.map((l) => l.offsets.length / 3)).toEqual([13, 5, 3]);
    expect(report).toMatchObject({ forms: 2, emptyStrokes: 1, interpolated: 4, removedSteps: 2, unlisted: 0, skipped: [] });
    expect(dataset.alphabet).toHaveLength(57);
    expect(dataset.conventions.join('\n')).toContain('validation = testset_v (smaller)');
  });

  it('normalises with training statistics only', async () => {
    const { dataset } = await readIamOnDb(join(fixtures, 'iam'));
    const train = dataset.lines.filter((l) => l.split === 'train');
    let sx = 0, sy = 0, n = 0;
    for (const l of train) for (let r = 1; r < l.offsets.length / 3; r++) { sx += l.offsets[r * 3] as number; sy += l.offsets[r * 3 + 1] as number; n++; }
    expect(n).toBe(16);
    expect(Math.abs(sx / n)).toBeLessThan(1e-5);
    expect(Math.abs(sy / n)).toBeLessThan(1e-5);
    expect(dataset.offsetMean[0]).toBeCloseTo(171 / 16, 4); // dx: 119 (line 1) + 52 (line 2) over 16 rows
  });

  it('fails on the first bad form naming the file and the reason', async () => {
    const error = await readError(join(fixtures, 'iam-bad'));
    expect(error.message).toBe("ascii/b02/b02-001/b02-001a.txt: no 'CSR:' line: expected a header, a 'CSR:' line, a blank line, then one text line per written line");
  });

  it('with skipBad, reports what was skipped and keeps the rest', async () => {
    const { dataset, report } = await readIamOnDb(join(fixtures, 'iam-bad'), { skipBad: true });
    expect(dataset.lines.map((l) => l.id)).toEqual(['b02-000a-01']);
    expect(report.skipped.map((s) => s.file)).toEqual([
      'ascii/b02/b02-001/b02-001a.txt',
      'ascii/b02/b02-002/b02-002a.txt',
      'lineStrokes/b02/b02-003/b02-003a-01.xml',
      'lineStrokes/b02/b02-003/b02-003a-02.xml',
    ]);
    const reasons = report.skipped.map((s) => s.reason);
    expect(reasons[1]).toContain('3 text lines after CSR: but 2 stroke files');
    expect(reasons[2]).toMatch(/b02-003a-01\.xml:\d+: .*(truncated|end of file)/);
    expect(reasons[3]).toContain('mismatched closing tag </Strok>: expected </Stroke>');
  });

  it('names the missing folder', async () => {
    const error = await readError(tmp);
    expect(error.message).toContain('no lineStrokes folder: expected one of lineStrokes/');
  });

  it('end to end: synthetic lines written as IAM-OnDB files read back identically (to rounding)', async () => {
    const fonts = loadHersheyFonts();
    const lines = generateSyntheticLines(['hello world', 'quick brown fox', 'a third line'], fonts, { count: 20, writers: 3, seed: 4 });
    const dir = join(tmp, 'synthetic');
    const written = writeSyntheticIam(dir, lines, { linesPerForm: 4 });
    expect(written.forms).toBe(6);
    const { dataset, report } = await readIamOnDb(dir, { normalise: false, splitMode: 'official' });
    expect(report.skipped).toEqual([]);
    expect(dataset.lines).toHaveLength(20);
    const byText = new Map(lines.map((l) => [`${l.writer.id}|${l.text}|${l.strokes[0]?.x[0]}`, l]));
    expect(byText.size).toBe(20);
    for (const line of dataset.lines) {
      expect(['hello world', 'quick brown fox', 'a third line']).toContain(line.text);
    }
    const original = strokesToOffsets(lines[0]?.strokes ?? []).offsets;
    const first = dataset.lines.find((l) => l.id === 'h000-000s-01');
    expect(first?.offsets.length).toBe(original.length);
    let maxError = 0;
    for (let i = 0; i < original.length; i++) maxError = Math.max(maxError, Math.abs((first?.offsets[i] as number) - (original[i] as number)));
    expect(maxError).toBeLessThanOrEqual(1.0001);
  });

  it('caches a prepared dataset to disk and reloads it', async () => {
    const { dataset } = await readIamOnDb(join(fixtures, 'iam'));
    const path = join(tmp, 'cache', 'iam.bin');
    expect(saveHandwritingCache(path, dataset)).toBeGreaterThan(100);
    expect(loadHandwritingCache(path)).toEqual(dataset);
  });
});
