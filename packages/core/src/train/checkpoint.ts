/**
 * Checkpoints as bytes: `{ config, tensors, … }` ↔ `model.json` + `weights.bin`. No I/O here: the CLI
 * writes the files (atomically), the studio fetches them. Decoding validates everything and names
 * the source and what was expected. Format: docs/checkpoints.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '../errors.js';
import { crc32Hex } from './crc32.js';
import { OPTIMIZER_STATE_PREFIX } from './optimizers-base.js';

/** The `format` field of every seqgen `model.json`. */
export const CHECKPOINT_FORMAT = 'seqgen-checkpoint';
/** The newest `formatVersion` this code reads and the one it writes. */
export const CHECKPOINT_FORMAT_VERSION = 1;
/** File names inside a checkpoint directory. */
export const CHECKPOINT_MODEL_FILE = 'model.json';
export const CHECKPOINT_WEIGHTS_FILE = 'weights.bin';

/** Tensor dtypes a checkpoint may hold (4 bytes each, little-endian as tfjs writes them). */
export type CheckpointDtype = 'float32' | 'int32';
const DTYPES: readonly string[] = ['float32', 'int32'];

/** One tensor's entry in the weights manifest. */
export interface CheckpointWeightSpec {
  name: string;
  shape: number[];
  dtype: CheckpointDtype;
}

/** The parsed `model.json`. */
export interface CheckpointJson {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  /** What the checkpoint holds, e.g. 'handwriting-synthesis', 'text-char'; readers check it. */
  kind: string;
  createdBy?: string;
  /** ISO 8601 time of writing (set by the writer; core does not read the clock). */
  createdAt?: string;
  /** Model hyperparameters. */
  config: unknown;
  /** Data conventions: alphabet, normalisation stats… (`null` when absent). */
  data: unknown;
  /** Training state: step, epoch, optimizer spec, rng state, backend… (`null` when absent). */
  training: unknown;
  /** tfjs weights manifest; the groups' paths are concatenated in order (we write one: weights.bin). */
  weightsManifest: Array<{ paths: string[]; weights: CheckpointWeightSpec[] }>;
  /** CRC-32 (8 lowercase hex digits) and length of the concatenated weight bytes. */
  checksum: { algorithm: 'crc32'; value: string; bytes: number };
}

/** What a checkpoint holds, before encoding. */
export interface CheckpointContent {
  kind: string;
  config: unknown;
  data?: unknown;
  training?: unknown;
  createdBy?: string;
  createdAt?: string;
  /** Model parameters and optimiser slots (`optimizer/…`, see {@link Optimizer.getState}). */
  tensors: Record<string, tf.Tensor>;
}

/** A decoded checkpoint; the caller owns (and disposes) `tensors`. */
export interface DecodedCheckpoint {
  kind: string;
  formatVersion: number;
  config: unknown;
  /** `undefined` when the checkpoint stores none. */
  data: unknown;
  /** `undefined` when the checkpoint stores none. */
  training: unknown;
  createdBy: string | undefined;
  createdAt: string | undefined;
  tensors: Record<string, tf.Tensor>;
}

/** What a reader expects; `source` (a file path or URL) prefixes every error message. */
export interface CheckpointExpectation {
  kind?: string | readonly string[];
  source?: string;
}

/**
 * Encodes a checkpoint: `json` is the `model.json` object, `weightData` the `weights.bin` bytes
 * (tf.io.encodeWeights layout, in `tensors` order).
 * @throws {@link CheckpointError} for an empty kind, a missing or non-JSON config, a tensor that is
 * not float32/int32, or a non-finite value (a diverged model is not saved silently).
 */
export async function encodeCheckpoint(c: CheckpointContent): Promise<{ json: CheckpointJson; weightData: Uint8Array }> {
  const where = 'cannot save checkpoint';
  if (typeof c.kind !== 'string' || c.kind === '') throw new CheckpointError(`${where}: 'kind' must be a non-empty string`);
  if (c.config === undefined) throw new CheckpointError(`${where}: 'config' is missing`);
  for (const [name, t] of Object.entries(c.tensors)) {
    if (name === '') throw new CheckpointError(`${where}: a tensor has an empty name`);
    if (!DTYPES.includes(t.dtype)) {
      throw new CheckpointError(`${where}: tensor '${name}' is ${t.dtype}, expected ${DTYPES.join(' or ')}`);
    }
  }
  const { data, specs } = await tf.io.encodeWeights(c.tensors);
  const weights = specs.map(({ name, shape, dtype }) => ({ name, shape: [...shape], dtype: dtype as CheckpointDtype }));
  const weightData = new Uint8Array(data);
  const bad = findNonFinite(data, weights);
  if (bad) throw new CheckpointError(`${where}: ${bad}`);
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    kind: c.kind,
    ...(c.createdBy !== undefined && { createdBy: c.createdBy }),
    ...(c.createdAt !== undefined && { createdAt: c.createdAt }),
    config: toJson(c.config, 'config', where),
    data: c.data === undefined ? null : toJson(c.data, 'data', where),
    training: c.training === undefined ? null : toJson(c.training, 'training', where),
    weightsManifest: [{ paths: [CHECKPOINT_WEIGHTS_FILE], weights }],
    checksum: { algorithm: 'crc32', value: crc32Hex(weightData), bytes: weightData.length },
  };
  return { json, weightData };
}

