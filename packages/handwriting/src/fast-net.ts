/**
 * Batch-1 step loop of the handwriting networks in plain typed arrays, for sampling: the same maths as
 * {@link HandwritingModel} (Eqs. 7–11 with peepholes, 46–54, 17) without tfjs's per-op cost, so a 60-character
 * line takes well under a second. The LSTM layers and the output layer are core's {@link FastLstmStack}
 * (WebAssembly SIMD matrix–vector products), run layer by layer so the window sits between layers 1 and 2;
 * the window is computed here. Tested against the tfjs forward pass (fast-net.test.ts).
 */
import { FastLstmStack, mdnOutputSize, ShapeError } from '@seqgen/core';
import { STACK_PREFIX, WINDOW_BIAS, WINDOW_WEIGHT } from './handwriting-model.js';
import { resolveModelConfig, type HandwritingModelConfig } from './model-config.js';

/** Recurrent state of a {@link FastNet} (owned by the net's caller; copy with {@link FastNet.cloneState}). */
export interface FastState {
  h: Float32Array[];
  c: Float32Array[];
  /** κ_t (synthesis), length K. */
  kappa: Float64Array;
  /** w_{t} fed to layer 1 at t+1 (synthesis), length S. */
  w: Float32Array;
}

/** What one step exposes (views into buffers reused by the next step: copy what you keep). */
export interface FastStepOutput {
  /** ŷ_t, length 6M+1. */
  yHat: Float32Array;
  /** φ(t, u), u = 1..U (synthesis), length U. */
  phi: Float64Array;
  /** φ(t, U+1), the stop rule's comparison value (synthesis). */
  phiNext: number;
  /** α_t, β_t (synthesis), length K. */
  alpha: Float64Array;
  beta: Float64Array;
}

function need(weights: Record<string, Float32Array>, name: string, size: number): Float32Array {
  const w = weights[name];
  if (w === undefined) throw new ShapeError(`FastNet: weight '${name}' is missing`);
  if (w.length !== size) throw new ShapeError(`FastNet: weight '${name}' has ${w.length} values, expected ${size}`);
  return w;
}

/** z[j] += Σ_i v[i] W[i, j] for W `[rows, cols]` row-major. */
function addVecMat(z: Float32Array, v: ArrayLike<number>, W: Float32Array, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const a = v[i] as number;
    if (a === 0) continue;
    const base = i * cols;
    for (let j = 0; j < cols; j++) z[j] = (z[j] as number) + a * (W[base + j] as number);
  }
}

/**
 * The network as typed arrays. Construct from {@link HandwritingModel.weights} (or checkpoint tensors' data).
 * Step with {@link FastNet.step}; for synthesis set the text first with {@link FastNet.setText}.
 */
export class FastNet {
  readonly config: HandwritingModelConfig;
  /** The LSTM layers and the output layer (Eqs. 52–54 with the window as each layer's extra input). */
  readonly stack: FastLstmStack;
  private readonly winW: Float32Array | null;
  private readonly winB: Float32Array | null;
  private readonly S: number;
  private readonly K: number;
  private readonly p: Float32Array;
  private text: Int32Array = new Int32Array(0);
  private phiBuf: Float64Array = new Float64Array(0);
  private readonly alpha: Float64Array;
  private readonly beta: Float64Array;

  /** @throws {@link ShapeError} when a weight is missing or has the wrong size. */
  constructor(config: HandwritingModelConfig, weights: Record<string, Float32Array>) {
    this.config = resolveModelConfig(config);
    const { hiddenSizes, mixtures, task, alphabet, windowMixtures } = this.config;
    this.S = task === 'synthesis' ? alphabet.length : 0;
    this.K = windowMixtures;
    // The configuration HandwritingModel gives its LstmStack (peepholes, input and output skips by default).
    this.stack = new FastLstmStack(
      { inputSize: 3, hiddenSizes, outputSize: mdnOutputSize(mixtures), extraInputSizes: hiddenSizes.map(() => this.S) },
      weights,
      { prefix: STACK_PREFIX },
    );
    if (task === 'synthesis') {
      this.winW = need(weights, WINDOW_WEIGHT, (hiddenSizes[0] as number) * 3 * this.K);
      this.winB = need(weights, WINDOW_BIAS, 3 * this.K);
    } else {
      this.winW = null;
      this.winB = null;
    }
    this.p = new Float32Array(3 * this.K);
    this.alpha = new Float64Array(this.K);
    this.beta = new Float64Array(this.K);
  }

