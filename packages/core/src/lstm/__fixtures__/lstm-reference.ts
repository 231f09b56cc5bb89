/**
 * Test-only float64 reference of the LSTM stack: a scalar-loop forward (Graves 2013 Eqs. 1–3, 7–11)
 * and a hand-written BPTT backward that clips the four pre-activation errors elementwise (§2.1,
 * RNNLIB order: δa_o is clipped before its peephole contribution to dc_t; clipped values are used for
 * the weight derivatives and for further backpropagation). Independent of tfjs.
 * Layouts: sequences `[T, B, D]` row-major; weights `[in, 4H]` row-major with gate blocks [i, f, g, o];
 * peepholes `[p_i, p_f, p_o]`. Parameter names as in LstmStack (`lstm/0/wx`, …).
 */

export interface RefConfig {
  inputSize: number;
  hiddenSizes: number[];
  outputSize: number;
  peepholes: boolean;
  inputSkips: boolean;
  outputSkips: boolean;
  extraInputSizes: number[];
  lstmClip: number | null;
}

export type RefParams = Record<string, Float64Array>;

export interface RefInputs {
  T: number;
  B: number;
  /** Dense data input `[T, B, I]` (a one-hot row for ids input). */
  x: Float64Array;
  extras: Array<Float64Array | null>;
  h0: Float64Array[];
  c0: Float64Array[];
}

export interface RefLayerCache {
  /** Gate activations per step `[T, B, H]`. */
  i: Float64Array;
  f: Float64Array;
  g: Float64Array;
  o: Float64Array;
  /** c_0..c_T and h_0..h_T, `[T + 1, B, H]`. */
  c: Float64Array;
  h: Float64Array;
}

export interface RefForward {
  logits: Float64Array;
  /** Per layer h_1..h_T `[T, B, H]`. */
  hidden: Float64Array[];
  hT: Float64Array[];
  cT: Float64Array[];
  cache: RefLayerCache[];
}

export interface RefSeeds {
  dLogits: Float64Array;
  dHidden: Float64Array[];
  dhT: Float64Array[];
  dcT: Float64Array[];
}

export interface RefGrads {
  params: RefParams;
  x: Float64Array;
  extras: Array<Float64Array | null>;
  h0: Float64Array[];
  c0: Float64Array[];
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

function get(p: RefParams, name: string): Float64Array {
  const v = p[name];
  if (v === undefined) throw new Error(`reference: missing parameter ${name}`);
  return v;
}

/** Parameter names and shapes in LstmStack's layout. */
export function refParamShapes(cfg: RefConfig, prefix = 'lstm'): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  cfg.hiddenSizes.forEach((H, n) => {
    if (n === 0 || cfg.inputSkips) out[`${prefix}/${n}/wx`] = [cfg.inputSize, 4 * H];
    if (n > 0) out[`${prefix}/${n}/wbelow`] = [cfg.hiddenSizes[n - 1] as number, 4 * H];
    const E = cfg.extraInputSizes[n] as number;
    if (E > 0) out[`${prefix}/${n}/wextra`] = [E, 4 * H];
    out[`${prefix}/${n}/wh`] = [H, 4 * H];
    out[`${prefix}/${n}/b`] = [4 * H];
    if (cfg.peepholes) out[`${prefix}/${n}/peep`] = [3 * H];
  });
  if (cfg.outputSize > 0) {
    const fed = cfg.outputSkips ? cfg.hiddenSizes.reduce((a, b) => a + b, 0) : (cfg.hiddenSizes.at(-1) as number);
    out[`${prefix}/out/w`] = [fed, cfg.outputSize];
    out[`${prefix}/out/b`] = [cfg.outputSize];
  }
  return out;
}

/** Adds rows·W into z: z[r, j] += Σ_k rows[r, k] W[k, j]. */
function accumulate(z: Float64Array, zOff: number, rows: Float64Array, rOff: number, K: number, W: Float64Array, J: number): void {
  for (let k = 0; k < K; k++) {
    const v = rows[rOff + k] as number;
    if (v === 0) continue;
    const wOff = k * J;
    for (let j = 0; j < J; j++) z[zOff + j] = (z[zOff + j] as number) + v * (W[wOff + j] as number);
  }
}