/**
 * Validates a parsed `model.json` without its weights: object, format, formatVersion (newer ones
 * are refused naming both versions), kind (against `expect.kind`), config, manifest (names, shapes,
 * dtypes, plain file names as paths) and checksum fields. Lets a reader learn which files to load.
 * @throws {@link CheckpointError} prefixed with `expect.source`, saying what was expected.
 */
export function readCheckpointHeader(json: unknown, expect: CheckpointExpectation = {}): CheckpointJson {
  const source = expect.source ?? 'checkpoint';
  const fail = (message: string): never => {
    throw new CheckpointError(`${source}: ${message}`);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(`model.json is not a JSON object (got ${typeName(json)}); expected a ${CHECKPOINT_FORMAT} model.json`);
  }
  const j = json as Record<string, unknown>;
  if (j.format !== CHECKPOINT_FORMAT) {
    fail(
      j.format === undefined
        ? `not a seqgen checkpoint: 'format' is missing, expected "${CHECKPOINT_FORMAT}"`
        : `not a seqgen checkpoint: format is ${show(j.format)}, expected "${CHECKPOINT_FORMAT}"`,
    );
  }
  const version = j.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    fail(`'formatVersion' is ${show(version)}, expected a positive integer (this version of @seqgen/core reads up to ${CHECKPOINT_FORMAT_VERSION})`);
  }
  if ((version as number) > CHECKPOINT_FORMAT_VERSION) {
    fail(
      `checkpoint formatVersion ${String(version)} is newer than this version of @seqgen/core reads ` +
        `(formatVersion ${CHECKPOINT_FORMAT_VERSION}); upgrade @seqgen/core to load it`,
    );
  }
  if (typeof j.kind !== 'string' || j.kind === '') fail(`'kind' is ${show(j.kind)}, expected a non-empty string`);
  const kind = j.kind as string;
  if (expect.kind !== undefined) {
    const kinds = typeof expect.kind === 'string' ? [expect.kind] : expect.kind;
    if (!kinds.includes(kind)) {
      const wanted = kinds.length === 1 ? `"${kinds[0]}"` : `one of ${kinds.map((k) => `"${k}"`).join(', ')}`;
      fail(`checkpoint kind is "${kind}", expected ${wanted}`);
    }
  }
  if (!('config' in j) || j.config === null) fail(`'config' is missing`);
  for (const field of ['createdBy', 'createdAt'] as const) {
    if (j[field] !== undefined && typeof j[field] !== 'string') fail(`'${field}' is ${show(j[field])}, expected a string`);
  }

  const manifest = j.weightsManifest;
  if (!Array.isArray(manifest)) {
    fail(`'weightsManifest' is ${show(manifest)}, expected an array like [{ "paths": ["${CHECKPOINT_WEIGHTS_FILE}"], "weights": [...] }]`);
  }
  const names = new Set<string>();
  (manifest as unknown[]).forEach((group, gi) => {
    const at = `weightsManifest[${gi}]`;
    if (typeof group !== 'object' || group === null) return fail(`${at} is ${show(group)}, expected an object with 'paths' and 'weights'`);
    const { paths, weights } = group as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.length === 0) fail(`${at}.paths is ${show(paths)}, expected a non-empty array of file names`);
    (paths as unknown[]).forEach((p, pi) => {
      if (typeof p !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(p)) {
        fail(`${at}.paths[${pi}] is ${show(p)}, expected a plain file name in the checkpoint directory (like "${CHECKPOINT_WEIGHTS_FILE}")`);
      }
    });
    if (!Array.isArray(weights)) return fail(`${at}.weights is ${show(weights)}, expected an array of { name, shape, dtype }`);
    (weights as unknown[]).forEach((w, wi) => {
      const wat = `${at}.weights[${wi}]`;
      if (typeof w !== 'object' || w === null) return fail(`${wat} is ${show(w)}, expected { name, shape, dtype }`);
      const { name, shape, dtype, quantization } = w as Record<string, unknown>;
      if (typeof name !== 'string' || name === '') return fail(`${wat}.name is ${show(name)}, expected a non-empty string`);
      const label = `${wat} ('${name}')`;
      if (names.has(name)) fail(`${label}: the name appears twice in the manifest`);
      names.add(name);
      if (typeof dtype !== 'string' || !DTYPES.includes(dtype)) fail(`${label}: dtype is ${show(dtype)}, expected ${DTYPES.map((d) => `"${d}"`).join(' or ')}`);
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
        fail(`${label}: shape is ${show(shape)}, expected an array of non-negative integers`);
      }
      if (quantization !== undefined) fail(`${label}: quantized weights are not supported (expected plain ${String(dtype)})`);
      return undefined;
    });
    return undefined;
  });

  const checksum = j.checksum as Record<string, unknown> | undefined;
  if (typeof checksum !== 'object' || checksum === null) {
    fail(`'checksum' is ${show(checksum)}, expected { "algorithm": "crc32", "value": "<8 hex digits>", "bytes": <n> }`);
  }
  const c = checksum as Record<string, unknown>;
  if (c.algorithm !== 'crc32') fail(`checksum.algorithm is ${show(c.algorithm)}, expected "crc32"`);
  if (typeof c.value !== 'string' || !/^[0-9a-f]{8}$/.test(c.value)) fail(`checksum.value is ${show(c.value)}, expected 8 lowercase hex digits`);
  if (typeof c.bytes !== 'number' || !Number.isInteger(c.bytes) || c.bytes < 0) {
    fail(`checksum.bytes is ${show(c.bytes)}, expected a non-negative integer`);
  }
  const described = manifestBytes(json as CheckpointJson);
  if (c.bytes !== described) {
    fail(`checksum.bytes is ${String(c.bytes)}, but the manifest describes ${described} bytes: model.json is inconsistent`);
  }
  return json as CheckpointJson;
}

