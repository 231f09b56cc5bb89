/**
 * A batch-1 step loop of an {@link LstmStack} in plain typed arrays, for sampling: Graves (2013) Eqs. (1)–(3)
 * and (7)–(11) with the same weights, configuration and gate layout, but without tfjs's per-op dispatch cost
 * (≈10 µs per op on wasm, ≈20 ops and one `data()` round trip per step). Tested against
 * {@link LstmStack.step} (fast-stack.test.ts); speed: bench/text-sample.ts.
 *
 * Layout (built once by the constructor, in one float32 arena; see fast-kernels.ts): per layer one row-major
 * matrix M_n `[4H_n, D_n]` holding W_belowᵀ, W_extraᵀ and W_hᵀ side by side, so z = M_n · [h^{n−1}_t, e^n_t,
 * h^n_{t−1}] is one matrix–vector product (WebAssembly SIMD, or JS where that is unavailable); symbol-id inputs
 * add row `id` of W_x plus b (the one-hot product, paper §3) instead of a product; dense inputs use W_xᵀ (laid
 * out on first use); the output layer is W_outᵀ `[K, ΣH]`. The cell (σ, tanh, peepholes) runs in JS, float64
 * per element, rounding c and h to float32 like tfjs. Nothing is allocated per step.
 */
import { ShapeError } from '../errors.js';
import { createFastArena, type FastArena, type FastKernelName } from './fast-kernels.js';
import { resolveLstmStackConfig, type LstmStack, type LstmStackConfig, type ResolvedLstmStackConfig } from './lstm-stack.js';

export { fastSimdAvailable, type FastKernelName } from './fast-kernels.js';

/** Weights by the stable names of {@link LstmStack.params} (`<prefix>/<n>/wx`, …, `<prefix>/out/b`), row-major. */
export type FastStackWeights = Readonly<Record<string, ArrayLike<number>>>;

/** Recurrent state of a {@link FastLstmStack}: per layer h and c, length H_n each (updated in place by a step). */
export interface FastLstmState {
  h: Float32Array[];
  c: Float32Array[];
}

/** One step's data input: a symbol id (one-hot implied, ids models) or a dense vector of length I. */
export type FastStackInput = number | ArrayLike<number>;

interface FastLayer {
  H: number;
  /** Width of the data input that feeds this layer (0 without one: layers ≥ 2 without input skips). */
  inputWidth: number;
  /** W_x row-major `[I, 4H]` (ids: add one row), or null. */
  wx: Float32Array | null;
  /** W_xᵀ and its scratch for dense inputs, built on first use. */
  dense: DenseInput | null;
  b: Float32Array;
  /** `[p_i, p_f, p_o]`, or null without peepholes. */
  peep: Float32Array | null;
  below: number;
  extra: number;
  /** Arena offsets (floats): z `[4H]`, u `[D]` = [below, extra, recurrent] zero-padded to D, M_n `[4H, D]`. */
  z: number;
  u: number;
  m: number;
  D: number;
}

interface DenseInput {
  arena: FastArena;
  /** Offsets in `arena`: W_xᵀ `[4H, Ip]`, x `[Ip]`, the product `[4H]`. */
  wxT: number;
  x: number;
  out: number;
  Ip: number;
}

/** Options of {@link FastLstmStack}. */
export interface FastLstmStackOptions {
  /** Name prefix of the weights (the stack's `prefix`), default `lstm`. */
  prefix?: string;
  /** Matrix–vector kernel: `auto` (default) = WebAssembly SIMD where available, else plain JS. */
  kernel?: FastKernelName | 'auto';
}

const pad4 = (n: number): number => (n + 3) & ~3;
const pad8 = (n: number): number => (n + 7) & ~7;

/** Writes the transpose of the row-major `[rows, cols]` matrix `w` into `dst` at `at` (row stride `stride`, column offset `col0`). */
function transposeInto(dst: Float32Array, at: number, stride: number, col0: number, w: ArrayLike<number>, rows: number, cols: number): void {
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) dst[at + j * stride + col0 + i] = w[base + j] as number;
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * An {@link LstmStack}'s batch-1 forward step in typed arrays (float32 weights and state), for sampling loops:
 * same configuration, weight names and results as {@link LstmStack.step} up to float32 rounding (within 1e-5
 * relative in the tests). Inference only: no gradients, no clipping (the clips act on gradients only). Build
 * it from a live stack with {@link FastLstmStack.fromStack}, or from checkpoint weights by name; it copies
 * what it needs, so later changes to the stack's variables are not seen.
 */