export function refForward(cfg: RefConfig, P: RefParams, inp: RefInputs, prefix = 'lstm'): RefForward {
  const { T, B } = inp;
  const I = cfg.inputSize;
  const hidden: Float64Array[] = [];
  const cache: RefLayerCache[] = [];
  const hT: Float64Array[] = [];
  const cT: Float64Array[] = [];
  cfg.hiddenSizes.forEach((H, n) => {
    const H4 = 4 * H;
    const E = cfg.extraInputSizes[n] as number;
    const Hb = n > 0 ? (cfg.hiddenSizes[n - 1] as number) : 0;
    const wx = n === 0 || cfg.inputSkips ? get(P, `${prefix}/${n}/wx`) : null;
    const wbelow = n > 0 ? get(P, `${prefix}/${n}/wbelow`) : null;
    const wextra = E > 0 ? get(P, `${prefix}/${n}/wextra`) : null;
    const wh = get(P, `${prefix}/${n}/wh`);
    const bias = get(P, `${prefix}/${n}/b`);
    const peep = cfg.peepholes ? get(P, `${prefix}/${n}/peep`) : null;
    const below = n > 0 ? (hidden[n - 1] as Float64Array) : null;
    const extra = inp.extras[n] ?? null;
    const L: RefLayerCache = {
      i: new Float64Array(T * B * H),
      f: new Float64Array(T * B * H),
      g: new Float64Array(T * B * H),
      o: new Float64Array(T * B * H),
      c: new Float64Array((T + 1) * B * H),
      h: new Float64Array((T + 1) * B * H),
    };
    L.c.set(inp.c0[n] as Float64Array, 0);
    L.h.set(inp.h0[n] as Float64Array, 0);
    const z = new Float64Array(H4);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const r = t * B + b;
        z.set(bias);
        if (wx !== null) accumulate(z, 0, inp.x, r * I, I, wx, H4);
        if (wbelow !== null && below !== null) accumulate(z, 0, below, r * Hb, Hb, wbelow, H4);
        if (wextra !== null && extra !== null) accumulate(z, 0, extra, r * E, E, wextra, H4);
        accumulate(z, 0, L.h, (t * B + b) * H, H, wh, H4);
        for (let m = 0; m < H; m++) {
          const cp = L.c[(t * B + b) * H + m] as number;
          const ai = (z[m] as number) + (peep ? (peep[m] as number) * cp : 0);
          const af = (z[H + m] as number) + (peep ? (peep[H + m] as number) * cp : 0);
          const i = sigmoid(ai);
          const f = sigmoid(af);
          const g = Math.tanh(z[2 * H + m] as number);
          const c = f * cp + i * g;
          const ao = (z[3 * H + m] as number) + (peep ? (peep[2 * H + m] as number) * c : 0);
          const o = sigmoid(ao);
          const k = r * H + m;
          L.i[k] = i;
          L.f[k] = f;
          L.g[k] = g;
          L.o[k] = o;
          L.c[((t + 1) * B + b) * H + m] = c;
          L.h[((t + 1) * B + b) * H + m] = o * Math.tanh(c);
        }
      }
    }
    cache.push(L);
    hidden.push(L.h.slice(B * H));
    hT.push(L.h.slice(T * B * H));
    cT.push(L.c.slice(T * B * H));
  });
  const K = cfg.outputSize;
  const logits = new Float64Array(T * B * K);
  if (K > 0) {
    const W = get(P, `${prefix}/out/w`);
    const bOut = get(P, `${prefix}/out/b`);
    const layers = cfg.outputSkips ? cfg.hiddenSizes.map((_, n) => n) : [cfg.hiddenSizes.length - 1];
    for (let r = 0; r < T * B; r++) {
      logits.set(bOut, r * K);
      let off = 0;
      for (const n of layers) {
        const H = cfg.hiddenSizes[n] as number;
        accumulate(logits, r * K, hidden[n] as Float64Array, r * H, H, W.subarray(off * K), K);
        off += H;
      }
    }
  }
  return { logits, hidden, hT, cT, cache };
}

