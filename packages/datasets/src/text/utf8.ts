/**
 * Strict UTF-8 decoding for character-level corpora: binary data and invalid UTF-8 are errors that name the file
 * and the byte offset, never silently replaced by U+FFFD.
 */
import { DatasetParseError } from '../errors.js';

/**
 * Byte offset of the first invalid UTF-8 sequence in `bytes`, or -1 when all of it is valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF; a sequence cut off at the end is invalid).
 */
export function findInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i] as number;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) { need = 1; min = 0x80; cp = b0 & 0x1f; }
    else if (b0 >= 0xe0 && b0 <= 0xef) { need = 2; min = 0x800; cp = b0 & 0x0f; }
    else if (b0 >= 0xf0 && b0 <= 0xf4) { need = 3; min = 0x10000; cp = b0 & 0x07; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line number of byte `offset` (counts 0x0A bytes before it). */
export function lineAtByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Options for {@link decodeUtf8Text}. */
export interface DecodeUtf8Options {
  /** Name used in error messages. */
  readonly file?: string;
  /** Drop a leading byte-order mark (EF BB BF). Default true. */
  readonly stripBom?: boolean;
}

/**
 * Decodes a whole file as UTF-8 text for a character-level corpus.
 * @throws {@link DatasetParseError} on a NUL byte ("binary data"), or on invalid UTF-8, with the file, the byte
 * offset and the line, suggesting the byte unit instead.
 */
export function decodeUtf8Text(bytes: Uint8Array, options: DecodeUtf8Options = {}): string {
  const file = options.file ?? '<input>';
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new DatasetParseError(
      { file, offset: nul },
      `binary data (a NUL byte, line ${lineAtByte(bytes, nul)}) in a character-level corpus; expected UTF-8 text. Read it with unit "byte" instead.`,
    );
  }
  const bad = findInvalidUtf8(bytes);
  if (bad >= 0) {
    const shown = Array.from(bytes.subarray(bad, Math.min(bytes.length, bad + 4)), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DatasetParseError(
      { file, offset: bad },
      `invalid UTF-8 (bytes ${shown}, line ${lineAtByte(bytes, bad)}) in a character-level corpus; expected UTF-8 text. Re-encode the file as UTF-8 or read it with unit "byte".`,
    );
  }
  const start = options.stripBom !== false && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(start));
}