export class FastLstmStack {
  /** The configuration with defaults filled in. */
  readonly config: ResolvedLstmStackConfig;
  /** Prefix of the weight names. */
  readonly prefix: string;
  /** The matrix–vector kernel in use. */
  readonly kernel: FastKernelName;
  private readonly arena: FastArena;
  private readonly f: Float32Array;
  private readonly layers: FastLayer[];
  private readonly outB: Float32Array | null;
  /** Arena offsets: W_outᵀ `[Kp, Fp]`, [h^1, …, h^N] `[Fp]`, ŷ `[Kp]` (K padded to a multiple of 4, F of 8). */
  private readonly outW: number;
  private readonly hcat: number;
  private readonly y: number;
  private readonly Kp: number;
  private readonly Fp: number;
  private readonly yView: Float32Array;

  /**
   * @param config - the stack's configuration (as given to {@link LstmStack}, or its resolved `config`).
   * @param weights - every weight of that configuration by name (see {@link LstmStack}), row-major.
   * @throws {@link ConfigError} on an invalid configuration; {@link ShapeError} when a weight is missing or has
   *   the wrong number of values.
   */
  constructor(config: LstmStackConfig, weights: FastStackWeights, options: FastLstmStackOptions = {}) {
    this.config = resolveLstmStackConfig(config);
    const prefix = options.prefix ?? 'lstm';
    this.prefix = prefix;
    const { inputSize: I, hiddenSizes, outputSize: K, extraInputSizes, inputSkips, outputSkips, peepholes } = this.config;
    const need = (name: string, shape: number[]): ArrayLike<number> => {
      const key = `${prefix}/${name}`;
      const w = weights[key];
      const size = shape.reduce((a, b) => a * b, 1);
      if (w === undefined) throw new ShapeError(`FastLstmStack: weight '${key}' is missing (expected shape [${shape.join(', ')}])`);
      if (w.length !== size) {
        throw new ShapeError(`FastLstmStack: weight '${key}' has ${w.length} values, expected ${size} (shape [${shape.join(', ')}])`);
      }
      return w;
    };
    // Plan the arena: every block starts at a multiple of 4 floats (16 bytes).
    let top = 0;
    const take = (floats: number): number => {
      const at = top;
      top += pad4(floats);
      return at;
    };
    this.layers = hiddenSizes.map((H, n) => {
      const below = n > 0 ? (hiddenSizes[n - 1] as number) : 0;
      const extra = extraInputSizes[n] as number;
      const hasInput = n === 0 || inputSkips;
      const D = pad8(below + extra + H);
      return {
        H,
        inputWidth: hasInput ? I : 0,
        wx: hasInput ? Float32Array.from(need(`${n}/wx`, [I, 4 * H])) : null,
        dense: null,
        b: Float32Array.from(need(`${n}/b`, [4 * H])),
        peep: peepholes ? Float32Array.from(need(`${n}/peep`, [3 * H])) : null,
        below,
        extra,
        z: take(4 * H),
        u: take(D),
        m: take(4 * H * D),
        D,
      };
    });
    const F = outputSkips ? hiddenSizes.reduce((a, b) => a + b, 0) : (hiddenSizes[hiddenSizes.length - 1] as number);
    this.Kp = pad4(K);
    this.Fp = pad8(F);
    this.outW = take(this.Kp * this.Fp);
    this.hcat = take(this.Fp);
    this.y = take(this.Kp);
    this.arena = createFastArena(top, options.kernel ?? 'auto');
    this.kernel = this.arena.kernel;
    const f = this.arena.f32;
    this.f = f;
    hiddenSizes.forEach((H, n) => {
      const L = this.layers[n] as FastLayer;
      if (L.below > 0) transposeInto(f, L.m, L.D, 0, need(`${n}/wbelow`, [L.below, 4 * H]), L.below, 4 * H);
      if (L.extra > 0) transposeInto(f, L.m, L.D, L.below, need(`${n}/wextra`, [L.extra, 4 * H]), L.extra, 4 * H);
      transposeInto(f, L.m, L.D, L.below + L.extra, need(`${n}/wh`, [H, 4 * H]), H, 4 * H);
    });
    if (K > 0) {
      transposeInto(f, this.outW, this.Fp, 0, need('out/w', [F, K]), F, K);
      this.outB = Float32Array.from(need('out/b', [K]));
    } else {
      this.outB = null;
    }
    this.yView = f.subarray(this.y, this.y + K);
  }

