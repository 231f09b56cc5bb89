/**
 * One truncated-BPTT update (Graves 2013 §2, §3): forward over a T-step sequence from the carried state, the
 * summed softmax loss (Eq. 13), backpropagation to the start of the sequence only (errors at the LSTM
 * pre-activations clipped inside BPTT, §2.1), optional fixed weight noise resampled per sequence (§2.6), and
 * one optimiser step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm, SeqgenError, softmaxCrossEntropy, type LstmState, type Rng } from '@seqgen/core';
import type { Optimizer, WeightNoise } from '@seqgen/core/train';
import type { TextModel } from './text-model.js';

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  /** Fixed weight noise (paper Penn: std 0.075), sampled from `rng` before the forward pass. */
  weightNoise?: WeightNoise | null;
  /** Random stream for the noise. Required with `weightNoise`. */
  rng?: Rng;
  /** Global-norm clip of the gradients (not in the paper), or null. */
  clipNorm?: number | null;
}

/** Result of {@link trainStep}. */
export interface TrainStepResult {
  /** Σ over the T·B predictions of −ln Pr (nats), measured at the (noisy) weights before the update. */
  nats: number;
  /** T · B. */
  count: number;
  /** The state after the sequence (detached), to carry into the next one; the caller owns it. */
  state: LstmState;
  /** Gradient norm before clipping, when `clipNorm` is set. */
  gradNorm?: number;
}

/** Thrown when the loss becomes NaN or infinite: the weights are left as they were before the step. */
export class DivergenceError extends SeqgenError {
  override readonly name = 'DivergenceError';
  constructor(message: string) {
    super('config', message);
  }
}

/**
 * One update. The loss differentiated is the per-sequence sum of nats averaged over the B streams
 * (paper: summed over time, one sequence per update), so SGD learning rates match the paper's scale.
 * @param inputs - ids `[T, B]` int32; @param targets - the next ids `[T, B]` int32.
 * @param state - The carried state (not disposed; the new one is returned).
 * @throws {@link DivergenceError} when the loss is not finite; the weights are then unchanged.
 */
export function trainStep(
  model: TextModel,
  optimizer: Optimizer,
  inputs: tf.Tensor2D,
  targets: tf.Tensor2D,
  state: LstmState,
  options: TrainStepOptions = {},
): TrainStepResult {
  const [T, B] = inputs.shape;
  const params = model.params;
  const names = Object.keys(params);
  const vars = names.map((n) => params[n] as tf.Variable);
  const noise = options.weightNoise ?? null;
  if (noise !== null && noise.std > 0) {
    if (!options.rng) throw new SeqgenError('config', 'trainStep: weight noise needs an rng');
    noise.perturb(params, options.rng);
  }
  let nextState: LstmState | undefined;
  let result: { value: tf.Scalar; grads: Record<string, tf.Tensor> };
  try {
    result = tf.variableGrads(() => {
      const out = model.forward(inputs, state);
      nextState = { h: out.state.h.map((h) => tf.keep(h)), c: out.state.c.map((c) => tf.keep(c)) };
      return tf.div(softmaxCrossEntropy(out.logits, targets), B) as tf.Scalar;
    }, vars);
  } finally {
    noise?.restore(params);
  }
  const state2 = nextState as LstmState;
  const byName: Record<string, tf.Tensor> = {};
  names.forEach((n) => (byName[n] = result.grads[(params[n] as tf.Variable).name] as tf.Tensor));
  const nats = (result.value.dataSync()[0] as number) * B;
  result.value.dispose();
  if (!Number.isFinite(nats)) {
    tf.dispose(Object.values(result.grads));
    tf.dispose([...state2.h, ...state2.c]);
    throw new DivergenceError(`training diverged: the loss is ${nats}; the weights were not updated (try a lower learning rate or lstmClip)`);
  }
  const gradNorm = applyGradients(optimizer, params, byName, options.clipNorm);
  return { nats, count: T * B, state: state2, ...(gradNorm !== undefined && { gradNorm }) };
}

/**
 * The end of an update, shared by {@link trainStep} and the delegated step: optional global-norm clipping, one
 * optimiser step, and disposal of `grads` (consumed). Returns the norm before clipping when `clipNorm` is set.
 */
export function applyGradients(
  optimizer: Optimizer,
  params: Record<string, tf.Variable>,
  grads: Record<string, tf.Tensor>,
  clipNorm: number | null | undefined,
): number | undefined {
  if (clipNorm === undefined || clipNorm === null) {
    optimizer.apply(grads, params);
    tf.dispose(Object.values(grads));
    return undefined;
  }
  const clipped = clipByGlobalNorm(grads, clipNorm);
  tf.dispose(Object.values(grads));
  optimizer.apply(clipped.grads, params);
  tf.dispose(Object.values(clipped.grads));
  return clipped.norm;
}
