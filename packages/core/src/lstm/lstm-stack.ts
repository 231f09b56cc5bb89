/**
 * The deep peephole-LSTM prediction network of Graves (2013) §2 (Fig. 1): N stacked LSTM layers with
 * skip connections from the input to every layer (Eqs. 1–2) and from every layer to a linear output
 * ŷ (Eq. 3); each layer is Eqs. (7)–(11). See docs/lstm.md for the speed design.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '../errors.js';
import type { Rng } from '../rng.js';
import { clipGradient } from '../train/clip.js';
import { gatherRows } from './gather-rows.js';
import { addBias, linear } from './linear.js';
import { lstmCell, type LstmCellState } from './lstm-cell.js';
import { lstmSequence, type LstmSequenceResult } from './lstm-sequence.js';

/** Configuration of an {@link LstmStack}. */
export interface LstmStackConfig {
  /** Data input size I (for ids input: the vocabulary size; one-hot implied). */
  inputSize: number;
  /** Units per layer, e.g. `[256, 256]`. */
  hiddenSizes: number[];
  /** K, size of the linear output ŷ (Eq. 3); 0 = no output layer. */
  outputSize: number;
  /** Default true: diagonal peepholes (Eqs. 7, 8, 10), stored as vectors; o peeks at the CURRENT c_t. */
  peepholes?: boolean;
  /** Default true: the data input feeds every layer (Eq. 2); false: only layer 1. */
  inputSkips?: boolean;
  /** Default true: every layer feeds the output (Eq. 3); false: the top layer only. */
  outputSkips?: boolean;
  /** Per-layer extra input width (the synthesis window, Eqs. 52–53); default all 0. */
  extraInputSizes?: number[];
  /** Elementwise clip of ∂L/∂(pre-activations) inside BPTT (§2.1; text 1, handwriting 10); null/undefined = off. */
  lstmClip?: number | null;
  /** Elementwise clip of ∂L/∂ŷ (handwriting: 100); null/undefined = off. */
  outputClip?: number | null;
  /**
   * Weights are drawn from U(−s, s). Default (null/undefined): s = 1/√H_n for layer n and
   * 1/√(Σ hidden units feeding the output) for the output layer (non-paper, paper.md §8 #16).
   */
  initScale?: number | null;
  /** Added to the forget-gate bias at init, default 0 (paper: unstated). Other biases start at 0. */
  forgetBias?: number;
}

/** {@link LstmStackConfig} with every default filled in. */
export type ResolvedLstmStackConfig = Readonly<Required<LstmStackConfig>>;

/** Recurrent state, per layer `[B, H_n]`. */
export interface LstmState {
  h: tf.Tensor2D[];
  c: tf.Tensor2D[];
}

/** A whole sequence, time-major: dense `[T, B, I]` float32, or symbol ids `[T, B]` int32 (one-hot implied). */
export type SequenceInput = { dense: tf.Tensor3D } | { ids: tf.Tensor2D };

/** One step: dense `[B, I]` float32, or symbol ids `[B]` int32. */
export type StepInput = { dense: tf.Tensor2D } | { ids: tf.Tensor1D };

/** The non-recurrent inputs of one layer for {@link LstmStack.projectInput}; absent parts are left out of the sum. */
export interface LayerInputs<Data, Dense> {
  /** The data input x (only layer 0, or any layer when `inputSkips`). */
  input?: Data | null;
  /** h^{n−1} of the layer below (layers n ≥ 1). */
  below?: Dense | null;
  /** The layer's extra input (e.g. the window w), width `extraInputSizes[n]`. */
  extra?: Dense | null;
}

/** Result of {@link LstmStack.forward}. */
export interface LstmForwardResult {
  /** ŷ, `[T, B, K]` pre-activation outputs (Eq. 3); the output clip acts on their gradient. */
  logits: tf.Tensor3D;
  /** Per layer h^n for all steps, `[T, B, H_n]`. */
  hidden: tf.Tensor3D[];
  /** The final state, to carry across truncated sequences. */
  state: LstmState;
}

