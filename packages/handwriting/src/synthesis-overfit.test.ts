import '@seqgen/core/train';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createOptimizer, createRng, SeqgenError } from '@seqgen/core';
import type { HandwritingLine } from '@seqgen/datasets';
import { makeBatch } from './batch.js';
import { FastNet } from './fast-net.js';
import { HandwritingModel } from './handwriting-model.js';
import { synthesize } from './sample.js';
import { evaluate, trainStep } from './train.js';

const alphabet = ['#', ' ', 'a', 'b', 'c'];
const PER_CHAR = 5;
/** Each character is drawn as PER_CHAR points in its own direction; the pen lifts after each character. */
const shapes: Record<string, [number, number]> = { a: [1, 0], b: [0, 1], c: [-1, -1], ' ': [2, 0] };

function line(text: string): HandwritingLine {
  const offsets: number[] = [0, 0, 0];
  for (const ch of text) {
    const [dx, dy] = shapes[ch] as [number, number];
    for (let k = 0; k < PER_CHAR; k++) offsets.push(dx, dy, k === PER_CHAR - 1 ? 1 : 0);
  }
  return { id: text, text, split: 'train', offsets: Float32Array.from(offsets) };
}

describe('a tiny synthesis network', () => {
  it('overfits two lines and reproduces their text alignment; writing stops at the end of the text', async () => {
    await tf.setBackend('cpu');
    const lines = [line('abcab'), line('cbac ba')];
    const model = new HandwritingModel(
      { task: 'synthesis', hiddenSizes: [24], mixtures: 2, windowMixtures: 2, alphabet, outputClip: 100, lstmClip: 10, kappaBiasInit: -Math.log(PER_CHAR) },
      createRng(11),
    );
    const optimizer = createOptimizer({ name: 'adam', learningRate: 0.03 });
    const batch = makeBatch(lines, alphabet);
    const first = trainStep(model, optimizer, batch).lossPerPoint;
    let last = first;
    for (let i = 0; i < 150; i++) last = trainStep(model, optimizer, batch).lossPerPoint;
    // Offsets are exact (σ can shrink): the per-point loss falls from ≈ 3 nats to well below 0.
    expect(first).toBeGreaterThan(1.5);
    expect(last).toBeLessThan(-1);
    const report = evaluate(model, lines);
    expect(report.nllPerPoint).toBeLessThan(-1);
    // Teacher-forced predictions (mixture means) are close to the points: SSE under a fifth of that of predicting zero offsets.
    const zeroSse = lines.reduce((s, l) => s + l.offsets.reduce((a, v, i) => a + (i % 3 === 2 ? 0 : v * v), 0), 0) / lines.length;
    expect(report.ssePerSequence).toBeLessThan(0.2 * zeroSse);

    // Alignment: the window's strongest weight moves monotonically through every character, always within one
    // character of the one being drawn, and on exactly that character most of the time.
    const fwd = model.forward(batch);
    const phi = (await fwd.phi!.array()) as number[][][];
    for (const [b, l] of lines.entries()) {
      let agree = 0;
      const seq: number[] = [];
      const T = l.offsets.length / 3;
      for (let t = 1; t < T; t++) {
        const row = phi[t]![b]!.slice(0, l.text.length);
        const argmax = row.indexOf(Math.max(...row));
        // Step t's target is offsets point t, which belongs to character floor((t − 1) / PER_CHAR) (point 0 is the first contact).
        if (argmax === Math.floor((t - 1) / PER_CHAR)) agree++;
        seq.push(argmax);
      }
      const truth = seq.map((_, i) => Math.floor(i / PER_CHAR));
      expect(seq.every((a, i) => i === 0 || a >= (seq[i - 1] as number))).toBe(true);
      expect(new Set(seq).size).toBe(l.text.length);
      expect(seq.every((a, i) => Math.abs(a - (truth[i] as number)) <= 1)).toBe(true);
      expect(agree / (T - 1)).toBeGreaterThan(0.55);
    }
    tf.dispose([fwd.yHat, fwd.phi!, fwd.kappa!]);

    // Writing with a large bias: the stop rule ends it at the end of the text, after about as many points as the line.
    const net = new FastNet(model.config, model.weights());
    for (const l of lines) {
      const r = synthesize(net, l.text, { bias: 5, rng: createRng(1) });
      expect(r.stop).toBe('window');
      expect(r.lastCharacter).toBeGreaterThanOrEqual(l.text.length - 1);
      expect(Math.abs(r.steps - l.text.length * PER_CHAR)).toBeLessThanOrEqual(PER_CHAR);
    }
    // Unsupported characters: a clear error naming them and the supported set.
    expect(() => synthesize(net, 'ab7', { rng: createRng(1) })).toThrow(SeqgenError);
    expect(() => synthesize(net, 'ab7', { rng: createRng(1) })).toThrow(/"7".*Supported \(5\)/);
    expect(synthesize(net, 'ab7', { rng: createRng(1), unknown: 'map', bias: 5 }).windowText).toBe('ab7');
    model.dispose();
    optimizer.dispose();
  });
});
