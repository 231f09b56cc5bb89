import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeaks } from '@seqgen/test-utils';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../errors.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_FORMAT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  splitCheckpointTensors,
  type CheckpointContent,
  type CheckpointJson,
} from './checkpoint.js';
import { crc32Hex } from './crc32.js';
import { createOptimizer } from './optimizers.js';

const SOURCE = 'runs/x/checkpoint/model.json';

function content(): CheckpointContent {
  const kernel = new Float32Array([0.1, -0.2, 3.4028234663852886e38, -0, 1e-45, 1 / 3]);
  return {
    kind: 'text-char',
    createdBy: '@seqgen/cli 0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    config: { hiddenSizes: [8], vocabSize: 3 },
    data: { alphabet: [' ', 'a', 'b'] },
    training: { step: 12, optimizer: { name: 'sgd', learningRate: 1e-4 }, rngState: 2654435769 },
    tensors: {
      'lstm/0/kernel': tf.tensor2d(kernel, [2, 3]),
      'lstm/0/bias': tf.tensor1d([0.5, -0.25]),
      'optimizer/step': tf.scalar(12, 'int32'),
    },
  };
}

/** An encoded checkpoint as it would come back from disk (JSON text parsed again). */
async function encoded(c = content()): Promise<{ json: CheckpointJson; weightData: Uint8Array }> {
  const { json, weightData } = await encodeCheckpoint(c);
  return { json: JSON.parse(JSON.stringify(json)) as CheckpointJson, weightData };
}

function expectFailure(json: unknown, weightData: Uint8Array, message: string, kind?: string | string[]): void {
  let caught: unknown;
  const before = tf.memory().numTensors;
  try {
    decodeCheckpoint(json, weightData, { source: SOURCE, ...(kind !== undefined && { kind }) });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  expect((caught as Error).message).toBe(`${SOURCE}: ${message}`);
  expect(tf.memory().numTensors).toBe(before);
}

describe('checkpoint encode/decode', () => {
  it('writes the documented model.json', async () => {
    const { json, weightData } = await encodeCheckpoint(content());
    expect(weightData.length).toBe(4 * (6 + 2 + 1));
    expect(json).toEqual({
      format: CHECKPOINT_FORMAT,
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      kind: 'text-char',
      createdBy: '@seqgen/cli 0.1.0',
      createdAt: '2025-01-01T00:00:00.000Z',
      config: { hiddenSizes: [8], vocabSize: 3 },
      data: { alphabet: [' ', 'a', 'b'] },
      training: { step: 12, optimizer: { name: 'sgd', learningRate: 1e-4 }, rngState: 2654435769 },
      weightsManifest: [
        {
          paths: ['weights.bin'],
          weights: [
            { name: 'lstm/0/kernel', shape: [2, 3], dtype: 'float32' },
            { name: 'lstm/0/bias', shape: [2], dtype: 'float32' },
            { name: 'optimizer/step', shape: [], dtype: 'int32' },
          ],
        },
      ],
      checksum: { algorithm: 'crc32', value: crc32Hex(weightData), bytes: 36 },
    });
  });

  it('round-trips bit-exactly (including -0, subnormals, float max, int32) with metadata', async () => {
    const c = content();
    const { json, weightData } = await encoded(c);
    const decoded = decodeCheckpoint(json, weightData, { kind: ['text-char', 'text-word'], source: SOURCE });
    expect(decoded.kind).toBe('text-char');
    expect(decoded.formatVersion).toBe(1);
    expect(decoded.config).toEqual(c.config);
    expect(decoded.data).toEqual(c.data);
    expect(decoded.training).toEqual(c.training);
    expect(decoded.createdBy).toBe('@seqgen/cli 0.1.0');
    expect(Object.keys(decoded.tensors)).toEqual(Object.keys(c.tensors));
    for (const [name, t] of Object.entries(c.tensors)) {
      const back = decoded.tensors[name] as tf.Tensor;
      expect(back.shape).toEqual(t.shape);
      expect(back.dtype).toBe(t.dtype);
      expect(new Uint32Array((back.dataSync() as Float32Array).buffer.slice(0))).toEqual(
        new Uint32Array((t.dataSync() as Float32Array).buffer.slice(0)),
      );
    }
    expect(Object.is((decoded.tensors['lstm/0/kernel']?.dataSync() ?? [])[3], -0)).toBe(true);
  });

  it('absent data/training decode as undefined; an unaligned Uint8Array view decodes', async () => {
    const { json, weightData } = await encoded({ kind: 'k', config: {}, tensors: { w: tf.tensor1d([1, 2]) } });
    expect(json.data).toBeNull();
    const padded = new Uint8Array(weightData.length + 1);
    padded.set(weightData, 1);
    const decoded = decodeCheckpoint(json, padded.subarray(1));
    expect(decoded.data).toBeUndefined();
    expect(decoded.training).toBeUndefined();
    expect(Array.from(decoded.tensors.w?.dataSync() ?? [])).toEqual([1, 2]);
  });

  it('round-trips optimiser state into an exact resume', async () => {
    const w = tf.variable(tf.tensor1d([1, -1]));
    const opt = createOptimizer({ name: 'graves-rmsprop', learningRate: 0.1 });
    opt.apply({ w: tf.tensor1d([1, 0.5]) }, { w });
    const { json, weightData } = await encoded({ kind: 'k', config: {}, tensors: { w, ...opt.getState() } });
    const { params, optimizer } = splitCheckpointTensors(decodeCheckpoint(json, weightData).tensors);
    expect(Object.keys(params)).toEqual(['w']);
    expect(Object.keys(optimizer).sort()).toEqual(['optimizer/step', 'optimizer/w/delta', 'optimizer/w/g', 'optimizer/w/n']);
    const resumed = createOptimizer({ name: 'graves-rmsprop', learningRate: 0.1 });
    const w2 = tf.variable(params.w as tf.Tensor);
    resumed.setState(optimizer, { w: w2 });
    opt.apply({ w: tf.tensor1d([0.3, 0.2]) }, { w });
    resumed.apply({ w: tf.tensor1d([0.3, 0.2]) }, { w: w2 });
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w.dataSync()));
  });

  it('decode leaves no tensors but its result; encode leaves none', async () => {
    const c = content();
    const { json, weightData } = await encoded(c);
    await expectNoLeaks(async () => {
      await encodeCheckpoint(c);
      tf.dispose(Object.values(decodeCheckpoint(json, weightData).tensors));
    });
  });
});