/** Result of {@link LstmStack.step}. */
export interface LstmStepResult {
  logits: tf.Tensor2D;
  hidden: tf.Tensor2D[];
  state: LstmState;
}

interface LayerParams {
  wx: tf.Variable | null;
  wbelow: tf.Variable | null;
  wextra: tf.Variable | null;
  wh: tf.Variable;
  b: tf.Variable;
  peep: tf.Variable | null;
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function resolveConfig(config: LstmStackConfig): ResolvedLstmStackConfig {
  const where = 'LstmStack config';
  if (!isPositiveInt(config.inputSize)) throw new ConfigError(`${where}: inputSize must be a positive integer, got ${config.inputSize}`);
  if (!Array.isArray(config.hiddenSizes) || config.hiddenSizes.length === 0 || !config.hiddenSizes.every(isPositiveInt)) {
    throw new ConfigError(`${where}: hiddenSizes must be a non-empty array of positive integers, got ${JSON.stringify(config.hiddenSizes)}`);
  }
  if (!(Number.isInteger(config.outputSize) && config.outputSize >= 0)) {
    throw new ConfigError(`${where}: outputSize must be an integer >= 0, got ${config.outputSize}`);
  }
  const N = config.hiddenSizes.length;
  const extraInputSizes = config.extraInputSizes ?? new Array<number>(N).fill(0);
  if (extraInputSizes.length !== N || !extraInputSizes.every((e) => Number.isInteger(e) && e >= 0)) {
    throw new ConfigError(
      `${where}: extraInputSizes must have one integer >= 0 per layer (${N}), got ${JSON.stringify(config.extraInputSizes)}`,
    );
  }
  for (const key of ['lstmClip', 'outputClip', 'initScale'] as const) {
    const v = config[key];
    if (v !== undefined && v !== null && !(v > 0)) throw new ConfigError(`${where}: ${key} must be > 0 or null, got ${v}`);
  }
  const forgetBias = config.forgetBias ?? 0;
  if (!Number.isFinite(forgetBias)) throw new ConfigError(`${where}: forgetBias must be finite, got ${forgetBias}`);
  return Object.freeze({
    inputSize: config.inputSize,
    hiddenSizes: [...config.hiddenSizes],
    outputSize: config.outputSize,
    peepholes: config.peepholes ?? true,
    inputSkips: config.inputSkips ?? true,
    outputSkips: config.outputSkips ?? true,
    extraInputSizes: [...extraInputSizes],
    lstmClip: config.lstmClip ?? null,
    outputClip: config.outputClip ?? null,
    initScale: config.initScale ?? null,
    forgetBias,
  });
}

/**
 * Validates an {@link LstmStackConfig} and fills in its defaults (what {@link LstmStack} stores as `config`);
 * for code that runs a stack's weights outside tfjs, e.g. {@link FastLstmStack}.
 * @throws {@link ConfigError} on an invalid configuration.
 */
export function resolveLstmStackConfig(config: LstmStackConfig): ResolvedLstmStackConfig {
  return resolveConfig(config);
}

/**
 * Deep LSTM with skip connections, Graves (2013) Eqs. (1)–(3) and (7)–(11).
 *
 * Layer n's pre-activations are z^n_t = x_t W^n_x + h^{n−1}_t W^n_below + e^n_t W^n_extra + h^n_{t−1} W^n_h + b^n
 * (gate layout `[i, f, g, o]`, each block H_n wide), and ŷ_t = [h^1_t, …, h^N_t] W_out + b_out.
 *
 * Parameters (`params`, by stable name; `p` = prefix, n = 0-based layer):
 * `p/n/wx` `[I, 4H_n]` (n = 0, or every n with `inputSkips`), `p/n/wbelow` `[H_{n−1}, 4H_n]` (n ≥ 1),
 * `p/n/wextra` `[E_n, 4H_n]` (E_n > 0), `p/n/wh` `[H_n, 4H_n]`, `p/n/b` `[4H_n]`, `p/n/peep` `[3H_n]`
 * (`[p_i, p_f, p_o]`, with `peepholes`), `p/out/w` `[ΣH or H_N, K]`, `p/out/b` `[K]` (K > 0).
 * The underlying `tf.Variable` names equal these keys when no other live variable has the name;
 * otherwise a suffix makes them unique, so key gradients by `params`, not by `variable.name`.
 *
 * Speed: the non-recurrent projection of all T steps is one matMul per input part (a row gather for
 * ids), each layer's recurrence is one custom-gradient op ({@link lstmSequence}), and the output layer
 * is one matMul over all steps. Layers run layer-major.
 */
export class LstmStack {
  /** The configuration with defaults filled in. */
  readonly config: ResolvedLstmStackConfig;
  /** All trainable variables by stable name (see the class comment). */
  readonly params: Record<string, tf.Variable>;
  private readonly layers: LayerParams[];
  private readonly outW: tf.Variable | null;
  private readonly outB: tf.Variable | null;
  private readonly whT: Array<{ dataId: object; t: tf.Tensor2D } | undefined> = [];
  /** Prefix of the parameter names. */
  readonly prefix: string;

