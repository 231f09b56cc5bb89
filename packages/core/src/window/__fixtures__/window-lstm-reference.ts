/**
 * Test-only float64 reference of the synthesis network's layer 1 + soft window (Graves 2013 Eqs. 7–11,
 * 46–52): a scalar-loop forward from zero state and a hand-written BPTT backward of the linear loss
 * L = Σ seeds · outputs (hidden, windows, φ, κ), clipping the four LSTM pre-activation errors
 * elementwise (§2.1, RNNLIB order, as lstm-reference.ts: δa_o before its peephole reaches c_t; clipped
 * values flow on). Independent of tfjs. Layouts row-major: zx `[T, B, 4H]`, wh `[H, 4H]`, wExtra `[S, 4H]`,
 * peep `[3H]`, winW `[H, 3K]`, winB `[3K]`, chars `[B, U, S]`, mask `[B, U]`.
 */

export interface WlDims {
  T: number;
  B: number;
  H: number;
  S: number;
  U: number;
  K: number;
}

/** The differentiable inputs, by the names of windowLstmSequence's parameters. */
export interface WlParams {
  zx: Float64Array;
  wExtra: Float64Array;
  wh: Float64Array;
  peep: Float64Array | null;
  winW: Float64Array;
  winB: Float64Array;
}

export interface WlOutputs {
  hidden: Float64Array;
  windows: Float64Array;
  phi: Float64Array;
  kappa: Float64Array;
}

export interface WlCase {
  dims: WlDims;
  params: WlParams;
  chars: Float64Array;
  mask: Float64Array | null;
  /** ∂L/∂outputs. */
  seeds: WlOutputs;
}

