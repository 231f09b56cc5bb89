/**
 * A compact binary form of a prepared {@link HandwritingDataset}, so it reloads in well under a second:
 *
 * ```
 * bytes 0..3   magic "SQHW"
 * bytes 4..7   format version (uint32 LE) = 1
 * bytes 8..11  header length H (uint32 LE)
 * bytes 12..   header: UTF-8 JSON (everything but the offsets; per line its row count), padded with spaces to 4 bytes
 * then         all lines' offsets, float32 little-endian, (dx, dy, eos) rows, in line order
 * ```
 * Decoding makes one Float32Array over the payload and gives each line a zero-copy subarray.
 */
import { DatasetParseError } from '../errors.js';
import type { HandwritingDataset, HandwritingLine } from './types.js';

const MAGIC = [0x53, 0x51, 0x48, 0x57]; // "SQHW"
/** Current cache format version. */
export const CACHE_FORMAT_VERSION = 1;

interface CacheHeader extends Omit<HandwritingDataset, 'lines'> {
  lines: Array<Omit<HandwritingLine, 'offsets'> & { rows: number }>;
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialises a dataset to the cache format. */
export function encodeHandwritingCache(dataset: HandwritingDataset): Uint8Array {
  const { lines, ...rest } = dataset;
  const header: CacheHeader = {
    ...rest,
    lines: lines.map(({ offsets, ...meta }) => ({ ...meta, rows: offsets.length / 3 })),
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = (12 + json.length + 3) & ~3;
  const jsonBytes = new Uint8Array(padded - 12).fill(0x20);
  jsonBytes.set(json);
  json = jsonBytes;
  const floats = lines.reduce((n, l) => n + l.offsets.length, 0);
  const out = new Uint8Array(padded + floats * 4);
  out.set(MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(4, CACHE_FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  let at = padded;
  for (const line of lines) {
    if (littleEndian) {
      out.set(new Uint8Array(line.offsets.buffer, line.offsets.byteOffset, line.offsets.byteLength), at);
    } else {
      for (let i = 0; i < line.offsets.length; i++) view.setFloat32(at + i * 4, line.offsets[i] as number, true);
    }
    at += line.offsets.byteLength;
  }
  return out;
}

/**
 * Reads the cache format.
 * @param file - Shown in error messages.
 * @throws {@link DatasetParseError} for a wrong magic, a newer version, a corrupt header or a truncated payload.
 */
export function decodeHandwritingCache(bytes: Uint8Array, file: string): HandwritingDataset {
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DatasetParseError({ file, offset: 0 }, "not a seqgen handwriting cache: expected magic 'SQHW'");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CACHE_FORMAT_VERSION) {
    throw new DatasetParseError({ file, offset: 4 }, `cache format version ${version}, this reader understands ${CACHE_FORMAT_VERSION}; prepare the data again`);
  }
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new DatasetParseError({ file, offset: 8 }, 'truncated cache: header runs past the end of the file');
  let header: CacheHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength))) as CacheHeader;
  } catch (error) {
    throw new DatasetParseError({ file, offset: 12 }, 'corrupt cache header (invalid JSON)', { cause: error });
  }
  if (!header || !Array.isArray(header.lines) || !Array.isArray(header.alphabet)) {
    throw new DatasetParseError({ file, offset: 12 }, 'corrupt cache header: expected lines and alphabet');
  }
  const start = 12 + headerLength;
  const totalRows = header.lines.reduce((n, l) => n + (Number.isInteger(l.rows) && l.rows >= 0 ? l.rows : NaN), 0);
  if (!Number.isFinite(totalRows)) throw new DatasetParseError({ file, offset: 12 }, 'corrupt cache header: bad row count');
  const expected = start + totalRows * 12;
  if (bytes.length !== expected) {
    throw new DatasetParseError({ file, offset: bytes.length }, `cache payload has ${bytes.length} bytes, expected ${expected} (truncated or corrupt)`);
  }
  let payload: Float32Array;
  if (littleEndian) {
    const aligned = (bytes.byteOffset + start) % 4 === 0 ? bytes : bytes.slice();
    const base = aligned === bytes ? bytes.byteOffset + start : start;
    payload = new Float32Array(aligned.buffer, base, totalRows * 3);
  } else {
    payload = new Float32Array(totalRows * 3);
    for (let i = 0; i < payload.length; i++) payload[i] = view.getFloat32(start + i * 4, true);
  }
  let row = 0;
  const lines: HandwritingLine[] = header.lines.map(({ rows, ...meta }) => {
    const offsets = payload.subarray(row * 3, (row + rows) * 3);
    row += rows;
    return { ...meta, offsets };
  });
  const { lines: _lines, ...rest } = header;
  return { ...rest, lines };
}
