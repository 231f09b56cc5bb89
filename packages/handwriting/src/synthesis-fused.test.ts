import '@seqgen/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createRng } from '@seqgen/core';
import type { HandwritingLine } from '@seqgen/datasets';
import { describeBackends, expectClose, expectNoLeaks } from '@seqgen/test-utils';
import { makeBatch } from './batch.js';
import { HandwritingModel, type ForwardOptions } from './handwriting-model.js';
import type { HandwritingModelConfig } from './model-config.js';

const alphabet = ['#', ' ', 'a', 'b', 'c'];

function config(lstmClip: number): HandwritingModelConfig {
  return { task: 'synthesis', hiddenSizes: [7, 5], mixtures: 3, windowMixtures: 2, alphabet, outputClip: 100, lstmClip, kappaBiasInit: -1.2 };
}

/** Three lines of different lengths (padding) and texts of different lengths (masked characters). */
function lines(): HandwritingLine[] {
  const rng = createRng(21);
  return ([[17, 'abc ab'], [11, 'ca'], [14, 'b cab']] as const).map(([n, text], i) => ({
    id: `l${i}`,
    text,
    split: 'train',
    offsets: Float32Array.from({ length: 3 * n }, (_, k) => (k % 3 === 2 ? (rng.next() < 0.25 ? 1 : 0) : rng.normal())),
  }));
}

interface Run {
  loss: number;
  grads: Record<string, Float32Array>;
  phi: Float32Array;
  kappa: Float32Array;
}

function run(model: HandwritingModel, options: ForwardOptions): Run {
  const batch = makeBatch(lines(), alphabet);
  const names = new Map(Object.entries(model.params).map(([name, v]) => [v.name, name]));
  const { value, grads } = tf.variableGrads(() => model.loss(batch, options).total, Object.values(model.params));
  const out: Run = { loss: value.dataSync()[0] as number, grads: {}, phi: new Float32Array(), kappa: new Float32Array() };
  for (const [v, g] of Object.entries(grads)) out.grads[names.get(v) ?? v] = g.dataSync() as Float32Array;
  tf.dispose([value, ...Object.values(grads)]);
  const f = model.forward(batch, options);
  out.phi = f.phi?.dataSync() as Float32Array;
  out.kappa = f.kappa?.dataSync() as Float32Array;
  tf.dispose([f.yHat, f.phi as tf.Tensor, f.kappa as tf.Tensor]);
  return out;
}

describeBackends(['cpu', 'wasm'], 'HandwritingModel synthesis: fused layer 1 + window', () => {
  // lstmClip 10 (paper) and 0.05, where the clip acts on many pre-activation errors.
  for (const clip of [10, 0.05]) {
    it(`gives the step-by-step path's loss, φ, κ and every parameter gradient (lstmClip ${clip})`, () => {
      const model = new HandwritingModel(config(clip), createRng(5));
      const fused = run(model, {});
      const stepwise = run(model, { synthesisPath: 'stepwise' });
      expect(Math.abs(fused.loss - stepwise.loss) / Math.abs(stepwise.loss)).toBeLessThan(1e-5);
      expectClose(fused.phi, stepwise.phi, { atol: 1e-6, rtol: 1e-5 });
      expectClose(fused.kappa, stepwise.kappa, { atol: 1e-6, rtol: 1e-5 });
      const names = Object.keys(model.params);
      expect(Object.keys(fused.grads).sort()).toEqual([...names].sort());
      for (const name of names) {
        const a = fused.grads[name] as Float32Array;
        const b = stepwise.grads[name] as Float32Array;
        const scale = Math.max(1, ...Array.from(b, Math.abs));
        expectClose(a, b, { atol: 1e-5 * scale, rtol: 1e-5 });
      }
      // The layer-1 and window gradients are real (not all zero), so the comparison means something.
      for (const name of ['lstm/0/wh', 'lstm/0/wextra', 'lstm/0/peep', 'window/w', 'window/b']) {
        expect(Math.max(...Array.from(fused.grads[name] as Float32Array, Math.abs)), name).toBeGreaterThan(1e-4);
      }
      model.dispose();
    });
  }

  it('a fused forward and gradient leave no tensors behind', async () => {
    const model = new HandwritingModel(config(10), createRng(6));
    const batch = makeBatch(lines(), alphabet);
    await expectNoLeaks(() => {
      const { value, grads } = tf.variableGrads(() => model.loss(batch).total, Object.values(model.params));
      tf.dispose([value, ...Object.values(grads)]);
      const f = model.forward(batch);
      tf.dispose([f.yHat, f.phi as tf.Tensor, f.kappa as tf.Tensor]);
    });
    model.dispose();
  });
});
