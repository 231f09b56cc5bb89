import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, type CheckpointContent } from '@seqgen/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readCheckpointDir, writeCheckpointDir } from './checkpoint-files.js';

/** Simulated I/O failures: return true to make the call throw. */
const faults = vi.hoisted(() => ({
  open: undefined as undefined | ((file: string) => boolean),
  rename: undefined as undefined | ((from: string, to: string) => boolean),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const fail = (what: string): Error => Object.assign(new Error(`${what}: simulated`), { code: what.split(':')[0] });
  return {
    ...actual,
    open: async (file: string, flags?: string) => {
      if (faults.open?.(String(file))) throw fail(`ENOSPC: no space left on device, open '${file}'`);
      return actual.open(file, flags);
    },
    rename: async (from: string, to: string) => {
      if (faults.rename?.(String(from), String(to))) throw fail(`EIO: i/o error, rename '${from}' -> '${to}'`);
      return actual.rename(from, to);
    },
  };
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'seqgen-ckpt-'));
  faults.open = undefined;
  faults.rename = undefined;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function content(scale: number, kind = 'text-char'): CheckpointContent {
  return {
    kind,
    createdBy: '@seqgen/cli test',
    config: { hiddenSizes: [4] },
    training: { step: scale },
    tensors: {
      'lstm/0/kernel': tf.tensor2d(Float32Array.from(expected(scale)), [3, 4]),
      'optimizer/step': tf.scalar(scale, 'int32'),
    },
  };
}

async function kernelOf(path: string): Promise<number[]> {
  const decoded = await readCheckpointDir(path);
  const values = Array.from(decoded.tensors['lstm/0/kernel']?.dataSync() ?? []);
  tf.dispose(Object.values(decoded.tensors));
  return values;
}

const re = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const expected = (scale: number): number[] => Array.from(new Float32Array(Array.from({ length: 12 }, (_, i) => (i * scale) / 7)));

describe('writeCheckpointDir / readCheckpointDir', () => {
  it('round-trips bit-exactly and leaves only model.json and weights.bin', async () => {
    const target = join(dir, 'nested', 'ckpt');
    await writeCheckpointDir(target, content(3));
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const decoded = await readCheckpointDir(target, { kind: 'text-char' });
    expect(decoded.training).toEqual({ step: 3 });
    expect(decoded.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(Array.from(decoded.tensors['lstm/0/kernel']?.dataSync() ?? [])).toEqual(expected(3));
    expect(decoded.tensors['optimizer/step']?.dataSync()[0]).toBe(3);
    const json = JSON.parse(await readFile(join(target, 'model.json'), 'utf8')) as { checksum: { bytes: number } };
    expect(json.checksum.bytes).toBe((await readFile(join(target, 'weights.bin'))).length);
  });

  it('overwrites a previous checkpoint', async () => {
    await writeCheckpointDir(dir, content(1));
    await writeCheckpointDir(dir, content(2));
    expect(await kernelOf(dir)).toEqual(expected(2));
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('a failing write (disk full on the weights temp file) leaves the old checkpoint intact', async () => {
    await writeCheckpointDir(dir, content(1));
    const before = await readFile(join(dir, 'weights.bin'));
    faults.open = (file) => file.includes('.weights.bin.') && file.endsWith('.tmp');
    const error = await writeCheckpointDir(dir, content(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(
      new RegExp(`^cannot write checkpoint ${re(dir)}: ENOSPC: no space left on device, open '${re(dir)}/\\.weights\\.bin\\.[0-9]+-[0-9a-f]{8}\\.tmp'`),
    );
    faults.open = undefined;
    expect(await readFile(join(dir, 'weights.bin'))).toEqual(before);
    expect(await kernelOf(dir)).toEqual(expected(1));
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('a failure after weights.bin was replaced (model.json rename) rolls the old weights back', async () => {
    await writeCheckpointDir(dir, content(1));
    faults.rename = (_from, to) => to.endsWith('model.json');
    const error = await writeCheckpointDir(dir, content(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot write checkpoint ${re(dir)}: EIO: i/o error, rename`));
    faults.rename = undefined;
    expect(await kernelOf(dir)).toEqual(expected(1));
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('a crash between the renames is caught by the checksum, naming the leftover previous weights', async () => {
    await writeCheckpointDir(dir, content(1));
    const other = join(dir, 'other');
    await writeCheckpointDir(other, content(2));
    // What a kill -9 after the weights rename leaves: old model.json, new weights.bin, the .prev link.
    await copyFile(join(dir, 'weights.bin'), join(dir, '.weights.bin.123-abcd.prev'));
    await copyFile(join(other, 'weights.bin'), join(dir, 'weights.bin'));
    await expect(readCheckpointDir(dir)).rejects.toThrow(
      new RegExp(
        `^${re(dir)}/model\\.json: weights\\.bin is corrupt: crc32 is [0-9a-f]{8}, expected [0-9a-f]{8} .*` +
          `A save was interrupted; the previous weights are in ${re(dir)}/\\.weights\\.bin\\.123-abcd\\.prev$`,
      ),
    );
    // The next successful save repairs the directory and removes the leftover.
    await writeCheckpointDir(dir, content(4));
    expect(await kernelOf(dir)).toEqual(expected(4));
    expect((await readdir(dir)).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('reports missing directories and files, invalid JSON, and the wrong kind with the path', async () => {
    const missing = join(dir, 'nope');
    await expect(readCheckpointDir(missing)).rejects.toThrow(new CheckpointError(`checkpoint directory ${missing} does not exist`));
    await writeFile(join(dir, 'file'), 'x');
    await expect(readCheckpointDir(join(dir, 'file'))).rejects.toThrow(
      `${dir}/file is not a directory; expected a checkpoint directory holding model.json and weights.bin`,
    );
    await expect(readCheckpointDir(dir)).rejects.toThrow(
      `${dir}/model.json is missing: ${dir} is not a seqgen checkpoint directory (expected model.json and weights.bin)`,
    );
    await writeCheckpointDir(dir, content(1));
    await expect(readCheckpointDir(dir, { kind: 'handwriting-synthesis' })).rejects.toThrow(
      `${dir}/model.json: checkpoint kind is "text-char", expected "handwriting-synthesis"`,
    );
    await rm(join(dir, 'weights.bin'));
    await expect(readCheckpointDir(dir)).rejects.toThrow(`${dir}/weights.bin is missing: model.json lists it in weightsManifest`);
    await writeFile(join(dir, 'model.json'), '{"format": ');
    await expect(readCheckpointDir(dir)).rejects.toThrow(new RegExp(`^${re(dir)}/model\\.json: model\\.json is not valid JSON \\(`));
  });

  it('refuses to save non-finite weights without touching the old checkpoint', async () => {
    await writeCheckpointDir(dir, content(1));
    await expect(writeCheckpointDir(dir, { kind: 'k', config: {}, tensors: { w: tf.tensor1d([Number.NaN]) } })).rejects.toThrow(
      "cannot save checkpoint: tensor 'w' (float32 [1]) holds a non-finite value (NaN) at flat index 0",
    );
    expect(await kernelOf(dir)).toEqual(expected(1));
  });
});
