/** A tiny synthesis network and random lines for the training tests (train-noise.test.ts, gradients.test.ts). */
import type { Rng } from '@seqgen/core';
import type { HandwritingLine } from '@seqgen/datasets';
import type { HandwritingModelConfig } from '../model-config.js';

export const tinySynthesisConfig: HandwritingModelConfig = {
  task: 'synthesis',
  hiddenSizes: [6, 5],
  mixtures: 2,
  windowMixtures: 2,
  alphabet: ['#', ' ', 'a', 'b'],
  outputClip: 100,
  lstmClip: 10,
  kappaBiasInit: -3,
};

/** A line of n random pen offsets (end of stroke with probability 0.3) and its text. */
export function randomLine(rng: Rng, n: number, text: string): HandwritingLine {
  return {
    id: text,
    text,
    split: 'train',
    offsets: Float32Array.from({ length: 3 * n }, (_, i) => (i % 3 === 2 ? (rng.next() < 0.3 ? 1 : 0) : rng.normal())),
  };
}