/** Hand-written BPTT with pre-activation error clipping (cfg.lstmClip); see the file comment. */
export function refBackward(cfg: RefConfig, P: RefParams, inp: RefInputs, fwd: RefForward, seeds: RefSeeds, prefix = 'lstm'): RefGrads {
  const { T, B } = inp;
  const I = cfg.inputSize;
  const K = cfg.outputSize;
  const N = cfg.hiddenSizes.length;
  const clip = (v: number): number => (cfg.lstmClip === null ? v : Math.max(-cfg.lstmClip, Math.min(cfg.lstmClip, v)));
  const shapes = refParamShapes(cfg, prefix);
  const G: RefParams = {};
  for (const [name, shape] of Object.entries(shapes)) G[name] = new Float64Array(shape.reduce((a, b) => a * b, 1));
  const dx = new Float64Array(T * B * I);
  const dExtras = inp.extras.map((e) => (e === null ? null : new Float64Array(e.length)));
  const dh0: Float64Array[] = new Array<Float64Array>(N);
  const dc0: Float64Array[] = new Array<Float64Array>(N);
  // dH[n]: total ∂L/∂h^n_t from the seeds and the output layer; layer n+1 adds its part below.
  const dH = cfg.hiddenSizes.map((_, n) => Float64Array.from(seeds.dHidden[n] as Float64Array));
  if (K > 0) {
    const W = get(P, `${prefix}/out/w`);
    const gW = get(G, `${prefix}/out/w`);
    const gb = get(G, `${prefix}/out/b`);
    const layers = cfg.outputSkips ? cfg.hiddenSizes.map((_, n) => n) : [N - 1];
    for (let r = 0; r < T * B; r++) {
      for (let k = 0; k < K; k++) gb[k] = (gb[k] as number) + (seeds.dLogits[r * K + k] as number);
      let off = 0;
      for (const n of layers) {
        const H = cfg.hiddenSizes[n] as number;
        const h = fwd.hidden[n] as Float64Array;
        const d = dH[n] as Float64Array;
        for (let m = 0; m < H; m++) {
          let acc = 0;
          for (let k = 0; k < K; k++) {
            const dy = seeds.dLogits[r * K + k] as number;
            acc += dy * (W[(off + m) * K + k] as number);
            gW[(off + m) * K + k] = (gW[(off + m) * K + k] as number) + dy * (h[r * H + m] as number);
          }
          d[r * H + m] = (d[r * H + m] as number) + acc;
        }
        off += H;
      }
    }
  }
  for (let n = N - 1; n >= 0; n--) {
    const H = cfg.hiddenSizes[n] as number;
    const H4 = 4 * H;
    const E = cfg.extraInputSizes[n] as number;
    const Hb = n > 0 ? (cfg.hiddenSizes[n - 1] as number) : 0;
    const L = fwd.cache[n] as RefLayerCache;
    const wh = get(P, `${prefix}/${n}/wh`);
    const peep = cfg.peepholes ? get(P, `${prefix}/${n}/peep`) : null;
    const d = dH[n] as Float64Array;
    const dz = new Float64Array(T * B * H4);
    let dhRec = new Float64Array(B * H);
    let dcRec = Float64Array.from(seeds.dcT[n] as Float64Array);
    for (let q = 0; q < B * H; q++) d[(T - 1) * B * H + q] = (d[(T - 1) * B * H + q] as number) + (seeds.dhT[n] as Float64Array)[q]!;
    for (let t = T - 1; t >= 0; t--) {
      const nextDc = new Float64Array(B * H);
      for (let b = 0; b < B; b++) {
        for (let m = 0; m < H; m++) {
          const k = (t * B + b) * H + m;
          const i = L.i[k] as number, f = L.f[k] as number, g = L.g[k] as number, o = L.o[k] as number;
          const c = L.c[((t + 1) * B + b) * H + m] as number;
          const cp = L.c[(t * B + b) * H + m] as number;
          const tc = Math.tanh(c);
          const dh = (d[k] as number) + (dhRec[b * H + m] as number);
          const dao = clip(dh * tc * o * (1 - o));
          const dc = (dcRec[b * H + m] as number) + dh * o * (1 - tc * tc) + (peep ? dao * (peep[2 * H + m] as number) : 0);
          const dai = clip(dc * g * i * (1 - i));
          const daf = clip(dc * cp * f * (1 - f));
          const dag = clip(dc * i * (1 - g * g));
          nextDc[b * H + m] = dc * f + (peep ? dai * (peep[m] as number) + daf * (peep[H + m] as number) : 0);
          const zOff = (t * B + b) * H4;
          dz[zOff + m] = dai;
          dz[zOff + H + m] = daf;
          dz[zOff + 2 * H + m] = dag;
          dz[zOff + 3 * H + m] = dao;
          if (peep) {
            const gp = get(G, `${prefix}/${n}/peep`);
            gp[m] = (gp[m] as number) + dai * cp;
            gp[H + m] = (gp[H + m] as number) + daf * cp;
            gp[2 * H + m] = (gp[2 * H + m] as number) + dao * c;
          }
        }
      }
      const nextDh = new Float64Array(B * H);
      for (let b = 0; b < B; b++) {
        const zOff = (t * B + b) * H4;
        for (let k = 0; k < H; k++) {
          let acc = 0;
          const hp = L.h[(t * B + b) * H + k] as number;
          const gwh = get(G, `${prefix}/${n}/wh`);
          for (let j = 0; j < H4; j++) {
            acc += (dz[zOff + j] as number) * (wh[k * H4 + j] as number);
            gwh[k * H4 + j] = (gwh[k * H4 + j] as number) + hp * (dz[zOff + j] as number);
          }
          nextDh[b * H + k] = acc;
        }
      }
      dhRec = nextDh;
      dcRec = nextDc;
    }
    dh0[n] = dhRec;
    dc0[n] = dcRec;
    // Non-recurrent parts: bias, data input, layer below, extras.
    const gb = get(G, `${prefix}/${n}/b`);
    const part = (rows: Float64Array, width: number, W: Float64Array, gW: Float64Array, dRows: Float64Array | null): void => {
      for (let r = 0; r < T * B; r++) {
        for (let k = 0; k < width; k++) {
          const v = rows[r * width + k] as number;
          let acc = 0;
          for (let j = 0; j < H4; j++) {
            const e = dz[r * H4 + j] as number;
            gW[k * H4 + j] = (gW[k * H4 + j] as number) + v * e;
            acc += e * (W[k * H4 + j] as number);
          }
          if (dRows !== null) dRows[r * width + k] = (dRows[r * width + k] as number) + acc;
        }
      }
    };
    for (let r = 0; r < T * B; r++) for (let j = 0; j < H4; j++) gb[j] = (gb[j] as number) + (dz[r * H4 + j] as number);
    if (n === 0 || cfg.inputSkips) part(inp.x, I, get(P, `${prefix}/${n}/wx`), get(G, `${prefix}/${n}/wx`), dx);
    if (n > 0) part(fwd.hidden[n - 1] as Float64Array, Hb, get(P, `${prefix}/${n}/wbelow`), get(G, `${prefix}/${n}/wbelow`), dH[n - 1] as Float64Array);
    const extra = inp.extras[n] ?? null;
    if (E > 0 && extra !== null) part(extra, E, get(P, `${prefix}/${n}/wextra`), get(G, `${prefix}/${n}/wextra`), dExtras[n] ?? null);
  }
  return { params: G, x: dx, extras: dExtras, h0: dh0, c0: dc0 };
}

/** Σ logits·dLogits + Σ_n (hidden_n·dHidden_n + hT_n·dhT_n + cT_n·dcT_n): a linear probe loss. */
export function refProbeLoss(fwd: RefForward, seeds: RefSeeds): number {
  let s = 0;
  const dot = (a: Float64Array, b: Float64Array): void => {
    for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  };
  dot(fwd.logits, seeds.dLogits);
  fwd.hidden.forEach((h, n) => dot(h, seeds.dHidden[n] as Float64Array));
  fwd.hT.forEach((h, n) => dot(h, seeds.dhT[n] as Float64Array));
  fwd.cT.forEach((c, n) => dot(c, seeds.dcT[n] as Float64Array));
  return s;
}
