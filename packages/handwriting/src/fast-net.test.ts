import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRng } from '@seqgen/core';
import type { HandwritingLine } from '@seqgen/datasets';
import { makeBatch } from './batch.js';
import { FastNet } from './fast-net.js';
import { HandwritingModel } from './handwriting-model.js';
import type { HandwritingModelConfig } from './model-config.js';

const alphabet = ['#', ' ', 'a', 'b', 'c'];

function randomLine(rng: ReturnType<typeof createRng>, points: number, text: string): HandwritingLine {
  const offsets = new Float32Array(points * 3);
  for (let t = 1; t < points; t++) {
    offsets[3 * t] = rng.normal();
    offsets[3 * t + 1] = rng.normal();
    offsets[3 * t + 2] = rng.next() < 0.2 ? 1 : 0;
  }
  return { id: `l${points}`, text, split: 'train', offsets };
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`FastNet matches the tfjs forward pass (${backend})`, () => {
    for (const task of ['prediction', 'synthesis'] as const) {
      it(`${task}: ŷ and φ agree step by step (2 layers with skips, peepholes)`, async () => {
        await tf.setBackend(backend);
        const config: HandwritingModelConfig = {
          task,
          hiddenSizes: [7, 5],
          mixtures: 3,
          windowMixtures: 2,
          alphabet: task === 'synthesis' ? alphabet : [],
          outputClip: 100,
          lstmClip: 10,
          kappaBiasInit: -1,
        };
        const model = new HandwritingModel(config, createRng(3));
        // Larger random weights than the init so every path matters.
        const rng = createRng(9);
        for (const v of Object.values(model.params)) {
          tf.tidy(() => v.assign(tf.add(v, tf.mul(tf.randomUniform(v.shape, -0.4, 0.4, 'float32', rng.nextSeed()), 1))));
        }
        const line = randomLine(createRng(5), 12, 'ab cab');
        const batch = makeBatch([line], task === 'synthesis' ? alphabet : null);
        const fwd = model.forward(batch);
        const yTf = (await fwd.yHat.data()) as Float32Array;
        const phiTf = fwd.phi ? ((await fwd.phi.data()) as Float32Array) : null;
        const net = new FastNet(config, model.weights());
        if (task === 'synthesis') net.setText(batch.texts[0] as Int32Array);
        const state = net.zeroState();
        const K = 1 + 6 * config.mixtures;
        const U = 6;
        let maxDiff = 0;
        for (let t = 0; t < batch.steps; t++) {
          const x = batch.inputs.subarray(3 * t, 3 * t + 3);
          const out = net.step(x, state);
          for (let j = 0; j < K; j++) maxDiff = Math.max(maxDiff, Math.abs((out.yHat[j] as number) - (yTf[t * K + j] as number)));
          if (phiTf) for (let u = 0; u < U; u++) maxDiff = Math.max(maxDiff, Math.abs((out.phi[u] as number) - (phiTf[t * U + u] as number)));
        }
        expect(maxDiff).toBeLessThan(2e-4);
        expect(maxDiff).toBeGreaterThanOrEqual(0);
        tf.dispose([fwd.yHat, fwd.phi, fwd.kappa].filter((t): t is tf.Tensor3D => t !== null));
        model.dispose();
      });
    }
  });
}
