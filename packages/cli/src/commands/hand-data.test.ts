import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { loadHandwritingCache } from '@seqgen/datasets/node';
import { main } from '../main.js';
import { svgToPng } from '../render/png.js';

const tmp = mkdtempSync(join(tmpdir(), 'seqgen-hand-data-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const fixtures = fileURLToPath(new URL('../../../datasets/src/handwriting/__fixtures__/', import.meta.url));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(argv, { out, err });
  return { code, out: o, err: e };
}

const pngSize = (bytes: Uint8Array): [number, number] => {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  return [view.getUint32(16), view.getUint32(20)];
};

describe('seqgen hand data', () => {
  it('rasterises SVG to PNG with resvg', () => {
    const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><path d="M2 2L38 18" stroke="black"/></svg>', { width: 80 });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual([80, 40]);
  });

  it('prepares synthetic lines through the IAM-OnDB files and shows them', async () => {
    const out = join(tmp, 'run');
    const prep = await run(['hand', 'data', 'prepare', '--lines', '24', '--writers', '3', '--out', out, '--write-iam', join(tmp, 'iam')]);
    expect(prep.err).not.toContain('error');
    expect(prep.code).toBe(0);
    expect(prep.out).toMatch(/prepared 24 lines/);
    const dataset = loadHandwritingCache(join(out, 'hershey.bin'));
    expect(dataset.lines).toHaveLength(24);
    expect(dataset.alphabet).toHaveLength(57);
    const summary = JSON.parse(readFileSync(join(out, 'hershey.json'), 'utf8')) as { lines: number };
    expect(summary.lines).toBe(24);
    const show = await run(['hand', 'data', 'show', '--cache', join(out, 'hershey.bin'), '--lines', '3', '--out', join(out, 'show.png'), '--width', '600']);
    expect(show.code).toBe(0);
    expect(pngSize(readFileSync(join(out, 'show.png')))[0]).toBe(600);
  });

  it('reads the IAM fixtures; bad data fails with the file and reason, or is skipped with --skip-bad', async () => {
    const ok = await run(['hand', 'data', 'prepare', '--source', 'iam', '--data', join(fixtures, 'iam'), '--out', join(tmp, 'iam-ok'), '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ lines: 3, train: 2, validation: 1 });
    const bad = await run(['hand', 'data', 'prepare', '--source', 'iam', '--data', join(fixtures, 'iam-bad'), '--out', join(tmp, 'iam-bad')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("ascii/b02/b02-001/b02-001a.txt: no 'CSR:' line");
    expect(bad.err).toContain('--skip-bad');
    const skipped = await run(['hand', 'data', 'prepare', '--source', 'iam', '--data', join(fixtures, 'iam-bad'), '--out', join(tmp, 'iam-bad'), '--skip-bad']);
    expect(skipped.code).toBe(0);
    expect(skipped.err).toContain('skipped 4 item(s)');
    expect(skipped.out).toContain('prepared 1 lines');
  });

  it('rejects a missing --data', async () => {
    const r = await run(['hand', 'data', 'prepare', '--source', 'iam']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--source iam needs --data');
  });
});
