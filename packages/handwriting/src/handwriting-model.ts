/**
 * The handwriting prediction network (Graves 2013 §4, Fig. 1 with an MDN output) and the synthesis network
 * (§5, Fig. 12: the soft window between layer 1 and the layers above), on tfjs for training.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  LstmStack,
  ShapeError,
  mdnLogLikelihood,
  mdnOutputSize,
  oneHotCharBatch,
  windowLstmSequence,
  windowStep,
  type Rng,
} from '@seqgen/core';
import type { HandwritingBatch } from './batch.js';
import { resolveModelConfig, type HandwritingModelConfig } from './model-config.js';

/** Prefix of the LSTM stack's parameter names. */
export const STACK_PREFIX = 'lstm';
/** Names of the window layer's parameters (Eq. 48): W_{h¹p} `[H_1, 3K]` and b_p `[3K]`. */
export const WINDOW_WEIGHT = 'window/w';
export const WINDOW_BIAS = 'window/b';

/** Result of {@link HandwritingModel.forward}; the caller owns every tensor. */
export interface HandwritingForward {
  /** ŷ `[T, B, 6M+1]` (Eq. 17; the output clip acts on its gradient). */
  yHat: tf.Tensor3D;
  /** Synthesis only: φ(t, u) `[T, B, U]` (Eq. 46), the window weights behind Fig. 13. */
  phi: tf.Tensor3D | null;
  /** Synthesis only: κ_t `[T, B, K]` (Eq. 51). */
  kappa: tf.Tensor3D | null;
}

/** Options of {@link HandwritingModel.forward} and {@link HandwritingModel.loss}. */
export interface ForwardOptions {
  /**
   * Synthesis only. `'fused'` (default): layer 1 and the window run as one custom-gradient op with a
   * hand-written BPTT ({@link windowLstmSequence}). `'stepwise'`: the same network step by step on the
   * gradient tape (LstmStack.layerStep + windowStep), the reference the fused path is tested against
   * (same values and gradients to float32 precision, ≈10× slower).
   */
  synthesisPath?: 'fused' | 'stepwise';
}

/** Loss parts of a batch, in nats. */
export interface BatchLoss {
  /** Σ over real points of −log Pr(x_{t+1} | y_t) (Eq. 26 summed over the batch's lines). */
  total: tf.Scalar;
  /** Real points in the batch (the mask's sum). */
  points: number;
}

/**
 * A prediction or synthesis network with the paper's wiring:
 * - prediction: h^n_t = LSTM_n(x_t, h^{n−1}_t, h^n_{t−1}) (Eqs. 1–2, 7–11), ŷ_t = b_y + Σ_n W_{h^n y} h^n_t (Eq. 3 → Eq. 17);
 * - synthesis: layer 1 gets x_t and the PREVIOUS window w_{t−1} (Eq. 52); the window (Eqs. 46–51) reads h¹_t;
 *   layers n ≥ 2 get x_t, h^{n−1}_t and the CURRENT window w_t (Eq. 53); the output reads every layer (Eq. 54).
 * The first input x_0 is the null vector (see {@link makeBatch}); w_0 = 0, κ_0 = 0.
 *
 * Layer 1 of the synthesis net and its window run step-major as one fused BPTT op ({@link windowLstmSequence};
 * the window feeds back); the layers above run layer-major with the fused LSTM op. Gradients: ∂L/∂ŷ clipped
 * to ±`outputClip`, LSTM pre-activation derivatives to ±`lstmClip` (§2.2).
 */
export class HandwritingModel {
  readonly config: HandwritingModelConfig;
  readonly stack: LstmStack;
  /** All trainable variables by stable name (the stack's plus the window's). */
  readonly params: Record<string, tf.Variable>;
  private readonly windowW: tf.Variable | null;
  private readonly windowB: tf.Variable | null;