interface Cache extends WlOutputs {
  /** Per step, `[T, B, ·]`: gate activations, c_t, c_{t−1}, tanh c_t, α̂, β, exp κ̂. */
  i: Float64Array;
  f: Float64Array;
  g: Float64Array;
  o: Float64Array;
  c: Float64Array;
  cPrev: Float64Array;
  tc: Float64Array;
  alphaHat: Float64Array;
  beta: Float64Array;
  ek: Float64Array;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const at = (a: Float64Array, i: number): number => a[i] as number;

export function wlForward(d: WlDims, p: WlParams, chars: Float64Array, mask: Float64Array | null): Cache {
  const { T, B, H, S, U, K } = d;
  const H4 = 4 * H;
  const z = (n: number): Float64Array => new Float64Array(n);
  const out: Cache = {
    hidden: z(T * B * H), windows: z(T * B * S), phi: z(T * B * U), kappa: z(T * B * K),
    i: z(T * B * H), f: z(T * B * H), g: z(T * B * H), o: z(T * B * H), c: z(T * B * H), cPrev: z(T * B * H), tc: z(T * B * H),
    alphaHat: z(T * B * K), beta: z(T * B * K), ek: z(T * B * K),
  };
  for (let b = 0; b < B; b++) {
    const h = z(H);
    const c = z(H);
    const w = z(S);
    const kap = z(K);
    for (let t = 0; t < T; t++) {
      const r = t * B + b;
      const pre = z(H4);
      for (let q = 0; q < H4; q++) {
        let v = at(p.zx, r * H4 + q);
        for (let j = 0; j < H; j++) v += at(h, j) * at(p.wh, j * H4 + q);
        for (let s = 0; s < S; s++) v += at(w, s) * at(p.wExtra, s * H4 + q);
        pre[q] = v;
      }
      for (let j = 0; j < H; j++) {
        const cp = at(c, j);
        const pi = p.peep === null ? 0 : at(p.peep, j);
        const pf = p.peep === null ? 0 : at(p.peep, H + j);
        const po = p.peep === null ? 0 : at(p.peep, 2 * H + j);
        const i = sigmoid(at(pre, j) + pi * cp);
        const f = sigmoid(at(pre, H + j) + pf * cp);
        const g = Math.tanh(at(pre, 2 * H + j));
        const cn = f * cp + i * g;
        const o = sigmoid(at(pre, 3 * H + j) + po * cn);
        const tc = Math.tanh(cn);
        const k = r * H + j;
        out.i[k] = i; out.f[k] = f; out.g[k] = g; out.o[k] = o; out.c[k] = cn; out.cPrev[k] = cp; out.tc[k] = tc;
        c[j] = cn;
        h[j] = o * tc;
        out.hidden[k] = o * tc;
      }
      const pw = z(3 * K);
      for (let q = 0; q < 3 * K; q++) {
        let v = at(p.winB, q);
        for (let j = 0; j < H; j++) v += at(h, j) * at(p.winW, j * 3 * K + q);
        pw[q] = v;
      }
      for (let k = 0; k < K; k++) {
        out.alphaHat[r * K + k] = at(pw, k);
        out.beta[r * K + k] = Math.exp(at(pw, K + k));
        out.ek[r * K + k] = Math.exp(at(pw, 2 * K + k));
        kap[k] = at(kap, k) + Math.exp(at(pw, 2 * K + k));
        out.kappa[r * K + k] = at(kap, k);
      }
      for (let s = 0; s < S; s++) w[s] = 0;
      for (let u = 0; u < U; u++) {
        let phi = 0;
        for (let k = 0; k < K; k++) {
          phi += Math.exp(at(pw, k)) * Math.exp(-Math.exp(at(pw, K + k)) * (at(kap, k) - (u + 1)) ** 2);
        }
        phi *= mask === null ? 1 : at(mask, b * U + u);
        out.phi[r * U + u] = phi;
        for (let s = 0; s < S; s++) w[s] = at(w, s) + phi * at(chars, (b * U + u) * S + s);
      }
      for (let s = 0; s < S; s++) out.windows[r * S + s] = at(w, s);
    }
  }
  return out;
}

/** L = Σ seeds · outputs. */
export function wlLoss(c: WlCase, params: WlParams = c.params): number {
  const f = wlForward(c.dims, params, c.chars, c.mask);
  let loss = 0;
  for (const key of ['hidden', 'windows', 'phi', 'kappa'] as const) {
    const o = f[key];
    const s = c.seeds[key];
    for (let n = 0; n < o.length; n++) loss += at(o, n) * at(s, n);
  }
  return loss;
}

/** ∂L/∂params by hand-written BPTT, LSTM pre-activation errors clipped to ±clip (null: off). */
export function wlBackward(cs: WlCase, clip: number | null): WlParams {
  const { T, B, H, S, U, K } = cs.dims;
  const H4 = 4 * H;
  const p = cs.params;
  const f = wlForward(cs.dims, p, cs.chars, cs.mask);
  const cl = (v: number): number => (clip === null ? v : Math.min(clip, Math.max(-clip, v)));
  const g: WlParams = {
    zx: new Float64Array(T * B * H4), wExtra: new Float64Array(S * H4), wh: new Float64Array(H * H4),
    peep: p.peep === null ? null : new Float64Array(3 * H), winW: new Float64Array(H * 3 * K), winB: new Float64Array(3 * K),
  };
  for (let b = 0; b < B; b++) {
    const dRecH = new Float64Array(H);
    const dRecW = new Float64Array(S);
    const dKappa = new Float64Array(K);
    const dcNext = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const r = t * B + b;
      // Window (Eqs. 56–60, κ accumulating).
      const dw = new Float64Array(S);
      for (let s = 0; s < S; s++) dw[s] = at(cs.seeds.windows, r * S + s) + at(dRecW, s);
      const G = new Float64Array(U);
      for (let u = 0; u < U; u++) {
        let v = at(cs.seeds.phi, r * U + u);
        for (let s = 0; s < S; s++) v += at(dw, s) * at(cs.chars, (b * U + u) * S + s);
        G[u] = v * (cs.mask === null ? 1 : at(cs.mask, b * U + u));
      }
      const dp = new Float64Array(3 * K);
      for (let k = 0; k < K; k++) {
        const aH = at(f.alphaHat, r * K + k);
        const be = at(f.beta, r * K + k);
        const kap = at(f.kappa, r * K + k);
        let sA = 0;
        let sB = 0;
        let sK = 0;
        for (let u = 0; u < U; u++) {
          const dd = kap - (u + 1);
          const e = at(G, u) * Math.exp(aH - be * dd * dd);
          sA += e;
          sB += e * dd * dd;
          sK += e * dd;
        }
        const dk = at(cs.seeds.kappa, r * K + k) + at(dKappa, k) - 2 * be * sK;
        dKappa[k] = dk;
        dp[k] = sA;
        dp[K + k] = -be * sB;
        dp[2 * K + k] = dk * at(f.ek, r * K + k);
      }
      const hRow = (n: number): number => at(f.hidden, r * H + n);
      for (let q = 0; q < 3 * K; q++) {
        g.winB[q] = at(g.winB, q) + at(dp, q);
        for (let j = 0; j < H; j++) g.winW[j * 3 * K + q] = at(g.winW, j * 3 * K + q) + hRow(j) * at(dp, q);
      }
      // LSTM.
      const dz = new Float64Array(H4);
      for (let j = 0; j < H; j++) {
        let dh = at(cs.seeds.hidden, r * H + j) + at(dRecH, j);
        for (let q = 0; q < 3 * K; q++) dh += at(dp, q) * at(p.winW, j * 3 * K + q);
        const k = r * H + j;
        const [i, ff, gg, o, tc, cn, cp] = [f.i, f.f, f.g, f.o, f.tc, f.c, f.cPrev].map((a) => at(a, k)) as number[];
        const pi = p.peep === null ? 0 : at(p.peep, j);
        const pf = p.peep === null ? 0 : at(p.peep, H + j);
        const po = p.peep === null ? 0 : at(p.peep, 2 * H + j);
        const dao = cl(dh * (tc as number) * (o as number) * (1 - (o as number)));
        const dc = at(dcNext, j) + dh * (o as number) * (1 - (tc as number) ** 2) + dao * po;
        const dai = cl(dc * (gg as number) * (i as number) * (1 - (i as number)));
        const daf = cl(dc * (cp as number) * (ff as number) * (1 - (ff as number)));
        const dag = cl(dc * (i as number) * (1 - (gg as number) ** 2));
        dcNext[j] = dc * (ff as number) + dai * pi + daf * pf;
        dz[j] = dai;
        dz[H + j] = daf;
        dz[2 * H + j] = dag;
        dz[3 * H + j] = dao;
        if (g.peep !== null) {
          g.peep[j] = at(g.peep, j) + dai * (cp as number);
          g.peep[H + j] = at(g.peep, H + j) + daf * (cp as number);
          g.peep[2 * H + j] = at(g.peep, 2 * H + j) + dao * (cn as number);
        }
      }
      for (let q = 0; q < H4; q++) g.zx[r * H4 + q] = at(dz, q);
      // Recurrent inputs h_{t−1}, w_{t−1} (zero at t = 0).
      for (let j = 0; j < H; j++) {
        const hPrev = t === 0 ? 0 : at(f.hidden, ((t - 1) * B + b) * H + j);
        let v = 0;
        for (let q = 0; q < H4; q++) {
          v += at(dz, q) * at(p.wh, j * H4 + q);
          g.wh[j * H4 + q] = at(g.wh, j * H4 + q) + hPrev * at(dz, q);
        }
        dRecH[j] = v;
      }
      for (let s = 0; s < S; s++) {
        const wPrev = t === 0 ? 0 : at(f.windows, ((t - 1) * B + b) * S + s);
        let v = 0;
        for (let q = 0; q < H4; q++) {
          v += at(dz, q) * at(p.wExtra, s * H4 + q);
          g.wExtra[s * H4 + q] = at(g.wExtra, s * H4 + q) + wPrev * at(dz, q);
        }
        dRecW[s] = v;
      }
    }
  }
  return g;
}
