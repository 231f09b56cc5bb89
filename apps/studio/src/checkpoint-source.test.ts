import { describe, expect, it } from 'vitest';
import { CheckpointError, SeqgenError, encodeCheckpoint } from '@seqgen/core';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { concatBytes, fetchCheckpoint, modelJsonUrl, pickCheckpointFiles, readCheckpointFiles, weightUrls, type NamedBlob } from './checkpoint-source.js';

const base = 'http://127.0.0.1:4173/studio/index.html?x=1';

async function tinyCheckpoint(): Promise<{ json: Awaited<ReturnType<typeof encodeCheckpoint>>['json']; weightData: Uint8Array }> {
  await tf.setBackend('cpu');
  const w = tf.tensor1d([1.5, -2, 3.25]);
  const encoded = await encodeCheckpoint({ kind: 'text-lm', config: { hiddenSizes: [1] }, tensors: { w } });
  w.dispose();
  return encoded;
}

function blob(name: string, content: string | Uint8Array): NamedBlob {
  return {
    name,
    text: async () => (typeof content === 'string' ? content : new TextDecoder().decode(content)),
    arrayBuffer: async () => (typeof content === 'string' ? new TextEncoder().encode(content) : content).slice().buffer,
  };
}

describe('modelJsonUrl', () => {
  it('appends model.json to a directory, with or without a slash, relative to the page', () => {
    expect(modelJsonUrl('ckpt/best', base)).toBe('http://127.0.0.1:4173/studio/ckpt/best/model.json');
    expect(modelJsonUrl(' ckpt/best/ ', base)).toBe('http://127.0.0.1:4173/studio/ckpt/best/model.json');
    expect(modelJsonUrl('/runs/x/model.json', base)).toBe('http://127.0.0.1:4173/runs/x/model.json');
    expect(modelJsonUrl('https://example.org/m/custom.json', base)).toBe('https://example.org/m/custom.json');
  });

  it('refuses an empty input with a CheckpointError', () => {
    expect(() => modelJsonUrl('  ', base)).toThrow(CheckpointError);
    expect(() => modelJsonUrl('', base)).toThrow(/checkpoint URL is empty/);
  });
});

describe('weightUrls and concatBytes', () => {
  it('resolves manifest paths next to model.json, in order', async () => {
    const { json } = await tinyCheckpoint();
    json.weightsManifest = [{ paths: ['a.bin', 'b.bin'], weights: json.weightsManifest[0]!.weights }];
    expect(weightUrls(json, 'http://h/c/best/model.json')).toEqual(['http://h/c/best/a.bin', 'http://h/c/best/b.bin']);
  });

  it('concatenates bytes in order', () => {
    expect(Array.from(concatBytes([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]))).toEqual([1, 2, 3]);
  });
});

describe('fetchCheckpoint', () => {
  it('fetches model.json then weights.bin from a directory URL', async () => {
    const { json, weightData } = await tinyCheckpoint();
    const seen: string[] = [];
    const fetcher = (async (url: string) => {
      seen.push(url);
      if (url.endsWith('model.json')) return new Response(JSON.stringify(json));
      if (url.endsWith('weights.bin')) return new Response(new Uint8Array(weightData));
      return new Response('nope', { status: 404, statusText: 'Not Found' });
    }) as typeof fetch;
    const bytes = await fetchCheckpoint('ckpt/', base, 'text-lm', fetcher);
    expect(seen).toEqual(['http://127.0.0.1:4173/studio/ckpt/model.json', 'http://127.0.0.1:4173/studio/ckpt/weights.bin']);
    expect(bytes.weightData.length).toBe(12);
    expect(Array.from(new Float32Array(bytes.weightData.slice().buffer))).toEqual([1.5, -2, 3.25]);
  });

  it('names the URL and the HTTP status of a missing file', async () => {
    const fetcher = (async () => new Response('', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch;
    await expect(fetchCheckpoint('ckpt', base, 'text-lm', fetcher)).rejects.toThrow(
      'http://127.0.0.1:4173/studio/ckpt/model.json: HTTP 404 Not Found',
    );
  });

  it('refuses another kind before downloading the weights', async () => {
    const { json } = await tinyCheckpoint();
    const seen: string[] = [];
    const fetcher = (async (url: string) => {
      seen.push(url);
      return new Response(JSON.stringify(json));
    }) as typeof fetch;
    const error = await fetchCheckpoint('c/', base, 'handwriting-synthesis', fetcher).catch((e: unknown) => e);
    expect(SeqgenError.isInstance(error)).toBe(true);
    expect(String(error)).toMatch(/kind/);
    expect(seen).toHaveLength(1);
  });
});

describe('checkpoint files', () => {
  it('picks model.json and the weight files its manifest names', async () => {
    const { json, weightData } = await tinyCheckpoint();
    const files = [blob('weights.bin', weightData), blob('notes.txt', 'x'), blob('model.json', JSON.stringify(json))];
    const bytes = await readCheckpointFiles(files, 'text-lm');
    expect(bytes.source).toBe('model.json + weights.bin');
    expect(bytes.weightData.length).toBe(12);
  });

  it('says which weight file is missing', async () => {
    const { json } = await tinyCheckpoint();
    await expect(readCheckpointFiles([blob('model.json', JSON.stringify(json))], 'text-lm')).rejects.toThrow(
      'selected files (model.json): model.json needs weights.bin, which was not selected',
    );
    expect(() => pickCheckpointFiles([{ name: 'weights.bin' }])).toThrow(/expected one model.json/);
  });

  it('reports invalid JSON with the file name', async () => {
    await expect(readCheckpointFiles([blob('model.json', '{oops')], 'text-lm')).rejects.toThrow(/^model.json: not valid JSON/);
  });
});