describe('checkpoint decode errors', () => {
  it('not an object', async () => {
    const { weightData } = await encoded();
    expectFailure(null, weightData, 'model.json is not a JSON object (got null); expected a seqgen-checkpoint model.json');
    expectFailure([1], weightData, 'model.json is not a JSON object (got an array); expected a seqgen-checkpoint model.json');
  });

  it('wrong format', async () => {
    const { json, weightData } = await encoded();
    expectFailure({ ...json, format: 'layers-model' }, weightData, 'not a seqgen checkpoint: format is "layers-model", expected "seqgen-checkpoint"');
    const { format: _omit, ...noFormat } = json;
    expectFailure(noFormat, weightData, `not a seqgen checkpoint: 'format' is missing, expected "seqgen-checkpoint"`);
  });

  it('newer formatVersion names both versions; a bad one says what is expected', async () => {
    const { json, weightData } = await encoded();
    expectFailure(
      { ...json, formatVersion: 2 },
      weightData,
      'checkpoint formatVersion 2 is newer than this version of @seqgen/core reads (formatVersion 1); upgrade @seqgen/core to load it',
    );
    expectFailure({ ...json, formatVersion: '1' }, weightData, `'formatVersion' is "1", expected a positive integer (this version of @seqgen/core reads up to 1)`);
  });

  it('wrong kind names both', async () => {
    const { json, weightData } = await encoded();
    expectFailure(json, weightData, 'checkpoint kind is "text-char", expected "handwriting-synthesis"', 'handwriting-synthesis');
    expectFailure(
      json,
      weightData,
      'checkpoint kind is "text-char", expected one of "handwriting-prediction", "handwriting-synthesis"',
      ['handwriting-prediction', 'handwriting-synthesis'],
    );
  });

  it('manifest/bytes length mismatch (truncated or extra weights)', async () => {
    const { json, weightData } = await encoded();
    expectFailure(json, weightData.subarray(0, 30), 'weights.bin has 30 bytes, but model.json describes 36 bytes (3 tensors): truncated weights');
    expectFailure(json, new Uint8Array(40), 'weights.bin has 40 bytes, but model.json describes 36 bytes (3 tensors): mismatched weights');
    const shapes = structuredClone(json);
    shapes.weightsManifest[0]!.weights[1]!.shape = [3];
    expectFailure(shapes, weightData, "checksum.bytes is 36, but the manifest describes 40 bytes: model.json is inconsistent");
  });

  it('checksum mismatch', async () => {
    const { json, weightData } = await encoded();
    const flipped = weightData.slice();
    flipped[5] = (flipped[5] as number) ^ 0x01;
    expectFailure(
      json,
      flipped,
      `weights.bin is corrupt: crc32 is ${crc32Hex(flipped)}, expected ${json.checksum.value} (from model.json); ` +
        'the weights do not belong to this model.json or were damaged',
    );
    expectFailure({ ...json, checksum: { ...json.checksum, algorithm: 'md5' } }, weightData, 'checksum.algorithm is "md5", expected "crc32"');
    const { checksum: _omit, ...noChecksum } = json;
    expectFailure(noChecksum, weightData, `'checksum' is missing, expected { "algorithm": "crc32", "value": "<8 hex digits>", "bytes": <n> }`);
  });

  it('bad dtype, shape, name or path', async () => {
    const { json, weightData } = await encoded();
    const edit = (f: (j: CheckpointJson) => void): CheckpointJson => {
      const copy = structuredClone(json);
      f(copy);
      return copy;
    };
    expectFailure(
      edit((j) => ((j.weightsManifest[0]!.weights[1] as { dtype: string }).dtype = 'float16')),
      weightData,
      `weightsManifest[0].weights[1] ('lstm/0/bias'): dtype is "float16", expected "float32" or "int32"`,
    );
    expectFailure(
      edit((j) => (j.weightsManifest[0]!.weights[0]!.shape = [2, -3])),
      weightData,
      `weightsManifest[0].weights[0] ('lstm/0/kernel'): shape is [2,-3], expected an array of non-negative integers`,
    );
    expectFailure(
      edit((j) => (j.weightsManifest[0]!.weights[1]!.name = 'lstm/0/kernel')),
      weightData,
      `weightsManifest[0].weights[1] ('lstm/0/kernel'): the name appears twice in the manifest`,
    );
    expectFailure(
      edit((j) => (j.weightsManifest[0]!.paths = ['../secret.bin'])),
      weightData,
      `weightsManifest[0].paths[0] is "../secret.bin", expected a plain file name in the checkpoint directory (like "weights.bin")`,
    );
  });

  it('non-finite values', async () => {
    const { json, weightData } = await encoded();
    const bytes = weightData.slice();
    new Float32Array(bytes.buffer, 24, 2)[1] = Number.NaN; // lstm/0/bias[1]
    const fixed = { ...json, checksum: { ...json.checksum, value: crc32Hex(bytes) } };
    expectFailure(fixed, bytes, `tensor 'lstm/0/bias' (float32 [2]) holds a non-finite value (NaN) at flat index 1; expected finite weights`);
  });
});

describe('checkpoint encode errors', () => {
  it('refuses non-finite values, bad dtypes, empty kind and missing config', async () => {
    const reject = (c: CheckpointContent): Promise<unknown> => expect(encodeCheckpoint(c)).rejects.toBeInstanceOf(CheckpointError);
    await expect(encodeCheckpoint({ kind: 'k', config: {}, tensors: { w: tf.tensor1d([1, Infinity]) } })).rejects.toThrow(
      "cannot save checkpoint: tensor 'w' (float32 [2]) holds a non-finite value (Infinity) at flat index 1; expected finite weights",
    );
    await expect(encodeCheckpoint({ kind: 'k', config: {}, tensors: { b: tf.tensor1d([true], 'bool') } })).rejects.toThrow(
      "cannot save checkpoint: tensor 'b' is bool, expected float32 or int32",
    );
    await reject({ kind: '', config: {}, tensors: {} });
    await expect(encodeCheckpoint({ kind: 'k', config: undefined, tensors: {} })).rejects.toThrow("cannot save checkpoint: 'config' is missing");
    await expect(encodeCheckpoint({ kind: 'k', config: { n: 1n }, tensors: {} })).rejects.toThrow("'config' is not JSON-serialisable");
  });
});