  /**
   * Creates the variables, initialised from `rng` (same seed → identical weights on any backend).
   * @throws {@link ConfigError} on an invalid configuration.
   */
  constructor(config: LstmStackConfig, rng: Rng, prefix = 'lstm') {
    this.config = resolveConfig(config);
    this.prefix = prefix;
    const { inputSize: I, hiddenSizes, outputSize: K, extraInputSizes, initScale, forgetBias } = this.config;
    const params: Record<string, tf.Variable> = {};
    const make = (name: string, shape: number[], fill: (data: Float32Array) => void): tf.Variable => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      fill(data);
      const key = `${prefix}/${name}`;
      const registered = tf.engine().registeredVariables;
      let varName = key;
      for (let k = 1; registered[varName] !== undefined; k++) varName = `${key}_${k}`;
      const init = tf.tensor(data, shape, 'float32');
      const v = tf.variable(init, true, varName);
      init.dispose();
      params[key] = v;
      return v;
    };
    const uniform = (s: number) => (data: Float32Array) => {
      for (let j = 0; j < data.length; j++) data[j] = (2 * rng.next() - 1) * s;
    };
    this.layers = hiddenSizes.map((H, n) => {
      const s = initScale ?? 1 / Math.sqrt(H);
      const E = extraInputSizes[n] as number;
      const wx = n === 0 || this.config.inputSkips ? make(`${n}/wx`, [I, 4 * H], uniform(s)) : null;
      const wbelow = n > 0 ? make(`${n}/wbelow`, [hiddenSizes[n - 1] as number, 4 * H], uniform(s)) : null;
      const wextra = E > 0 ? make(`${n}/wextra`, [E, 4 * H], uniform(s)) : null;
      const wh = make(`${n}/wh`, [H, 4 * H], uniform(s));
      const b = make(`${n}/b`, [4 * H], (data) => data.fill(forgetBias, H, 2 * H));
      const peep = this.config.peepholes ? make(`${n}/peep`, [3 * H], uniform(s)) : null;
      return { wx, wbelow, wextra, wh, b, peep };
    });
    if (K > 0) {
      const fedIn = this.config.outputSkips ? hiddenSizes.reduce((a, b) => a + b, 0) : (hiddenSizes[hiddenSizes.length - 1] as number);
      this.outW = make('out/w', [fedIn, K], uniform(initScale ?? 1 / Math.sqrt(fedIn)));
      this.outB = make('out/b', [K], () => undefined);
    } else {
      this.outW = null;
      this.outB = null;
    }
    this.params = params;
  }

