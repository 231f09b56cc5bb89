/**
 * Checkpoint directories on disk: `model.json` + `weights.bin` (format: docs/checkpoints.md).
 * `@seqgen/core` encodes and validates; this module does the file I/O, atomically.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_MODEL_FILE,
  CHECKPOINT_WEIGHTS_FILE,
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpointHeader,
  type CheckpointContent,
  type CheckpointExpectation,
  type DecodedCheckpoint,
} from '@seqgen/core';

/** Suffix of the short-lived copy of the previous weights kept while a save replaces them. */
const PREVIOUS_SUFFIX = '.prev';

/**
 * Writes a checkpoint directory (created if missing) atomically:
 * 1. `weights.bin` and `model.json` go to temp files in `dir` (same filesystem), each fsynced;
 * 2. the previous `weights.bin`, if any, is hard-linked to a `.prev` file;
 * 3. the weights temp file is renamed over `weights.bin`, then the model temp file over
 *    `model.json` (last), and the directory is fsynced; leftovers of earlier crashed saves are removed.
 *
 * A failure at any step removes the temp files and, if `weights.bin` was already replaced, puts
 * the previous one back: the previous checkpoint stays intact. A crash (power loss, kill -9)
 * between the two renames leaves the old `model.json` with the new `weights.bin`;
 * {@link readCheckpointDir} then fails on the CRC-32 (never loads mismatched weights) and names the
 * leftover `.prev` file holding the previous weights. `createdAt` is set to now when absent.
 * @throws {@link CheckpointError} naming `dir` and the cause (disk full, permissions, bad content).
 */
export async function writeCheckpointDir(dir: string, content: CheckpointContent): Promise<void> {
  const { json, weightData } = await encodeCheckpoint({ ...content, createdAt: content.createdAt ?? new Date().toISOString() });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const weightsPath = join(dir, CHECKPOINT_WEIGHTS_FILE);
  const modelPath = join(dir, CHECKPOINT_MODEL_FILE);
  const tmpWeights = join(dir, `.${CHECKPOINT_WEIGHTS_FILE}.${tag}.tmp`);
  const tmpModel = join(dir, `.${CHECKPOINT_MODEL_FILE}.${tag}.tmp`);
  const previous = join(dir, `.${CHECKPOINT_WEIGHTS_FILE}.${tag}${PREVIOUS_SUFFIX}`);
  let havePrevious = false;
  let weightsReplaced = false;
  try {
    await mkdir(dir, { recursive: true });
    await writeDurably(tmpWeights, weightData);
    await writeDurably(tmpModel, `${JSON.stringify(json, null, 1)}\n`);
    havePrevious = await preserve(weightsPath, previous);
    await rename(tmpWeights, weightsPath);
    weightsReplaced = true;
    await rename(tmpModel, modelPath);
    await syncDirectory(dir);
    await removeLeftovers(dir, tag);
  } catch (error) {
    if (weightsReplaced && havePrevious) {
      try {
        await rename(previous, weightsPath);
        havePrevious = false;
      } catch {
        // The previous weights stay in the .prev file; readCheckpointDir names it.
        havePrevious = false;
      }
    }
    await Promise.all([rm(tmpWeights, { force: true }), rm(tmpModel, { force: true })]).catch(() => undefined);
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(`cannot write checkpoint ${dir}: ${(error as Error).message}`, { cause: error });
  } finally {
    if (havePrevious) await rm(previous, { force: true }).catch(() => undefined);
  }
}

/**
 * Reads and validates a checkpoint directory written by {@link writeCheckpointDir} (or any
 * directory holding a seqgen `model.json` and the weight files its manifest names).
 * @param expect - `kind`: accepted kind(s); errors name `<dir>/model.json` as the source.
 * @throws {@link CheckpointError} for a missing directory or file, invalid JSON, or any problem
 * {@link decodeCheckpoint} finds (format, version, kind, sizes, checksum, values).
 */
export async function readCheckpointDir(dir: string, expect: Omit<CheckpointExpectation, 'source'> = {}): Promise<DecodedCheckpoint> {
  const modelPath = join(dir, CHECKPOINT_MODEL_FILE);
  const expectation: CheckpointExpectation = { ...expect, source: modelPath };
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(dir)).isDirectory();
  } catch (error) {
    if (code(error) === 'ENOENT') throw new CheckpointError(`checkpoint directory ${dir} does not exist`, { cause: error });
    throw new CheckpointError(`cannot read checkpoint directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  if (!isDirectory) {
    throw new CheckpointError(`${dir} is not a directory; expected a checkpoint directory holding ${CHECKPOINT_MODEL_FILE} and ${CHECKPOINT_WEIGHTS_FILE}`);
  }
  const text = await readOrFail(modelPath, 'utf8', `${dir} is not a seqgen checkpoint directory (expected ${CHECKPOINT_MODEL_FILE} and ${CHECKPOINT_WEIGHTS_FILE})`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError(`${modelPath}: model.json is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const header = readCheckpointHeader(json, expectation);
  const chunks: Uint8Array[] = [];
  for (const file of header.weightsManifest.flatMap((g) => g.paths)) {
    chunks.push(await readOrFail(join(dir, file), null, `${CHECKPOINT_MODEL_FILE} lists it in weightsManifest`));
  }
  const bytes = chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  try {
    return decodeCheckpoint(json, bytes, expectation);
  } catch (error) {
    if (error instanceof CheckpointError && error.message.includes(' is corrupt: crc32 ')) {
      const leftovers = (await readdir(dir).catch(() => [] as string[])).filter(
        (f) => f.startsWith(`.${CHECKPOINT_WEIGHTS_FILE}.`) && f.endsWith(PREVIOUS_SUFFIX),
      );
      if (leftovers.length > 0) {
        throw new CheckpointError(
          `${error.message}. A save was interrupted; the previous weights are in ${leftovers.map((f) => join(dir, f)).join(', ')}`,
          { cause: error },
        );
      }
    }
    throw error;
  }
}

async function readOrFail(file: string, encoding: 'utf8', hint: string): Promise<string>;
async function readOrFail(file: string, encoding: null, hint: string): Promise<Uint8Array>;
async function readOrFail(file: string, encoding: 'utf8' | null, hint: string): Promise<string | Uint8Array> {
  try {
    return encoding ? await readFile(file, encoding) : await readFile(file);
  } catch (error) {
    if (code(error) === 'ENOENT') throw new CheckpointError(`${file} is missing: ${hint}`, { cause: error });
    throw new CheckpointError(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

async function writeDurably(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Keeps `file` reachable as `copy` (hard link, else a copy); false when `file` does not exist. */
async function preserve(file: string, copy: string): Promise<boolean> {
  try {
    await link(file, copy);
    return true;
  } catch (error) {
    if (code(error) === 'ENOENT') return false;
    await copyFile(file, copy);
    return true;
  }
}

/** Removes temp and `.prev` files that crashed saves left behind (not this save's own). */
async function removeLeftovers(dir: string, tag: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter(
    (f) =>
      (f.startsWith(`.${CHECKPOINT_WEIGHTS_FILE}.`) || f.startsWith(`.${CHECKPOINT_MODEL_FILE}.`)) &&
      (f.endsWith('.tmp') || f.endsWith(PREVIOUS_SUFFIX)) &&
      !f.includes(`.${tag}.`),
  );
  await Promise.all(stale.map((f) => rm(join(dir, f), { force: true }))).catch(() => undefined);
}

/** Makes the renames durable; not possible on every platform (Windows), so best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directory fsync is unsupported here; the renames are still atomic.
  }
}

function code(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}
