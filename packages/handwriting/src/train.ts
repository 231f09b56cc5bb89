/**
 * Training step and evaluation of the handwriting networks (Graves 2013 §4.2, §5): full-sequence training on
 * padded, masked batches; log-loss in nats per sequence and per point, and SSE.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError, mdnLogLikelihood, type Optimizer, type Rng } from '@seqgen/core';
import type { AdaptiveWeightNoise } from '@seqgen/core/train';
import type { HandwritingLine } from '@seqgen/datasets';
import { makeBatch, type HandwritingBatch } from './batch.js';
import type { HandwritingModel } from './handwriting-model.js';

/** What one training step reports. */
export interface TrainStepReport {
  /** Mean loss per line of the batch, nats (Eq. 26 per sequence). */
  lossPerSequence: number;
  /** Loss per real point, nats. */
  lossPerPoint: number;
  /** Global L2 norm of the (already clipped at ŷ and in the LSTM) gradient. */
  gradNorm: number;
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /**
   * Adaptive weight noise (Graves 2011; paper §2.6, used for the paper's 3-layer prediction and synthesis
   * nets): the loss is taken at w = μ + σε, the update covers μ (the model's parameters) and ln σ
   * ({@link AdaptiveWeightNoise.logStd}), and the complexity loss L_C / N joins the gradient.
   */
  noise?: { adaptive: AdaptiveWeightNoise; rng: Rng };
}

/**
 * One optimisation step on a batch: gradients of the per-sequence mean loss (derivative clipping inside the
 * model, §2.2) and one optimiser update. Needs gradient registration (`import '@seqgen/core/train'`).
 * With `options.noise` the loss is measured at noisy weights and the optimiser also updates the noise's
 * log-std variables (so the optimiser sees both sets of names).
 * @throws {@link ShapeError} when the loss is not finite (nothing is updated then).
 */
export function trainStep(model: HandwritingModel, optimizer: Optimizer, batch: HandwritingBatch, options: TrainStepOptions = {}): TrainStepReport {
  const byVariable = new Map(Object.entries(model.params).map(([name, v]) => [v.name, name]));
  const noise = options.noise;
  let points = 0;
  if (noise) noise.adaptive.perturb(model.params, noise.rng);
  let value: tf.Scalar;
  let grads: Record<string, tf.Tensor>;
  let named: Record<string, tf.Tensor> = {};
  try {
    ({ value, grads } = tf.variableGrads(() => {
      const l = model.loss(batch);
      points = l.points;
      return tf.div(l.total, batch.batch) as tf.Scalar;
    }, Object.values(model.params)));
    for (const [variableName, g] of Object.entries(grads)) named[byVariable.get(variableName) ?? variableName] = g;
    if (noise) {
      const atNoise = named;
      named = noise.adaptive.gradients(atNoise);
      tf.dispose(Object.values(atNoise));
    }
  } finally {
    if (noise) noise.adaptive.restore(model.params);
  }
  let loss: number;
  try {
    loss = (value.dataSync() as Float32Array)[0] as number;
  } catch (error) {
    tf.dispose(Object.values(named));
    throw error;
  } finally {
    value.dispose();
  }
  return applyStepGradients(optimizer, noise ? { ...model.params, ...noise.adaptive.logStd } : model.params, named, {
    lossPerSequence: loss,
    points,
    batchSize: batch.batch,
    where: 'trainStep',
  });
}

/**
 * The end of every update, shared by {@link trainStep} and {@link delegatedTrainStep} so both apply it
 * identically: the finite-loss check, the gradients' global L2 norm, one optimiser step, the report. Consumes
 * (disposes) `grads`, also when it throws.
 * @param variables - What the optimiser updates, by the names of `grads`.
 * @param loss - The batch's mean loss per line (nats), its real points and its line count B.
 * @throws {@link ShapeError} when the loss is not finite (nothing is updated then).
 */