  /** Number of trainable weights; equals paper.md §1.2 (e.g. Penn char 1×1000, I/O 49: 4,252,049). */
  numWeights(): number {
    return Object.values(this.params).reduce((sum, v) => sum + v.size, 0);
  }

  /**
   * Weight count of a configuration without creating it (paper.md §1.2): per layer 4H(I_n + H) + 4H + 3H
   * (I_n = data + layer below + extra inputs; 3H peepholes), plus (Σ H)·K + K for the output.
   */
  static countWeights(config: LstmStackConfig): number {
    const c = resolveConfig(config);
    let total = 0;
    c.hiddenSizes.forEach((H, n) => {
      const fanIn =
        (n === 0 || c.inputSkips ? c.inputSize : 0) + (n > 0 ? (c.hiddenSizes[n - 1] as number) : 0) + (c.extraInputSizes[n] as number);
      total += 4 * H * (fanIn + H) + 4 * H + (c.peepholes ? 3 * H : 0);
    });
    if (c.outputSize > 0) {
      const fed = c.outputSkips ? c.hiddenSizes.reduce((a, b) => a + b, 0) : (c.hiddenSizes[c.hiddenSizes.length - 1] as number);
      total += fed * c.outputSize + c.outputSize;
    }
    return total;
  }

  /** Number of layers N. */
  get numLayers(): number {
    return this.config.hiddenSizes.length;
  }

  /** Zero h and c for every layer, `[batch, H_n]`; the caller owns them. */
  zeroState(batch: number): LstmState {
    if (!isPositiveInt(batch)) throw new ShapeError(`LstmStack.zeroState: batch must be a positive integer, got ${batch}`);
    const hs = this.config.hiddenSizes;
    return { h: hs.map((H) => tf.zeros([batch, H])), c: hs.map((H) => tf.zeros([batch, H])) };
  }

  /**
   * Runs the whole sequence, layer-major (all T steps of layer 1, then layer 2, …).
   * @param input - time-major data input, `{ dense: [T, B, I] }` or `{ ids: [T, B] int32 }`.
   * @param state - initial state (e.g. {@link zeroState}, or the final state of the previous truncated sequence).
   * @param extras - per layer a `[T, B, E_n]` tensor (required where E_n > 0) or null.
   * @returns ŷ (output clip acts in the backward pass), each layer's h for all steps, and the final state.
   *   Differentiable w.r.t. `params`, the input (dense), the state and the extras: use inside
   *   `tf.variableGrads`/`tf.grads`. The caller owns the results; intermediates are released.
   * @throws {@link ShapeError} when a shape or dtype does not match the configuration.
   */
  forward(input: SequenceInput, state: LstmState, extras?: ReadonlyArray<tf.Tensor3D | null>): LstmForwardResult {
    const [T, B] = this.checkSequenceInput('LstmStack.forward', input);
    this.checkState('LstmStack.forward', state, B);
    this.checkExtras('LstmStack.forward', extras, [T, B]);
    return tf.tidy(() => {
      const hidden: tf.Tensor3D[] = [];
      const h: tf.Tensor2D[] = [];
      const c: tf.Tensor2D[] = [];
      for (let n = 0; n < this.numLayers; n++) {
        const zx = this.projectInput(n, {
          input: n === 0 || this.config.inputSkips ? input : null,
          below: n > 0 ? (hidden[n - 1] as tf.Tensor3D) : null,
          extra: extras?.[n] ?? null,
        });
        const r = this.runLayer(n, zx, { h: state.h[n] as tf.Tensor2D, c: state.c[n] as tf.Tensor2D });
        hidden.push(r.hidden);
        h.push(r.h);
        c.push(r.c);
      }
      return { logits: this.output(hidden), hidden, state: { h, c } };
    });
  }