  /** Sets the character ids the window reads (synthesis). @throws {@link ShapeError} on an id outside the alphabet. */
  setText(ids: Int32Array): void {
    for (let u = 0; u < ids.length; u++) {
      const id = ids[u] as number;
      if (!(id >= 0 && id < this.S)) throw new ShapeError(`FastNet.setText: id ${id} at ${u} is outside [0, ${this.S})`);
    }
    this.text = ids;
    this.phiBuf = new Float64Array(ids.length);
  }

  /** h = c = 0, κ = 0, w = 0. */
  zeroState(): FastState {
    return {
      h: this.config.hiddenSizes.map((H) => new Float32Array(H)),
      c: this.config.hiddenSizes.map((H) => new Float32Array(H)),
      kappa: new Float64Array(this.K),
      w: new Float32Array(this.S),
    };
  }

  /** A deep copy of a state. */
  cloneState(s: FastState): FastState {
    return { h: s.h.map((a) => a.slice()), c: s.c.map((a) => a.slice()), kappa: s.kappa.slice(), w: s.w.slice() };
  }

  /**
   * One step: feeds x_t = (dx, dy, eos) and updates `state` in place (Eqs. 52–54 for synthesis).
   * @returns ŷ_t and (synthesis) the window at t; buffers are reused by the next call.
   */
  step(x: readonly [number, number, number] | Float32Array, state: FastState): FastStepOutput {
    const N = this.config.hiddenSizes.length;
    const extra = this.S > 0 ? state.w : null;
    for (let n = 0; n < N; n++) {
      // Layer 1 reads w_{t−1} (state.w before the window update); layers ≥ 2 read w_t (after it).
      this.stack.layerStep(n, x, state, extra);
      if (n === 0 && this.winW && this.winB) this.window(state);
    }
    const y = this.stack.output(state);
    let phiNext = 0;
    if (this.S > 0) {
      const U = this.text.length;
      for (let k = 0; k < this.K; k++) {
        const d = (state.kappa[k] as number) - (U + 1);
        phiNext += (this.alpha[k] as number) * Math.exp(-(this.beta[k] as number) * d * d);
      }
    }
    return { yHat: y, phi: this.phiBuf, phiNext, alpha: this.alpha, beta: this.beta };
  }

  /** Eqs. 46–51 from h¹_t: updates κ, φ and w in place. */
  private window(state: FastState): void {
    const K = this.K;
    const p = this.p;
    p.set(this.winB as Float32Array);
    addVecMat(p, state.h[0] as Float32Array, this.winW as Float32Array, this.config.hiddenSizes[0] as number, 3 * K);
    for (let k = 0; k < K; k++) {
      this.alpha[k] = Math.exp(p[k] as number);
      this.beta[k] = Math.exp(p[K + k] as number);
      state.kappa[k] = (state.kappa[k] as number) + Math.exp(p[2 * K + k] as number);
    }
    const U = this.text.length;
    const w = state.w;
    w.fill(0);
    for (let u = 0; u < U; u++) {
      let phi = 0;
      for (let k = 0; k < K; k++) {
        const d = (state.kappa[k] as number) - (u + 1);
        phi += (this.alpha[k] as number) * Math.exp(-(this.beta[k] as number) * d * d);
      }
      this.phiBuf[u] = phi;
      const id = this.text[u] as number;
      w[id] = (w[id] as number) + phi;
    }
  }
}