  /** Creates the variables from `rng` (same seed → same weights). @throws {@link ConfigError} on a bad config. */
  constructor(config: HandwritingModelConfig, rng: Rng) {
    this.config = resolveModelConfig(config);
    const { hiddenSizes, mixtures, task, alphabet, windowMixtures: K } = this.config;
    const S = task === 'synthesis' ? alphabet.length : 0;
    this.stack = new LstmStack(
      {
        inputSize: 3,
        hiddenSizes,
        outputSize: mdnOutputSize(mixtures),
        extraInputSizes: hiddenSizes.map(() => S),
        lstmClip: this.config.lstmClip,
        outputClip: this.config.outputClip,
      },
      rng,
      STACK_PREFIX,
    );
    const params: Record<string, tf.Variable> = { ...this.stack.params };
    if (task === 'synthesis') {
      const H1 = hiddenSizes[0] as number;
      const s = 1 / Math.sqrt(H1);
      const w = new Float32Array(H1 * 3 * K);
      for (let j = 0; j < w.length; j++) w[j] = (2 * rng.next() - 1) * s * 0.1;
      const b = new Float32Array(3 * K);
      b.fill(this.config.kappaBiasInit, 2 * K, 3 * K);
      // tf.variable copies its initial value: dispose the temporaries (else each model leaks two tensors).
      this.windowW = tf.tidy(() => tf.variable(tf.tensor2d(w, [H1, 3 * K]), true));
      this.windowB = tf.tidy(() => tf.variable(tf.tensor1d(b), true));
      params[WINDOW_WEIGHT] = this.windowW;
      params[WINDOW_BIAS] = this.windowB;
    } else {
      this.windowW = null;
      this.windowB = null;
    }
    this.params = params;
  }

  /** Number of trainable weights. */
  numWeights(): number {
    return Object.values(this.params).reduce((n, v) => n + v.size, 0);
  }

  /**
   * Runs the network over a padded batch. Differentiable w.r.t. {@link params} (use inside `tf.variableGrads`).
   * @param options - `synthesisPath: 'stepwise'` selects the step-by-step reference path (tests, benchmarks).
   * @throws {@link ShapeError} when a synthesis batch has no texts.
   */
  forward(batch: HandwritingBatch, options: ForwardOptions = {}): HandwritingForward {
    const { steps: T, batch: B } = batch;
    const run = (): HandwritingForward => {
      const x = tf.tensor3d(batch.inputs, [T, B, 3]);
      if (this.config.task === 'prediction') {
        const state = this.stack.zeroState(B);
        const r = this.stack.forward({ dense: x }, state);
        return { yHat: r.logits, phi: null, kappa: null };
      }
      if (batch.texts.length !== B || batch.texts.some((t) => t.length === 0)) {
        throw new ShapeError('HandwritingModel.forward: a synthesis batch needs a non-empty text per line');
      }
      const S = this.config.alphabet.length;
      const K = this.config.windowMixtures;
      const { chars, charMask } = oneHotCharBatch(batch.texts, S);
      const H1 = this.config.hiddenSizes[0] as number;
      if (options.synthesisPath !== 'stepwise') {
        const layer = (name: string): tf.Variable | null => this.stack.params[`${STACK_PREFIX}/0/${name}`] ?? null;
        const r = windowLstmSequence(
          this.stack.projectInput(0, { input: { dense: x } }),
          layer('wextra') as tf.Tensor2D,
          layer('wh') as tf.Tensor2D,
          layer('peep') as tf.Tensor1D | null,
          this.windowW as tf.Tensor2D,
          this.windowB as tf.Tensor1D,
          chars,
          charMask,
          this.stack.config.lstmClip,
        );
        return { yHat: this.upperLayers(x, r.hidden, r.windows), phi: r.phi, kappa: r.kappa };
      }
      const zx = tf.unstack(this.stack.projectInput(0, { input: { dense: x } })) as tf.Tensor2D[];
      let h: tf.Tensor2D = tf.zeros([B, H1]);
      let c: tf.Tensor2D = tf.zeros([B, H1]);
      let kappa: tf.Tensor2D = tf.zeros([B, K]);
      let w: tf.Tensor2D = tf.zeros([B, S]);
      const hs: tf.Tensor2D[] = [];
      const wsAll: tf.Tensor2D[] = [];
      const phis: tf.Tensor2D[] = [];
      const kappas: tf.Tensor2D[] = [];
      for (let t = 0; t < T; t++) {
        const z = tf.add(zx[t] as tf.Tensor2D, this.stack.projectInputStep(0, { extra: w }, { bias: false })) as tf.Tensor2D;
        const next = this.stack.layerStep(0, z, { h, c });
        h = next.h;
        c = next.c;
        const p = tf.add(tf.matMul(h, this.windowW as tf.Tensor2D), this.windowB as tf.Tensor1D) as tf.Tensor2D;
        const win = windowStep(p, kappa, chars, charMask);
        w = win.w;
        kappa = win.kappa;
        hs.push(h);
        wsAll.push(w);
        phis.push(win.phi);
        kappas.push(kappa);
      }
      const yHat = this.upperLayers(x, tf.stack(hs) as tf.Tensor3D, tf.stack(wsAll) as tf.Tensor3D);
      return { yHat, phi: tf.stack(phis) as tf.Tensor3D, kappa: tf.stack(kappas) as tf.Tensor3D };
    };
    // tf.tidy keeps the tensors of the returned object; its type does not admit the null fields.
    return tf.tidy(run as unknown as () => tf.TensorContainer) as unknown as HandwritingForward;
  }