  /**
   * One time step through every layer, for sampling. Plain tfjs ops (differentiable as well).
   * @param input - `{ dense: [B, I] }` or `{ ids: [B] int32 }`.
   * @param extras - per layer a `[B, E_n]` tensor (required where E_n > 0) or null.
   * @returns ŷ `[B, K]`, each layer's h, and the new state; the caller owns them (the old state is not disposed).
   */
  step(input: StepInput, state: LstmState, extras?: ReadonlyArray<tf.Tensor2D | null>): LstmStepResult {
    const B = this.checkStepInput('LstmStack.step', input);
    this.checkState('LstmStack.step', state, B);
    this.checkExtras('LstmStack.step', extras, [B]);
    return tf.tidy(() => {
      const hidden: tf.Tensor2D[] = [];
      const c: tf.Tensor2D[] = [];
      for (let n = 0; n < this.numLayers; n++) {
        const zx = this.projectInputStep(n, {
          input: n === 0 || this.config.inputSkips ? input : null,
          below: n > 0 ? (hidden[n - 1] as tf.Tensor2D) : null,
          extra: extras?.[n] ?? null,
        });
        const r = this.layerStep(n, zx, { h: state.h[n] as tf.Tensor2D, c: state.c[n] as tf.Tensor2D });
        hidden.push(r.h);
        c.push(r.c);
      }
      return { logits: this.outputStep(hidden), hidden, state: { h: [...hidden], c } };
    });
  }

  /**
   * Layer n's non-recurrent pre-activations for all steps, `[T, B, 4H_n]`: the sum of the parts given
   * (x W_x, h^{n−1} W_below, e W_extra), each ONE matMul over all T·B rows (a row gather for ids),
   * plus the bias b^n unless `bias: false`. Differentiable. Pass the result to {@link runLayer}
   * (layer-major) or slice it per step for {@link layerStep} (step-major, e.g. synthesis layer 1:
   * project the data for all steps once, then add `projectInputStep(0, { extra: w_{t−1} }, { bias: false })`).
   * @throws {@link ShapeError} when a part is given that the layer has no weights for, or shapes disagree.
   */
  projectInput(layer: number, parts: LayerInputs<SequenceInput, tf.Tensor3D>, options: { bias?: boolean } = {}): tf.Tensor3D {
    const where = `LstmStack.projectInput(layer ${layer})`;
    const lead = this.sequenceLead(parts);
    if (lead === null) throw new ShapeError(`${where}: give at least one of input, below, extra`);
    const [T, B] = lead;
    const flat3 = (t: tf.Tensor3D | null | undefined): tf.Tensor2D | null =>
      t === null || t === undefined ? null : (tf.reshape(t, [T * B, t.shape[2]]) as tf.Tensor2D);
    let data: StepInput | null = null;
    if (parts.input !== null && parts.input !== undefined) {
      const [T2, B2] = this.checkSequenceInput(where, parts.input);
      if (T2 !== T || B2 !== B) throw new ShapeError(`${where}: input has [T, B] = [${T2}, ${B2}], other parts [${T}, ${B}]`);
      data =
        'ids' in parts.input
          ? { ids: tf.reshape(parts.input.ids, [T * B]) as tf.Tensor1D }
          : { dense: tf.reshape(parts.input.dense, [T * B, this.config.inputSize]) as tf.Tensor2D };
    }
    const z = this.projectRows(layer, where, T * B, data, flat3(parts.below), flat3(parts.extra), options.bias ?? true);
    return tf.reshape(z, [T, B, z.shape[1]]);
  }

  /**
   * {@link projectInput} for one step: `[B, 4H_n]` from `[B, ·]` parts (ids `[B]`). Differentiable.
   */
  projectInputStep(layer: number, parts: LayerInputs<StepInput, tf.Tensor2D>, options: { bias?: boolean } = {}): tf.Tensor2D {
    const where = `LstmStack.projectInputStep(layer ${layer})`;
    const first = parts.input ?? null;
    const B =
      first !== null ? this.checkStepInput(where, first) : ((parts.below ?? parts.extra)?.shape[0] ?? null);
    if (B === null) throw new ShapeError(`${where}: give at least one of input, below, extra`);
    return this.projectRows(layer, where, B, first, parts.below ?? null, parts.extra ?? null, options.bias ?? true);
  }