  /**
   * The typed-array twin of a live stack, reading its variables once (`dataSync`). Rebuild it after the
   * weights change (training, dynamic evaluation).
   */
  static fromStack(stack: LstmStack, options: Omit<FastLstmStackOptions, 'prefix'> = {}): FastLstmStack {
    const weights: Record<string, Float32Array> = {};
    for (const [name, v] of Object.entries(stack.params)) weights[name] = v.dataSync() as Float32Array;
    return new FastLstmStack(stack.config, weights, { ...options, prefix: stack.prefix });
  }

  /** Number of layers N. */
  get numLayers(): number {
    return this.layers.length;
  }

  /** h = c = 0 for every layer. */
  zeroState(): FastLstmState {
    return { h: this.layers.map((l) => new Float32Array(l.H)), c: this.layers.map((l) => new Float32Array(l.H)) };
  }

  /** A deep copy of a state. */
  cloneState(state: FastLstmState): FastLstmState {
    return { h: state.h.map((a) => a.slice()), c: state.c.map((a) => a.slice()) };
  }

  /**
   * One time step through every layer (Eqs. 1–2, 7–11) and the output (Eq. 3); updates `state` in place.
   * @param input - a symbol id in `[0, I)` or a dense vector of length I.
   * @param extras - per layer the extra input (length E_n, required where E_n > 0) or null.
   * @returns ŷ_t, length K: a view reused by the next call (copy what you keep).
   * @throws {@link ShapeError} on an id out of range or a length that does not match the configuration.
   */
  step(input: FastStackInput, state: FastLstmState, extras?: ReadonlyArray<ArrayLike<number> | null>): Float32Array {
    const N = this.layers.length;
    if (extras !== undefined && extras.length !== N) {
      throw new ShapeError(`FastLstmStack.step: extras must have one entry per layer (${N}), got ${extras.length}`);
    }
    for (let n = 0; n < N; n++) {
      this.layerStep(n, (this.layers[n] as FastLayer).inputWidth > 0 ? input : null, state, extras?.[n] ?? null);
    }
    return this.output(state);
  }

