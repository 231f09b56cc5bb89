import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs-core';
import { SeqgenError } from '@seqgen/core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend, packageVersion, parseBackendName, selftest } from './backend.js';
import { main } from './main.js';

const banner = 'Hi, looks like you are running TensorFlow.js in Node.js';
const cliVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const hasTfjsNode = packageVersion('@tensorflow/tfjs-node') !== undefined;

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

// Kept first: the cpu backend prints its banner on its first tensor write in this process.
describe('cpu banner', () => {
  it('is suppressed by initBackend, and would print otherwise', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await initBackend({ requested: 'cpu' });
      tf.tensor1d([1, 2, 3]).dispose();
      expect(warn.mock.calls.some((args) => String(args[0]).includes(banner))).toBe(false);
      // Control: re-arm the private flag initBackend clears; the banner must then appear.
      (tf.findBackend('cpu') as unknown as { firstUse: boolean }).firstUse = true;
      tf.tensor1d([4]).dispose();
      expect(warn.mock.calls.some((args) => String(args[0]).includes(banner))).toBe(true);
    } finally {
      warn.mockRestore();
    }
  });
});

describe('parseBackendName', () => {
  it('accepts the three names case-insensitively and node aliases', () => {
    expect(parseBackendName('WASM', 'x')).toBe('wasm');
    expect(parseBackendName(' cpu ', 'x')).toBe('cpu');
    expect(parseBackendName('node', 'x')).toBe('tensorflow');
    expect(parseBackendName('tfjs-node', 'x')).toBe('tensorflow');
  });
  it('rejects an unknown name with a BackendError naming it, its source and the choices', () => {
    expect(() => parseBackendName('webgl', '--backend')).toThrow(
      /unknown backend 'webgl' \(from --backend\); expected one of tensorflow, wasm, cpu/,
    );
    let caught: unknown;
    try {
      parseBackendName('gpu', 'SEQGEN_BACKEND');
    } catch (error) {
      caught = error;
    }
    expect(SeqgenError.isInstance(caught) && caught.code).toBe('backend');
  });
});

describe('initBackend', () => {
  it('honours the flag over the environment', async () => {
    const info = await initBackend({ requested: 'cpu', env: { SEQGEN_BACKEND: 'wasm' } });
    expect(info).toMatchObject({ name: 'cpu', source: 'flag', threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    expect(info.versions['@tensorflow/tfjs-core']).toBe(tf.version_core);
    expect(info.versions['@tensorflow/tfjs-backend-cpu']).toBe(tf.version_core);
    expect(info.versions.node).toBe(process.versions.node);
  });

  it('reads SEQGEN_BACKEND and SEQGEN_THREADS (1: the single-threaded wasm build)', async () => {
    // Threaded wasm is tested in a child process (wasm-threads.test.ts): backend init is once per process.
    const info = await initBackend({ env: { SEQGEN_BACKEND: 'wasm', SEQGEN_THREADS: '1' } });
    expect(info).toMatchObject({ name: 'wasm', source: 'env', threads: 1 });
    expect(tf.getBackend()).toBe('wasm');
    expect(typeof info.simd).toBe('boolean');
    expect(info.threadsNote).toMatch(/^single-threaded wasm build: /);
    expect(info.versions['@tensorflow/tfjs-backend-wasm']).toBe(tf.version_core);
  });

  it.skipIf(hasTfjsNode)('fails loudly when tfjs-node is requested but not installed', async () => {
    const attempt = initBackend({ requested: 'tensorflow', env: {} });
    await expect(attempt).rejects.toThrow(/backend 'tensorflow' was requested \(--backend\) but could not be loaded: .*tfjs-node/);
    await expect(attempt).rejects.toMatchObject({ code: 'backend', name: 'BackendError' });
  });

  it.skipIf(hasTfjsNode)('without a request, skips tfjs-node (reporting why) and picks wasm', async () => {
    const skipped: string[] = [];
    const info = await initBackend({ env: {}, onSkip: (name, reason) => skipped.push(`${name}: ${String(reason)}`) });
    expect(info).toMatchObject({ name: 'wasm', source: 'auto' });
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^tensorflow: .*tfjs-node/);
  });
});

describe('selftest', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`computes grad sum(x*x) at [1, 2] = [2, 4] on ${backend}`, async () => {
      await initBackend({ requested: backend });
      const before = tf.memory().numTensors;
      const result = await selftest();
      expect(result).toMatchObject({ backend, grad: [2, 4], expected: [2, 4], maxError: 0, ok: true });
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('commands', () => {
  it('seqgen info --json reports backend, threads and versions', async () => {
    const out = collector();
    const err = collector();
    const code = await main(['info', '--json', '--backend', 'cpu'], { out: out.stream, err: err.stream });
    expect(code).toBe(0);
    const json = JSON.parse(out.text()) as Record<string, unknown> & { versions: Record<string, string> };
    expect(json).toMatchObject({ backend: 'cpu', source: 'flag', threads: 1 });
    expect(json.versions['@seqgen/core']).toBe(packageVersion('@seqgen/core'));
    expect(json.versions['@seqgen/cli']).toBe(cliVersion);
    expect(json.versions['@tensorflow/tfjs-layers']).toBe(tf.version_core);
  });

  it('seqgen info with an unknown backend exits 1 with the reason', async () => {
    const out = collector();
    const err = collector();
    const code = await main(['info', '--backend', 'webgpu'], { out: out.stream, err: err.stream });
    expect(code).toBe(1);
    expect(err.text()).toContain("unknown backend 'webgpu' (from --backend)");
  });

  it('seqgen selftest prints the gradient and exits 0', async () => {
    const out = collector();
    const err = collector();
    const code = await main(['selftest', '--backend', 'wasm'], { out: out.stream, err: err.stream });
    expect(code).toBe(0);
    expect(out.text()).toContain('selftest on wasm: grad of sum(x*x) at [1, 2] = [2, 4] (expected [2, 4]) ok');
  });
});