  /**
   * Runs layer n over all steps from its projected inputs `zx` `[T, B, 4H_n]` (see {@link projectInput})
   * with the fused BPTT op {@link lstmSequence} (`lstmClip` applied). Differentiable.
   */
  runLayer(layer: number, zx: tf.Tensor3D, state: LstmCellState): LstmSequenceResult {
    const p = this.layerParams(layer);
    return lstmSequence(zx, p.wh as tf.Tensor2D, p.peep as tf.Tensor1D | null, state.h, state.c, this.config.lstmClip);
  }

  /**
   * One differentiable step of layer n: z = zx + h_{t−1} W_h, then {@link lstmCell} with the peepholes
   * and `lstmClip`. Same values and gradients as one step of {@link runLayer}. `zx` `[B, 4H_n]` comes
   * from {@link projectInputStep} or a slice of {@link projectInput}.
   * @remarks On wasm, under a gradient tape, the stack caches W_hᵀ (one tensor per layer, refreshed when
   * the variable is assigned, released by {@link dispose}).
   */
  layerStep(layer: number, zx: tf.Tensor2D, state: LstmCellState): LstmCellState {
    const p = this.layerParams(layer);
    const H = this.config.hiddenSizes[layer] as number;
    if (zx.rank !== 2 || zx.shape[1] !== 4 * H) {
      throw new ShapeError(`LstmStack.layerStep(layer ${layer}): zx must be [B, ${4 * H}], got ${shapeText(zx)}`);
    }
    // Under a gradient tape, reuse one W_hᵀ for the backward of every step (wasm; see transposedWh).
    const whT = tf.engine().state.gradientDepth > 0 ? this.transposedWh(layer) : null;
    const z = tf.add(zx, linear(state.h, p.wh as tf.Tensor2D, null, whT)) as tf.Tensor2D;
    return lstmCell(z, state.c, p.peep as tf.Tensor1D | null, this.config.lstmClip);
  }

  /**
   * The output layer, Eq. (3): ŷ = [h^1, …, h^N] W_out + b_out over all steps in one matMul
   * (only h^N without `outputSkips`), with `outputClip` on its gradient. `hidden`: every layer's
   * `[T, B, H_n]` (as returned by {@link forward}). With outputSize 0 returns `[T, B, 0]`.
   */
  output(hidden: readonly tf.Tensor3D[]): tf.Tensor3D {
    this.checkHiddenList('LstmStack.output', hidden, 3);
    const first = hidden[0] as tf.Tensor3D;
    const [T, B] = first.shape;
    const y = this.outputRows(hidden.map((h) => tf.reshape(h, [T * B, h.shape[2]]) as tf.Tensor2D));
    return tf.reshape(y, [T, B, this.config.outputSize]);
  }

  /** {@link output} for one step: every layer's h `[B, H_n]` → ŷ `[B, K]`. */
  outputStep(hidden: readonly tf.Tensor2D[]): tf.Tensor2D {
    this.checkHiddenList('LstmStack.outputStep', hidden, 2);
    return this.outputRows(hidden);
  }

  /** Disposes every variable. */
  dispose(): void {
    for (const v of Object.values(this.params)) v.dispose();
    for (const entry of this.whT) entry?.t.dispose();
    this.whT.length = 0;
  }

  // ---------------------------------------------------------------- internals