export function applyStepGradients(
  optimizer: Optimizer,
  variables: Record<string, tf.Variable>,
  grads: Record<string, tf.Tensor>,
  loss: { lossPerSequence: number; points: number; batchSize: number; where: string },
): TrainStepReport {
  try {
    const { lossPerSequence, points, batchSize, where } = loss;
    if (!Number.isFinite(lossPerSequence)) throw new ShapeError(`${where}: the loss is ${lossPerSequence}; nothing was updated`);
    const gradNorm = tf.tidy(() => Math.sqrt(Object.values(grads).reduce((s, g) => s + (tf.sum(tf.square(g)).dataSync()[0] as number), 0)));
    optimizer.apply(grads, variables);
    return { lossPerSequence, lossPerPoint: (lossPerSequence * batchSize) / Math.max(1, points), gradNorm };
  } finally {
    tf.dispose(Object.values(grads));
  }
}

/** Evaluation result in the paper's units (Tables 3–4). */
export interface EvalReport {
  lines: number;
  points: number;
  /** Mean −log-likelihood per line, nats (the paper's "Log-Loss"). */
  nllPerSequence: number;
  /** Mean −log-likelihood per point, nats. */
  nllPerPoint: number;
  /**
   * Mean per line of Σ_t ‖(dx, dy)_{t+1} − E[(dx, dy) | y_t]‖² with the mixture mean Σ_j π_j μ_j, in the
   * normalised offset units (paper Table 3 "SSE"; its exact definition is not given, see docs/handwriting.md).
   */
  ssePerSequence: number;
  /** The same squared error per point (the paper's Table 3–4 "SSE = mean sum-squared error per data point"). */
  ssePerPoint: number;
}

/**
 * Evaluates on lines in batches (no gradients).
 * @param alphabet - The synthesis model's alphabet, or null for prediction.
 * @throws {@link ShapeError} on an empty line list.
 */
export function evaluate(
  model: HandwritingModel,
  lines: readonly HandwritingLine[],
  options: { batchSize?: number; maxSteps?: number; onBatch?: (done: number, total: number) => void } = {},
): EvalReport {
  if (lines.length === 0) throw new ShapeError('evaluate: no lines');
  const batchSize = options.batchSize ?? 32;
  const alphabet = model.config.task === 'synthesis' ? model.config.alphabet : null;
  const M = model.config.mixtures;
  let nll = 0;
  let sse = 0;
  let points = 0;
  for (let start = 0; start < lines.length; start += batchSize) {
    const batch = makeBatch(lines.slice(start, start + batchSize), alphabet, options.maxSteps);
    const [lossValue, sseValue] = tf.tidy(() => {
      const { yHat } = model.forward(batch);
      const { logLikelihood, sq } = ((): { logLikelihood: tf.Scalar; sq: tf.Scalar } => {
        const targets = tf.tensor3d(batch.targets, [batch.steps, batch.batch, 3]);
        const mask = tf.tensor2d(batch.mask, [batch.steps, batch.batch]);
        return { logLikelihood: lossOf(yHat, targets, mask), sq: sseOf(yHat, targets, mask, M) };
      })();
      return [logLikelihood.dataSync()[0] as number, sq.dataSync()[0] as number];
    });
    nll += lossValue;
    sse += sseValue;
    points += batch.mask.reduce((a, b) => a + b, 0);
    options.onBatch?.(Math.min(lines.length, start + batchSize), lines.length);
  }
  return { lines: lines.length, points, nllPerSequence: nll / lines.length, nllPerPoint: nll / Math.max(1, points), ssePerSequence: sse / lines.length, ssePerPoint: sse / Math.max(1, points) };
}

function lossOf(yHat: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(mdnLogLikelihood(yHat, targets), mask))) as tf.Scalar;
}

function sseOf(yHat: tf.Tensor3D, targets: tf.Tensor3D, mask: tf.Tensor2D, M: number): tf.Scalar {
  const [, piHat, mu1, mu2] = tf.split(yHat, [1, M, M, M, 3 * M], 2) as tf.Tensor3D[];
  const pi = tf.softmax(piHat as tf.Tensor3D, -1);
  const m1 = tf.sum(tf.mul(pi, mu1 as tf.Tensor3D), 2);
  const m2 = tf.sum(tf.mul(pi, mu2 as tf.Tensor3D), 2);
  const [x1, x2] = tf.split(targets, [1, 1, 1], 2) as tf.Tensor3D[];
  const e = tf.add(tf.square(tf.sub(tf.squeeze(x1 as tf.Tensor3D, [2]), m1)), tf.square(tf.sub(tf.squeeze(x2 as tf.Tensor3D, [2]), m2)));
  return tf.sum(tf.mul(e, mask)) as tf.Scalar;
}
