/**
 * File access for the text readers: whole-file reads through a file handle in chunks (no string copies), zip
 * entries streamed through `zlib.createInflateRaw`, folder listings. Every failure is a `DatasetError` naming the
 * path.
 */
import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createInflateRaw, crc32 } from 'node:zlib';
import { DatasetError, DatasetParseError } from '../errors.js';
import {
  ZIP_LOCAL_HEADER_SIZE,
  ZIP_TAIL_SIZE,
  chooseZipEntry,
  findZipDirectory,
  looksLikeZip,
  parseZipDirectory,
  zipEntryDataOffset,
} from '../text/zip.js';

const CHUNK = 16 * 1024 * 1024;

function describeFsError(error: unknown, path: string): DatasetError {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return new DatasetError(`missing file: ${path} does not exist`, path, { cause: error });
  if (code === 'EISDIR') return new DatasetError(`expected a file but ${path} is a directory`, path, { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new DatasetError(`cannot read ${path}: permission denied`, path, { cause: error });
  return new DatasetError(`cannot read ${path}: ${(error as Error).message}`, path, { cause: error });
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    const handle = await open(path, 'r');
    const info = await handle.stat();
    if (info.isDirectory()) {
      await handle.close();
      throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    }
    return handle;
  } catch (error) {
    throw describeFsError(error, path);
  }
}

/** Reads exactly `length` bytes at `position` into `target` (at `targetOffset`). */
async function readFully(handle: FileHandle, target: Uint8Array, targetOffset: number, length: number, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(target, targetOffset + done, Math.min(CHUNK, length - done), position + done);
    if (bytesRead === 0) throw new DatasetError(`unexpected end of ${path} at byte ${position + done} (file truncated?)`, path);
    done += bytesRead;
  }
}

/** `stat` that turns a missing path into a `DatasetError`. */
export async function statPath(path: string): Promise<{ isDirectory: boolean; size: number }> {
  try {
    const info = await stat(path);
    return { isDirectory: info.isDirectory(), size: info.size };
  } catch (error) {
    throw describeFsError(error, path);
  }
}

/** Whole file as one `Uint8Array`, read in 16 MiB chunks into a buffer of the file's size. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  const handle = await openFile(path);
  try {
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    await readFully(handle, bytes, 0, size, 0, path);
    return bytes;
  } finally {
    await handle.close();
  }
}

/** True when the file starts with a zip local header signature. */
export async function isZipFile(path: string): Promise<boolean> {
  const handle = await openFile(path);
  try {
    const head = new Uint8Array(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && looksLikeZip(head);
  } finally {
    await handle.close();
  }
}

/** An entry read out of a zip archive. */
export interface ZipEntryBytes {
  /** `archive.zip!entry`, for messages and `sources`. */
  readonly source: string;
  readonly bytes: Uint8Array;
}

/**
 * Reads one entry of a zip archive (stored or deflated) into a buffer of its uncompressed size: the central
 * directory gives the sizes, the compressed bytes are read in chunks from the file handle and streamed through
 * `zlib.createInflateRaw`, and the CRC-32 is checked.
 * @throws {@link DatasetParseError} for a corrupt/ZIP64/encrypted archive, a size or CRC mismatch, or a missing
 * or ambiguous entry; {@link DatasetError} for a missing file.
 */
export async function readZipEntry(path: string, entryName?: string): Promise<ZipEntryBytes> {
  const handle = await openFile(path);
  try {
    const { size } = await handle.stat();
    const tailLength = Math.min(size, ZIP_TAIL_SIZE);
    const tail = new Uint8Array(tailLength);
    await readFully(handle, tail, 0, tailLength, size - tailLength, path);
    const location = findZipDirectory(tail, size - tailLength, path);
    const directory = new Uint8Array(location.size);
    await readFully(handle, directory, 0, location.size, location.offset, path);
    const entry = chooseZipEntry(parseZipDirectory(directory, location, path), path, entryName);
    const source = `${path}!${entry.name}`;
    const header = new Uint8Array(ZIP_LOCAL_HEADER_SIZE);
    await readFully(handle, header, 0, ZIP_LOCAL_HEADER_SIZE, entry.localHeaderOffset, path);
    const dataOffset = zipEntryDataOffset(header, entry, path);
    if (dataOffset + entry.compressedSize > size) {
      throw new DatasetParseError({ file: source, offset: dataOffset }, `entry data (${entry.compressedSize} bytes) runs past the end of the archive: truncated zip`);
    }
    const bytes = new Uint8Array(entry.uncompressedSize);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.uncompressedSize) {
        throw new DatasetParseError({ file: source }, `stored entry with compressed size ${entry.compressedSize} ≠ size ${entry.uncompressedSize}: corrupt zip`);
      }
      await readFully(handle, bytes, 0, entry.uncompressedSize, dataOffset, path);
    } else {
      await inflateInto(handle, dataOffset, entry.compressedSize, bytes, source);
    }
    const actual = crc32(bytes) >>> 0;
    if (actual !== entry.crc32 >>> 0) {
      throw new DatasetParseError({ file: source }, `CRC-32 mismatch (archive says ${hex(entry.crc32)}, data gives ${hex(actual)}): corrupt zip`);
    }
    return { source, bytes };
  } finally {
    await handle.close();
  }
}

function hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}

/** Streams `length` compressed bytes at `position` through inflateRaw into `target`, which must fill exactly. */
async function inflateInto(handle: FileHandle, position: number, length: number, target: Uint8Array, source: string): Promise<void> {
  const inflate = createInflateRaw();
  let written = 0;
  let overflow = false;
  const finished = new Promise<void>((resolve, reject) => {
    inflate.on('data', (chunk: Buffer) => {
      if (written + chunk.length > target.length) {
        overflow = true;
        inflate.destroy();
        reject(new DatasetParseError({ file: source }, `entry inflates to more than its recorded size ${target.length}: corrupt zip`));
        return;
      }
      target.set(chunk, written);
      written += chunk.length;
    });
    inflate.on('end', () => resolve());
    inflate.on('error', (error) => reject(new DatasetParseError({ file: source }, `deflate data is corrupt: ${error.message}`, { cause: error })));
  });
  finished.catch(() => undefined); // observed below; avoids an unhandled rejection while still writing
  const chunkSize = Math.min(CHUNK, Math.max(length, 1));
  let done = 0;
  while (done < length && !overflow) {
    const take = Math.min(chunkSize, length - done);
    const chunk = Buffer.allocUnsafe(take);
    const { bytesRead } = await handle.read(chunk, 0, take, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
    const more = inflate.write(chunk.subarray(0, bytesRead));
    if (!more) await Promise.race([new Promise<void>((resolve) => inflate.once('drain', resolve)), finished]);
  }
  inflate.end();
  await finished;
  if (written !== target.length) {
    throw new DatasetParseError({ file: source }, `entry inflated to ${written} bytes, the archive records ${target.length}: corrupt zip`);
  }
}

/**
 * Regular files under `dir`, recursively, sorted by relative path (`/`-separated); names starting with `.` are
 * skipped.
 */
export async function listFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      throw describeFsError(error, folder);
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  await walk(dir);
  const key = (path: string): string => relative(dir, path).split(sep).join('/');
  return found.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