  /**
   * W_hᵀ of a layer for {@link layerStep}'s backward, recomputed only when the variable's data changes
   * (`assign` gives it a new dataId), so a step-major loop transposes once per weight update, not per step.
   */
  private transposedWh(layer: number): tf.Tensor2D | null {
    if (tf.getBackend() !== 'wasm') return null; // elsewhere matMul's transpose flag is cheaper
    const wh = this.layerParams(layer).wh;
    const cached = this.whT[layer];
    if (cached !== undefined && cached.dataId === wh.dataId && !cached.t.isDisposed) return cached.t;
    cached?.t.dispose();
    const t = tf.keep(tf.tidy(() => tf.transpose(wh) as tf.Tensor2D));
    this.whT[layer] = { dataId: wh.dataId, t };
    return t;
  }

  private layerParams(layer: number): LayerParams {
    const p = this.layers[layer];
    if (p === undefined) throw new ShapeError(`LstmStack: layer ${layer} out of range [0, ${this.numLayers})`);
    return p;
  }

  private projectRows(
    layer: number,
    where: string,
    rows: number,
    input: StepInput | null,
    below: tf.Tensor2D | null,
    extra: tf.Tensor2D | null,
    bias: boolean,
  ): tf.Tensor2D {
    const p = this.layerParams(layer);
    const H = this.config.hiddenSizes[layer] as number;
    const terms: tf.Tensor2D[] = [];
    if (input !== null) {
      if (p.wx === null) throw new ShapeError(`${where}: this layer takes no data input (inputSkips is false)`);
      if ('ids' in input) {
        terms.push(gatherRows(p.wx as tf.Tensor2D, input.ids));
      } else {
        terms.push(linear(input.dense, p.wx as tf.Tensor2D));
      }
    }
    const dense = (name: string, t: tf.Tensor2D | null, w: tf.Variable | null, width: number): void => {
      if (t === null) return;
      if (w === null) throw new ShapeError(`${where}: this layer has no ${name} input`);
      if (t.rank !== 2 || t.shape[0] !== rows || t.shape[1] !== width) {
        throw new ShapeError(`${where}: ${name} must be [${rows} rows, ${width}], got ${shapeText(t)}`);
      }
      terms.push(linear(t, w as tf.Tensor2D));
    };
    dense('below', below, p.wbelow, layer > 0 ? (this.config.hiddenSizes[layer - 1] as number) : 0);
    dense('extra', extra, p.wextra, this.config.extraInputSizes[layer] as number);
    let z: tf.Tensor2D | null = null;
    for (const t of terms) z = z === null ? t : (tf.add(z, t) as tf.Tensor2D);
    if (bias) z = z === null ? (tf.tile(tf.reshape(p.b, [1, 4 * H]), [rows, 1]) as tf.Tensor2D) : addBias(z, p.b as tf.Tensor1D);
    return z ?? (tf.zeros([rows, 4 * H]) as tf.Tensor2D);
  }

  private outputRows(hidden: readonly tf.Tensor2D[]): tf.Tensor2D {
    const rows = (hidden[0] as tf.Tensor2D).shape[0];
    if (this.outW === null || this.outB === null) return tf.zeros([rows, 0]);
    const used = this.config.outputSkips ? hidden : hidden.slice(-1);
    const x = used.length === 1 ? (used[0] as tf.Tensor2D) : tf.concat(used as tf.Tensor2D[], 1);
    const y = linear(x, this.outW as tf.Tensor2D, this.outB as tf.Tensor1D);
    return this.config.outputClip === null ? y : clipGradient(y, this.config.outputClip);
  }

  private sequenceLead(parts: LayerInputs<SequenceInput, tf.Tensor3D>): [number, number] | null {
    const input = parts.input ?? null;
    if (input !== null) {
      const t = 'ids' in input ? input.ids : input.dense;
      return [t.shape[0] ?? 0, t.shape[1] ?? 0];
    }
    const other = parts.below ?? parts.extra ?? null;
    if (other === null) return null;
    if (other.rank !== 3) throw new ShapeError(`LstmStack.projectInput: below/extra must be [T, B, ·], got ${shapeText(other)}`);
    return [other.shape[0], other.shape[1]];
  }

