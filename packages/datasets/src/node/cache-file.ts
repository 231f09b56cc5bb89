/**
 * Saves and loads prepared handwriting datasets in the binary cache format (see `encodeHandwritingCache`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { decodeHandwritingCache, encodeHandwritingCache } from '../handwriting/cache-format.js';
import type { HandwritingDataset } from '../handwriting/types.js';

/** Writes `dataset` to `path` (atomically: a temporary file, then rename). Returns the number of bytes. */
export function saveHandwritingCache(path: string, dataset: HandwritingDataset): number {
  const bytes = encodeHandwritingCache(dataset);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return bytes.length;
}

/**
 * Reads a dataset written by {@link saveHandwritingCache}.
 * @throws {@link DatasetParseError} naming the file for a wrong, newer or truncated cache.
 */
export function loadHandwritingCache(path: string): HandwritingDataset {
  return decodeHandwritingCache(readFileSync(path), path);
}
