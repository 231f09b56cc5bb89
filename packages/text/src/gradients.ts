/**
 * A seam for delegating the gradient computation of a training update (e.g. data parallelism across threads:
 * each thread differentiates its share of the B streams and the shares are summed). The library stays
 * I/O-free: it only defines the contract and applies the summed gradients exactly as {@link trainStep} does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SeqgenError, type LstmState } from '@seqgen/core';
import type { Optimizer } from '@seqgen/core/train';
import type { TextModel } from './text-model.js';
import { applyGradients, DivergenceError, type TrainStepResult } from './train-step.js';

/** One update's work for a {@link GradientFunction}. */
export interface GradientRequest {
  /** Input ids `[T, B]`, time-major (element `t·B + b` is stream b at time t). */
  inputs: Int32Array;
  /** Target ids (the next symbols), same layout. */
  targets: Int32Array;
  /** T. */
  seqLength: number;
  /** B. */
  batchSize: number;
  /**
   * The carried state `[B, H]` per layer the sequence starts from; not disposed by the callee. It is the very
   * object the previous call returned unless the trainer reset it (zeros) or restored it from a checkpoint, so
   * an implementation that keeps the state elsewhere may compare by identity to skip copying it.
   */
  state: LstmState;
  /** The current weights, by name (read, never written). */
  params: Record<string, tf.Variable>;
}

/** What a {@link GradientFunction} returns; the caller owns every tensor in it. */
export interface GradientResult {
  /**
   * By parameter name: the gradient of (Σ nats over the T·B predictions) / B, the loss {@link trainStep}
   * differentiates (so sharded implementations return the sum of their shards' gradients of Σ_shard nats / B).
   */
  grads: Record<string, tf.Tensor>;
  /** Σ over the T·B predictions of −ln Pr (nats), at the weights before the update. */
  nats: number;
  /** T · B. */
  count: number;
  /** The state after the sequence, `[B, H]` per layer, to carry into the next one. */
  state: LstmState;
}

/** Computes one update's gradients (asynchronously, e.g. in other threads). */
export type GradientFunction = (request: GradientRequest) => Promise<GradientResult>;

/**
 * One update with delegated gradients: asks `gradients` for ∂((Σ nats)/B)/∂w, then clips by global norm and
 * applies the optimiser exactly like {@link trainStep} (no weight noise: the callee cannot see it).
 * @throws {@link DivergenceError} when the loss is not finite; the weights are then unchanged. A
 *   {@link SeqgenError} when a weight has no gradient.
 */
export async function delegatedTrainStep(
  model: TextModel,
  optimizer: Optimizer,
  gradients: GradientFunction,
  request: Omit<GradientRequest, 'params'>,
  options: { clipNorm?: number | null } = {},
): Promise<TrainStepResult> {
  const params = model.params;
  const result = await gradients({ ...request, params });
  const { nats, count } = result;
  if (!Number.isFinite(nats)) {
    tf.dispose(Object.values(result.grads));
    tf.dispose([...result.state.h, ...result.state.c]);
    throw new DivergenceError(`training diverged: the loss is ${nats}; the weights were not updated (try a lower learning rate or lstmClip)`);
  }
  const missing = Object.keys(params).find((name) => result.grads[name] === undefined);
  if (missing !== undefined) {
    tf.dispose(Object.values(result.grads));
    tf.dispose([...result.state.h, ...result.state.c]);
    throw new SeqgenError('config', `the gradient function returned no gradient for weight '${missing}'`);
  }
  const byName: Record<string, tf.Tensor> = {};
  for (const [name, g] of Object.entries(result.grads)) {
    if (name in params) byName[name] = g;
    else g.dispose();
  }
  const gradNorm = applyGradients(optimizer, params, byName, options.clipNorm);
  return { nats, count, state: result.state, ...(gradNorm !== undefined && { gradNorm }) };
}