  private checkSequenceInput(where: string, input: SequenceInput): [number, number] {
    if ('ids' in input) {
      const ids = input.ids;
      if (ids.rank !== 2 || ids.dtype !== 'int32') {
        throw new ShapeError(`${where}: input.ids must be an int32 [T, B] tensor, got ${ids.dtype} ${shapeText(ids)}`);
      }
      return [ids.shape[0], ids.shape[1]];
    }
    const x = input.dense;
    if (x.rank !== 3 || x.shape[2] !== this.config.inputSize || x.dtype !== 'float32') {
      throw new ShapeError(
        `${where}: input.dense must be a float32 [T, B, ${this.config.inputSize}] tensor, got ${x.dtype} ${shapeText(x)}`,
      );
    }
    if (x.shape[0] < 1) throw new ShapeError(`${where}: the sequence is empty (T = 0)`);
    return [x.shape[0], x.shape[1]];
  }

  private checkStepInput(where: string, input: StepInput): number {
    if ('ids' in input) {
      const ids = input.ids;
      if (ids.rank !== 1 || ids.dtype !== 'int32') {
        throw new ShapeError(`${where}: input.ids must be an int32 [B] tensor, got ${ids.dtype} ${shapeText(ids)}`);
      }
      return ids.shape[0];
    }
    const x = input.dense;
    if (x.rank !== 2 || x.shape[1] !== this.config.inputSize || x.dtype !== 'float32') {
      throw new ShapeError(
        `${where}: input.dense must be a float32 [B, ${this.config.inputSize}] tensor, got ${x.dtype} ${shapeText(x)}`,
      );
    }
    return x.shape[0];
  }

  private checkState(where: string, state: LstmState, B: number): void {
    const hs = this.config.hiddenSizes;
    if (state.h.length !== hs.length || state.c.length !== hs.length) {
      throw new ShapeError(`${where}: state must have h and c for each of the ${hs.length} layers, got ${state.h.length} and ${state.c.length}`);
    }
    hs.forEach((H, n) => {
      for (const [name, t] of [['h', state.h[n]], ['c', state.c[n]]] as const) {
        if (t === undefined || t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== H) {
          throw new ShapeError(`${where}: state.${name}[${n}] must be [${B}, ${H}], got ${t === undefined ? 'nothing' : shapeText(t)}`);
        }
      }
    });
  }

  private checkExtras(where: string, extras: ReadonlyArray<tf.Tensor | null> | undefined, lead: number[]): void {
    const sizes = this.config.extraInputSizes;
    if (extras !== undefined && extras.length !== sizes.length) {
      throw new ShapeError(`${where}: extras must have one entry per layer (${sizes.length}), got ${extras.length}`);
    }
    sizes.forEach((E, n) => {
      const e = extras?.[n] ?? null;
      const want = [...lead, E];
      if (E === 0) {
        if (e !== null) throw new ShapeError(`${where}: extras[${n}] must be null (extraInputSizes[${n}] is 0), got ${shapeText(e)}`);
        return;
      }
      if (e === null || e.rank !== want.length || e.shape.some((d, k) => d !== want[k])) {
        throw new ShapeError(`${where}: extras[${n}] must be [${want.join(', ')}], got ${e === null ? 'null' : shapeText(e)}`);
      }
    });
  }

  private checkHiddenList(where: string, hidden: readonly tf.Tensor[], rank: number): void {
    const hs = this.config.hiddenSizes;
    if (hidden.length !== hs.length) {
      throw new ShapeError(`${where}: pass every layer's hidden output (${hs.length}), got ${hidden.length}`);
    }
    hidden.forEach((h, n) => {
      if (h.rank !== rank || h.shape[rank - 1] !== hs[n]) {
        throw new ShapeError(`${where}: hidden[${n}] must be rank ${rank} ending in ${hs[n]}, got ${shapeText(h)}`);
      }
    });
  }
}