  /**
   * Synthesis layers n ≥ 2 over the whole sequence (x_t, h^{n−1}_t and the CURRENT window w_t, Eq. 53; fused
   * LSTM op each) and the output from every layer (Eq. 54). `hidden1` `[T, B, H_1]`, `windows` `[T, B, S]`.
   */
  private upperLayers(x: tf.Tensor3D, hidden1: tf.Tensor3D, windows: tf.Tensor3D): tf.Tensor3D {
    const B = x.shape[1];
    const hidden: tf.Tensor3D[] = [hidden1];
    for (let n = 1; n < this.stack.numLayers; n++) {
      const zn = this.stack.projectInput(n, { input: { dense: x }, below: hidden[n - 1] as tf.Tensor3D, extra: windows });
      const Hn = this.config.hiddenSizes[n] as number;
      const r = this.stack.runLayer(n, zn, { h: tf.zeros([B, Hn]), c: tf.zeros([B, Hn]) });
      hidden.push(r.hidden);
    }
    return this.stack.output(hidden);
  }

  /**
   * The batch's summed negative log-likelihood over real (unpadded) points, Eq. (26), in nats.
   * Differentiable; divide by the line count for the paper's per-sequence loss. `options` as {@link forward}.
   */
  loss(batch: HandwritingBatch, options: ForwardOptions = {}): BatchLoss {
    const total = tf.tidy(() => {
      const { yHat } = this.forward(batch, options);
      const targets = tf.tensor3d(batch.targets, [batch.steps, batch.batch, 3]);
      const mask = tf.tensor2d(batch.mask, [batch.steps, batch.batch]);
      return tf.neg(tf.sum(tf.mul(mdnLogLikelihood(yHat, targets), mask))) as tf.Scalar;
    });
    return { total, points: batch.mask.reduce((a, b) => a + b, 0) };
  }

  /** Copies of every parameter's values by name, for the typed-array sampler and checkpoints. */
  weights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(this.params)) out[name] = v.dataSync() as Float32Array;
    return out;
  }

  /**
   * Replaces parameter values by name (e.g. from a checkpoint).
   * @throws {@link ShapeError} naming a missing parameter or a size mismatch.
   */
  setWeights(values: Record<string, Float32Array | tf.Tensor>): void {
    for (const [name, v] of Object.entries(this.params)) {
      const src = values[name];
      if (src === undefined) throw new ShapeError(`HandwritingModel.setWeights: parameter '${name}' is missing`);
      const size = src instanceof tf.Tensor ? src.size : src.length;
      if (size !== v.size) throw new ShapeError(`HandwritingModel.setWeights: '${name}' has ${size} values, expected ${v.size} [${v.shape.join(', ')}]`);
      tf.tidy(() => v.assign(src instanceof tf.Tensor ? tf.reshape(src, v.shape) : tf.tensor(src, v.shape, 'float32')));
    }
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
  }
}
