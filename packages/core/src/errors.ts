/**
 * One error base class for every seqgen package. Codes let the CLI print a hint per kind
 * of failure; {@link SeqgenError.isInstance} works across duplicated package copies.
 */
const marker = Symbol.for('seqgen.error');

export type SeqgenErrorCode = 'shape' | 'config' | 'dataset-parse' | 'checkpoint' | 'backend' | 'input';

export class SeqgenError extends Error {
  readonly [marker] = true;
  override readonly name: string = 'SeqgenError';
  constructor(
    readonly code: SeqgenErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
  /** True for any seqgen error, even one thrown by another copy of this package. */
  static isInstance(error: unknown): error is SeqgenError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** A tensor or array had the wrong shape. */
export class ShapeError extends SeqgenError {
  override readonly name = 'ShapeError';
  constructor(message: string, options?: ErrorOptions) {
    super('shape', message, options);
  }
}

/** A configuration value is missing, out of range or inconsistent. */
export class ConfigError extends SeqgenError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('config', message, options);
  }
}

/** A checkpoint is missing, corrupt, of another format version or of another kind. */
export class CheckpointError extends SeqgenError {
  override readonly name = 'CheckpointError';
  constructor(message: string, options?: ErrorOptions) {
    super('checkpoint', message, options);
  }
}

/** A requested compute backend could not be loaded. */
export class BackendError extends SeqgenError {
  override readonly name = 'BackendError';
  constructor(message: string, options?: ErrorOptions) {
    super('backend', message, options);
  }
}

/** Lazy assertion for hot paths: the message is built only on failure. */
export function assert(condition: unknown, message: () => string, Kind: new (m: string) => SeqgenError = ShapeError): asserts condition {
  if (!condition) throw new Kind(message());
}