  /**
   * One step of layer n alone (for step-major code that computes something between layers, e.g. a window):
   * z = [x W_x] + h^{n−1}_t W_below + e W_extra + h^n_{t−1} W_h + b (reading `state.h[n − 1]` as h^{n−1}_t, so
   * run the layers in order), then the peephole cell; updates `state.h[n]`, `state.c[n]` in place.
   * @param input - id, dense vector or null (no data term); must be null for a layer without a data input.
   * @param extra - length E_n where E_n > 0, else null.
   * @throws {@link ShapeError} on a bad layer, id, length or state.
   */
  layerStep(layer: number, input: FastStackInput | null, state: FastLstmState, extra: ArrayLike<number> | null = null): void {
    const L = this.layers[layer];
    if (L === undefined) throw new ShapeError(`FastLstmStack.layerStep: layer ${layer} out of range [0, ${this.layers.length})`);
    const H = L.H;
    const h = state.h[layer];
    const c = state.c[layer];
    if (h === undefined || c === undefined || h.length !== H || c.length !== H) {
      throw new ShapeError(
        `FastLstmStack.layerStep: state.h[${layer}] and state.c[${layer}] must have length ${H}, got ${h?.length ?? 'nothing'} and ${c?.length ?? 'nothing'}`,
      );
    }
    const f = this.f;
    const zo = L.z;
    const b = L.b;
    const G = 4 * H;
    if (input === null) {
      for (let j = 0; j < G; j++) f[zo + j] = b[j] as number;
    } else if (L.wx === null) {
      throw new ShapeError(`FastLstmStack.layerStep: layer ${layer} takes no data input (inputSkips is false)`);
    } else if (typeof input === 'number') {
      if (!(Number.isInteger(input) && input >= 0 && input < L.inputWidth)) {
        throw new ShapeError(`FastLstmStack.layerStep: input id ${input} is outside [0, ${L.inputWidth})`);
      }
      // One-hot x: x W_x is row `input` of W_x.
      const wx = L.wx;
      const base = input * G;
      for (let j = 0; j < G; j++) f[zo + j] = (b[j] as number) + (wx[base + j] as number);
    } else {
      const I = L.inputWidth;
      if (input.length !== I) throw new ShapeError(`FastLstmStack.layerStep: dense input must have length ${I}, got ${input.length}`);
      const d = (L.dense ??= this.denseInput(L));
      const g = d.arena.f32;
      for (let k = 0; k < I; k++) g[d.x + k] = input[k] as number;
      g.fill(0, d.out, d.out + G);
      d.arena.matVec(d.out, d.wxT, G, d.Ip, d.x);
      for (let j = 0; j < G; j++) f[zo + j] = (b[j] as number) + (g[d.out + j] as number);
    }
    const u = L.u;
    if (L.below > 0) f.set(state.h[layer - 1] as Float32Array, u);
    if (L.extra > 0) {
      if (extra === null || extra.length !== L.extra) {
        throw new ShapeError(`FastLstmStack.layerStep: layer ${layer} needs an extra input of length ${L.extra}, got ${extra === null ? 'null' : extra.length}`);
      }
      for (let k = 0; k < L.extra; k++) f[u + L.below + k] = extra[k] as number;
    } else if (extra !== null) {
      throw new ShapeError(`FastLstmStack.layerStep: layer ${layer} takes no extra input (extraInputSizes[${layer}] is 0)`);
    }
    f.set(h, u + L.below + L.extra);
    this.arena.matVec(zo, L.m, G, L.D, u);
    const peep = L.peep;
    for (let j = 0; j < H; j++) {
      const cPrev = c[j] as number;
      let ai = f[zo + j] as number;
      let af = f[zo + H + j] as number;
      const ag = f[zo + 2 * H + j] as number;
      let ao = f[zo + 3 * H + j] as number;
      if (peep !== null) {
        ai += cPrev * (peep[j] as number);
        af += cPrev * (peep[H + j] as number);
      }
      const cNext = Math.fround(sigmoid(af) * cPrev + sigmoid(ai) * Math.tanh(ag));
      if (peep !== null) ao += cNext * (peep[2 * H + j] as number); // o peeks at the current c_t (Eq. 10)
      c[j] = cNext;
      h[j] = sigmoid(ao) * Math.tanh(cNext);
    }
  }

  /**
   * The output layer, Eq. (3): ŷ = [h^1, …, h^N] W_out + b_out (only h^N without output skips) from `state`.
   * @returns length K, a view reused by the next call; empty when outputSize is 0.
   */
  output(state: FastLstmState): Float32Array {
    const K = this.config.outputSize;
    const ob = this.outB;
    if (ob === null) return this.yView;
    const f = this.f;
    const N = this.layers.length;
    let at = this.hcat;
    for (let n = this.config.outputSkips ? 0 : N - 1; n < N; n++) {
      const h = state.h[n] as Float32Array;
      f.set(h, at);
      at += h.length;
    }
    const y = this.y;
    for (let k = 0; k < K; k++) f[y + k] = ob[k] as number;
    this.arena.matVec(y, this.outW, this.Kp, this.Fp, this.hcat);
    return this.yView;
  }

  /** Lays out W_xᵀ of a layer for dense inputs (first dense step only). */
  private denseInput(L: FastLayer): DenseInput {
    const I = L.inputWidth;
    const G = 4 * L.H;
    const Ip = pad8(I);
    const arena = createFastArena(G * Ip + Ip + G, this.kernel);
    transposeInto(arena.f32, 0, Ip, 0, L.wx as Float32Array, I, G);
    return { arena, wxT: 0, x: G * Ip, out: G * Ip + Ip, Ip };
  }
}
