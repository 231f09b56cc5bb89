/**
 * Dataset errors. `@seqgen/datasets` does not import `@seqgen/core`, so these classes copy the shape of core's
 * `SeqgenError` instead of extending it: the `Symbol.for('seqgen.error')` marker makes `SeqgenError.isInstance`
 * accept them, and `code` is `'dataset-parse'`, so the CLI prints the dataset hint for all of them.
 */
const marker = Symbol.for('seqgen.error');

/** Where in a file a problem was found; every field is optional because not every problem has a place. */
export interface DatasetErrorPlace {
  /** The file (or zip entry, `archive.zip!entry`) that holds the problem. */
  readonly file?: string;
  /** 1-based line number, for line-oriented formats. */
  readonly line?: number;
  /** 0-based byte offset into the file (or the decompressed entry), for byte-oriented checks. */
  readonly offset?: number;
}

/**
 * Any dataset problem: a missing file, an empty corpus, an unreadable archive.
 * Compatible with `SeqgenError` from `@seqgen/core` (same marker, `code: 'dataset-parse'`).
 */
export class DatasetError extends Error {
  readonly [marker] = true;
  override readonly name: string = 'DatasetError';
  readonly code = 'dataset-parse' as const;
  readonly file: string | undefined;
  constructor(message: string, file?: string, options?: ErrorOptions) {
    super(message, options);
    this.file = file;
  }
  /** True for a dataset error from any copy of this package (`instanceof` fails across duplicated copies). */
  static isInstance(error: unknown): error is DatasetError {
    return typeof error === 'object' && error !== null && marker in error && (error as { code?: unknown }).code === 'dataset-parse';
  }
}

/**
 * A file's contents do not match the expected format. The message starts with the place
 * (`file:line:` or `file (byte offset N):`) and says what was expected.
 */
export class DatasetParseError extends DatasetError {
  override readonly name: string = 'DatasetParseError';
  readonly line: number | undefined;
  readonly offset: number | undefined;
  constructor(place: DatasetErrorPlace, message: string, options?: ErrorOptions) {
    super(`${formatPlace(place)}${message}`, place.file, options);
    this.line = place.line;
    this.offset = place.offset;
  }
}

/** `file:line: `, `file (byte offset N): ` or `file: `; empty when nothing is known. */
export function formatPlace(place: DatasetErrorPlace): string {
  const file = place.file ?? '<input>';
  if (place.line !== undefined) return `${file}:${place.line}: `;
  if (place.offset !== undefined) return `${file} (byte offset ${place.offset}): `;
  return place.file !== undefined ? `${file}: ` : '';
}
