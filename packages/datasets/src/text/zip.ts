/**
 * Just enough of the ZIP format (PKWARE APPNOTE 6.3) to find one entry of an archive such as `enwik8.zip`: the end
 * of central directory record, central directory headers and the local file header. Pure: the node reader feeds
 * it byte ranges read from a file handle and inflates the entry with `node:zlib`.
 */
import { DatasetParseError } from '../errors.js';

/** One central-directory entry. */
export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated; others are rejected when read. */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly uncompressedSize: number;
  /** Offset of the entry's local file header. */
  readonly localHeaderOffset: number;
}

/** Where the central directory is. */
export interface ZipDirectoryLocation {
  readonly entries: number;
  readonly size: number;
  readonly offset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
/** End-of-central-directory record size without its comment. */
export const ZIP_EOCD_SIZE = 22;
/** Local file header size without name and extra field. */
export const ZIP_LOCAL_HEADER_SIZE = 30;
/** How many bytes at the end of a file can hold the EOCD record (22 + a comment of up to 65,535 bytes). */
export const ZIP_TAIL_SIZE = ZIP_EOCD_SIZE + 0xffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True when `head` starts with a local file header signature (`PK\3\4`). */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && view(head).getUint32(0, true) === LOCAL_SIGNATURE;
}

/**
 * Finds the end of central directory record in the last bytes of a file (`tail` starts at byte `tailStart`).
 * @throws {@link DatasetParseError} when there is none (not a zip, or truncated) or the archive is ZIP64/multi-disk.
 */
export function findZipDirectory(tail: Uint8Array, tailStart: number, file: string): ZipDirectoryLocation {
  const data = view(tail);
  for (let at = tail.length - ZIP_EOCD_SIZE; at >= 0; at--) {
    if (data.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    const commentLength = data.getUint16(at + 20, true);
    if (at + ZIP_EOCD_SIZE + commentLength !== tail.length) continue; // a signature inside data, not the record
    const disk = data.getUint16(at + 4, true);
    const entries = data.getUint16(at + 10, true);
    const size = data.getUint32(at + 12, true);
    const offset = data.getUint32(at + 16, true);
    if (disk !== 0) throw new DatasetParseError({ file, offset: tailStart + at }, 'multi-disk zip archives are not supported');
    if (entries === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
      throw new DatasetParseError({ file, offset: tailStart + at }, 'ZIP64 archives are not supported; unzip it and pass the file itself');
    }
    if (offset + size > tailStart + at) {
      throw new DatasetParseError({ file, offset: tailStart + at }, `central directory (offset ${offset}, ${size} bytes) runs past its end record: truncated or corrupt zip`);
    }
    return { entries, size, offset };
  }
  throw new DatasetParseError({ file }, 'no zip end-of-central-directory record: not a zip archive, or a truncated download');
}

/**
 * Parses `count` central-directory headers.
 * @throws {@link DatasetParseError} (with the byte offset) on a bad signature.
 */
export function parseZipDirectory(directory: Uint8Array, location: ZipDirectoryLocation, file: string): ZipEntry[] {
  const data = view(directory);
  const entries: ZipEntry[] = [];
  const names = new TextDecoder('utf-8');
  let at = 0;
  for (let i = 0; i < location.entries; i++) {
    if (at + 46 > directory.length || data.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw new DatasetParseError({ file, offset: location.offset + at }, `expected central directory header ${i + 1} of ${location.entries}: corrupt zip`);
    }
    const nameLength = data.getUint16(at + 28, true);
    const extraLength = data.getUint16(at + 30, true);
    const commentLength = data.getUint16(at + 32, true);
    entries.push({
      name: names.decode(directory.subarray(at + 46, at + 46 + nameLength)),
      flags: data.getUint16(at + 8, true),
      method: data.getUint16(at + 10, true),
      crc32: data.getUint32(at + 16, true),
      compressedSize: data.getUint32(at + 20, true),
      uncompressedSize: data.getUint32(at + 24, true),
      localHeaderOffset: data.getUint32(at + 42, true),
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * Offset of an entry's data, from its local file header (`header` = the 30 bytes at `entry.localHeaderOffset`).
 * @throws {@link DatasetParseError} for a bad signature, encryption, ZIP64 sizes or an unsupported method.
 */
export function zipEntryDataOffset(header: Uint8Array, entry: ZipEntry, file: string): number {
  const where = { file: `${file}!${entry.name}`, offset: entry.localHeaderOffset };
  if (header.length < ZIP_LOCAL_HEADER_SIZE || view(header).getUint32(0, true) !== LOCAL_SIGNATURE) {
    throw new DatasetParseError(where, 'expected a zip local file header: corrupt zip');
  }
  if ((entry.flags & 1) !== 0) throw new DatasetParseError(where, 'encrypted zip entries are not supported');
  if (entry.compressedSize === 0xffffffff || entry.uncompressedSize === 0xffffffff) {
    throw new DatasetParseError(where, 'ZIP64 entries are not supported; unzip it and pass the file itself');
  }
  if (entry.method !== 0 && entry.method !== 8) {
    throw new DatasetParseError(where, `compression method ${entry.method} is not supported (only 0 = stored and 8 = deflated)`);
  }
  const data = view(header);
  return entry.localHeaderOffset + ZIP_LOCAL_HEADER_SIZE + data.getUint16(26, true) + data.getUint16(28, true);
}

/**
 * Picks the entry to read: `name` when given, else the only file entry (directories, names ending in `/`, are
 * ignored).
 * @throws {@link DatasetParseError} listing the entries when the choice is missing or ambiguous.
 */
export function chooseZipEntry(entries: readonly ZipEntry[], file: string, name?: string): ZipEntry {
  const files = entries.filter((entry) => !entry.name.endsWith('/'));
  const listed = files.map((entry) => entry.name).join(', ') || 'none';
  if (name !== undefined) {
    const found = files.find((entry) => entry.name === name || entry.name.endsWith(`/${name}`));
    if (found === undefined) throw new DatasetParseError({ file }, `no entry ${JSON.stringify(name)} in the zip (entries: ${listed})`);
    return found;
  }
  const only = files[0];
  if (files.length !== 1 || only === undefined) {
    throw new DatasetParseError({ file }, `expected exactly one file in the zip, found ${files.length} (${listed}); name the entry`);
  }
  return only;
}
