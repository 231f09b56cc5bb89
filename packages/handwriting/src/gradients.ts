/**
 * A seam for delegating the gradient computation of a handwriting training step (e.g. data parallelism across
 * threads: each thread differentiates its share of the batch's lines and the shares are summed). The library
 * stays I/O-free: it only defines the contract and applies the summed gradients exactly as {@link trainStep}
 * does (through the same {@link applyStepGradients}).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqgenError, type Optimizer } from '@seqgen/core';
import type { HandwritingBatch } from './batch.js';
import type { HandwritingModel } from './handwriting-model.js';
import { applyStepGradients, type TrainStepReport } from './train.js';

/** One step's work for a {@link HandwritingGradientFunction}. */
export interface HandwritingGradientRequest {
  /** The whole batch (B lines, padded to T). */
  batch: HandwritingBatch;
  /** The current weights, by name (read, never written). */
  params: Record<string, tf.Variable>;
}

/** What a {@link HandwritingGradientFunction} returns; the caller owns every tensor in it. */
export interface HandwritingGradientResult {
  /**
   * By parameter name: the gradient of (Σ over the batch's lines of their loss, Eq. 26) / B, the loss
   * {@link trainStep} differentiates (so sharded implementations return the sum of their shards' gradients of
   * Σ_shard nats / B, with B the whole batch's line count).
   */
  grads: Record<string, tf.Tensor>;
  /** Σ over the batch's real points of −log Pr(x_{t+1} | y_t), nats, at the weights before the update. */
  total: number;
  /** Real points in the batch (the mask's sum). */
  points: number;
}

/** Computes one step's gradients (asynchronously, e.g. in other threads). */
export type HandwritingGradientFunction = (request: HandwritingGradientRequest) => Promise<HandwritingGradientResult>;

/**
 * One optimisation step with delegated gradients: asks `gradients` for ∂((Σ line nats)/B)/∂w, then applies the
 * optimiser exactly like {@link trainStep} (same report: mean loss per line, loss per point, gradient norm).
 * No adaptive weight noise: the callee cannot see the noise, which is sampled here.
 * @throws {@link ShapeError} when the loss is not finite (nothing is updated then, and the gradients are
 *   disposed). A {@link SeqgenError} ('config') when a weight has no gradient.
 */
export async function delegatedTrainStep(
  model: HandwritingModel,
  optimizer: Optimizer,
  gradients: HandwritingGradientFunction,
  batch: HandwritingBatch,
): Promise<TrainStepReport> {
  const params = model.params;
  const result = await gradients({ batch, params });
  const missing = Object.keys(params).find((name) => result.grads[name] === undefined);
  if (missing !== undefined) {
    tf.dispose(Object.values(result.grads));
    throw new SeqgenError('config', `delegatedTrainStep: the gradient function returned no gradient for weight '${missing}'`);
  }
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(result.grads)) {
    if (name in params) byName[name] = g;
    else g.dispose();
  }
  return applyStepGradients(optimizer, params, byName, {
    lossPerSequence: result.total / batch.batch,
    points: result.points,
    batchSize: batch.batch,
    where: 'delegatedTrainStep',
  });
}