/**
 * Decodes `model.json` (parsed) and the weight bytes (all manifest paths concatenated) into
 * tensors, after validating the header ({@link readCheckpointHeader}), the byte count, the CRC-32
 * and that every float32 value is finite.
 * @param expect - `kind`: accepted kind(s); `source`: the file path or URL named in errors.
 * @throws {@link CheckpointError} naming the source and what was expected; no tensor is created then.
 */
export function decodeCheckpoint(json: unknown, weightData: Uint8Array, expect: CheckpointExpectation = {}): DecodedCheckpoint {
  const header = readCheckpointHeader(json, expect);
  const source = expect.source ?? 'checkpoint';
  const files = header.weightsManifest.flatMap((g) => g.paths).join(' + ');
  const specs = header.weightsManifest.flatMap((g) => g.weights);
  const described = header.checksum.bytes;
  if (weightData.length !== described) {
    throw new CheckpointError(
      `${source}: ${files} has ${weightData.length} bytes, but model.json describes ${described} bytes ` +
        `(${specs.length} tensors): ${weightData.length < described ? 'truncated' : 'mismatched'} weights`,
    );
  }
  const crc = crc32Hex(weightData);
  if (crc !== header.checksum.value) {
    throw new CheckpointError(
      `${source}: ${files} is corrupt: crc32 is ${crc}, expected ${header.checksum.value} (from model.json); ` +
        `the weights do not belong to this model.json or were damaged`,
    );
  }
  const buffer =
    weightData.byteOffset === 0 && weightData.byteLength === weightData.buffer.byteLength && weightData.buffer instanceof ArrayBuffer
      ? weightData.buffer
      : new Uint8Array(weightData).buffer;
  const bad = findNonFinite(buffer, specs);
  if (bad) throw new CheckpointError(`${source}: ${bad}`);
  const tensors = tf.io.decodeWeights(buffer, specs);
  return {
    kind: header.kind,
    formatVersion: header.formatVersion,
    config: header.config,
    data: header.data ?? undefined,
    training: header.training ?? undefined,
    createdBy: header.createdBy,
    createdAt: header.createdAt,
    tensors,
  };
}

/** Splits a checkpoint's tensors into model parameters and optimiser state (`optimizer/…`). */
export function splitCheckpointTensors(tensors: Record<string, tf.Tensor>): {
  params: Record<string, tf.Tensor>;
  optimizer: Record<string, tf.Tensor>;
} {
  const params: Record<string, tf.Tensor> = {};
  const optimizer: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) (name.startsWith(OPTIMIZER_STATE_PREFIX) ? optimizer : params)[name] = t;
  return { params, optimizer };
}

function manifestBytes(json: CheckpointJson): number {
  let bytes = 0;
  for (const g of json.weightsManifest) for (const w of g.weights) bytes += 4 * w.shape.reduce((a, b) => a * b, 1);
  return bytes;
}

/** Describes the first non-finite float32 value, or returns undefined. */
function findNonFinite(buffer: ArrayBuffer, specs: readonly CheckpointWeightSpec[]): string | undefined {
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'float32') {
      const values = new Float32Array(buffer, offset, size);
      for (let i = 0; i < size; i++) {
        const v = values[i] as number;
        if (!Number.isFinite(v)) {
          return `tensor '${spec.name}' (float32 [${spec.shape}]) holds a non-finite value (${v}) at flat index ${i}; expected finite weights`;
        }
      }
    }
    offset += 4 * size;
  }
  return undefined;
}

function toJson(value: unknown, field: string, where: string): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new CheckpointError(`${where}: '${field}' is not JSON-serialisable: ${(error as Error).message}`, { cause: error });
  }
  if (text === undefined) throw new CheckpointError(`${where}: '${field}' is not JSON-serialisable (${typeName(value)})`);
  return JSON.parse(text) as unknown;
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
