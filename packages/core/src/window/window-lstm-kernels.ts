/**
 * The two per-step kernels of {@link windowLstmSequence} (Graves 2013 Eqs. 7–11 and 46–51 forward, their
 * BPTT backward), registered for the cpu and wasm backends. Each replaces ≈100 small tfjs kernels per time
 * step (gates, the window projection h W_p, the window) by one JS loop over the backend's own memory (the
 * wasm heap or the cpu backend's typed arrays; no copy, no read-back from a GPU): at the synthesis
 * network's sizes (B·H ≈ 4k units, B·K·U ≈ 10k window terms) the per-kernel cost of tfjs (dispatch, and on
 * threaded wasm a thread-pool wake-up per kernel), not the arithmetic, dominated the step-by-step loop.
 * Only the recurrent matMul [h, w]_{t−1} [W_h; W_extra] (and its transpose backward) stays a backend kernel.
 *
 * Arithmetic is float64 inside a kernel, stored as float32. The kernels read whole-sequence tensors at
 * step `t` (an attribute), so the loops need no per-step slices. They have no gradient of their own and
 * run only inside the custom-gradient op of window-lstm.ts.
 *
 * Row layouts (per batch row b):
 * - `act` `[B, 5H]` = [i, f, g, o, tanh c_t] (post-activation);
 * - `aux` `[B, 3K]` = [α̂_t, β_t, exp(κ̂_t)] (Eqs. 48–51; α̂ includes the bias);
 * - `row` `[B, P]`, P = H + S + U + K: [h_t, w_t, φ(t, 1..U), κ_t], the op's packed output row;
 * - `hw` `[B, H + S]` = [h_t, w_t], the next step's recurrent input (one matMul with [W_h; W_extra]).
 */
import * as tf from '@tensorflow/tfjs-core';
import { expFast, sigmoidFast, tanhFast } from '../lstm/fast-math.js';
import { lstmSimdFor } from '../kernels/lstm-simd.js';
import { float32StorageFor as storageFor, fusedKernelsAvailable } from '../kernels/float32-storage.js';

const STEP = 'SeqgenWindowLstmStep';
const STEP_GRAD = 'SeqgenWindowLstmStepGrad';

type Info = tf.TensorInfo;


const sigmoid = sigmoidFast;
const tanh = tanhFast;
/**
 * Window terms exp(e) with e below this are skipped: exp(−104) < 2^−149 / 2, so they cannot change a float32
 * φ (or its gradient sums), and far-away characters (β (κ − u)² large) cost no exp.
 */
const NEGLIGIBLE = -104;

/** Sizes shared by every kernel. */
interface Dims {
  t: number;
  B: number;
  H: number;
  S: number;
  U: number;
  K: number;
}

function dimsOf(attrs: tf.NamedAttrMap | undefined): Dims {
  return attrs as unknown as Dims;
}

/**
 * One forward step t (Eqs. 7–11, 48–51, 46–47), everything but the recurrent matMul:
 * ```
 * z = zx_t + rec, a_i = z_i + p_i c_{t−1}, a_f = z_f + p_f c_{t−1}, c_t = f c_{t−1} + i tanh(z_g),
 * a_o = z_o + p_o c_t, h_t = o tanh c_t;  (α̂, β̂, κ̂) = h_t W_p + b_p, β = exp β̂, κ_t = κ_{t−1} + exp κ̂,
 * φ(t, u) = mask_u Σ_k exp(α̂_k − β_k (κ_k − u)²) (u = 1..U), w_t = Σ_u φ(t, u) c_u
 * ```
 * (h_t W_p, `[B, H]·[H, 3K]`, is too small for a backend matMul to pay off.) Inputs zx `[T, B, 4H]`,
 * rec `[B, 4H]` = [h, w]_{t−1} [W_h; W_extra], cPrev `[B, H]`, prevRow `[B, P]` (κ_{t−1}; rec, cPrev and
 * prevRow omitted at t = 0: zero state), peep `[3H]` (optional), winWT = W_pᵀ `[3K, H]`, winB `[3K]`,
 * chars `[B, U, S]`, mask `[B, U]` (optional). Outputs act, c `[B, H]`, hw, row, aux.
 */
function stepKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { t, B, H, S, U, K } = dimsOf(attrs);
    const P = H + S + U + K;
    const K3 = 3 * K;
    const H4 = 4 * H;
    const st = storageFor(backendName, backend);
    const actI = st.alloc([B, 5 * H]);
    const cI = st.alloc([B, H]);
    const hwI = st.alloc([B, H + S]);
    const rowI = st.alloc([B, P]);
    const auxI = st.alloc([B, K3]);
    // wasm: h_t W_p for all rows as one SIMD gemm (scratch allocated before any view: a heap growth detaches them)
    const simd = backendName === 'wasm' ? lstmSimdFor(backend) : null;
    const packI = simd === null ? null : st.alloc([Math.ceil(K3 / 8) * 8 * H]);
    const projI = simd === null ? null : st.alloc([B, K3]);
    // wasm, H a multiple of 4: the gates by lstm-simd's forward kernel (h_t into a dense scratch, zeros for the t = 0 state)
    const simdGates = simd !== null && H % 4 === 0;
    const hI = simdGates ? st.alloc([B, H]) : null;
    const zeroI = simdGates && (inputs['rec'] === undefined || inputs['cPrev'] === undefined) ? st.alloc([B, H4]) : null;
    const zx = st.view(inputs['zx'] as Info);
    const rec = inputs['rec'] === undefined ? null : st.view(inputs['rec'] as Info);
    const cPrev = inputs['cPrev'] === undefined ? null : st.view(inputs['cPrev'] as Info);
    const prevRow = inputs['prevRow'] === undefined ? null : st.view(inputs['prevRow'] as Info);
    const peep = inputs['peep'] === undefined ? null : st.view(inputs['peep'] as Info);
    const winWT = st.view(inputs['winWT'] as Info);
    const winB = st.view(inputs['winB'] as Info);
    const chars = st.view(inputs['chars'] as Info);
    const mask = inputs['mask'] === undefined ? null : st.view(inputs['mask'] as Info);
    const act = st.view(actI);
    const c = st.view(cI);
    const hw = st.view(hwI);
    const row = st.view(rowI);
    const aux = st.view(auxI);
    const p = new Float64Array(K3);
    const kappa = new Float64Array(K);
    const phi = new Float64Array(U);
    if (simd !== null && hI !== null) {
      const hD = st.view(hI);
      const zero = zeroI === null ? null : st.view(zeroI).fill(0);
      simd.forward(
        B, H, zx.byteOffset + t * B * H4 * 4, (rec ?? zero as Float32Array).byteOffset, (cPrev ?? zero as Float32Array).byteOffset,
        peep?.byteOffset ?? 0, peep === null ? 0 : 1, act.byteOffset, c.byteOffset, hD.byteOffset,
      );
      for (let b = 0; b < B; b++) {
        const hb = hD.subarray(b * H, (b + 1) * H);
        hw.set(hb, b * (H + S));
        row.set(hb, b * P);
      }
    }
    for (let b = 0; b < B && hI === null; b++) {
      const z0 = (t * B + b) * H4;
      const r0 = b * H4;
      const a0 = b * 5 * H;
      const o0 = b * P;
      for (let j = 0; j < H; j++) {
        const cp = cPrev === null ? 0 : (cPrev[b * H + j] as number);
        let ai = zx[z0 + j] as number;
        let af = zx[z0 + H + j] as number;
        let ag = zx[z0 + 2 * H + j] as number;
        let ao = zx[z0 + 3 * H + j] as number;
        if (rec !== null) {
          ai += rec[r0 + j] as number;
          af += rec[r0 + H + j] as number;
          ag += rec[r0 + 2 * H + j] as number;
          ao += rec[r0 + 3 * H + j] as number;
        }
        if (peep !== null) {
          ai += (peep[j] as number) * cp;
          af += (peep[H + j] as number) * cp;
        }
        const i = Math.fround(sigmoid(ai));
        const f = Math.fround(sigmoid(af));
        const g = Math.fround(tanh(ag));
        const cn = Math.fround(f * cp + i * g);
        if (peep !== null) ao += (peep[2 * H + j] as number) * cn;
        const o = Math.fround(sigmoid(ao));
        const tc = Math.fround(tanh(cn));
        const h = Math.fround(o * tc);
        act[a0 + j] = i;
        act[a0 + H + j] = f;
        act[a0 + 2 * H + j] = g;
        act[a0 + 3 * H + j] = o;
        act[a0 + 4 * H + j] = tc;
        c[b * H + j] = cn;
        hw[b * (H + S) + j] = h;
        row[o0 + j] = h;
      }
    }
    const proj = projI === null ? null : st.view(projI);
    if (simd !== null && packI !== null && proj !== null) {
      const pack = st.view(packI);
      simd.pack_bt(H, K3, winWT.byteOffset, H, pack.byteOffset);
      simd.gemm(B, K3, H, row.byteOffset, P * 4, 4, pack.byteOffset, H * 32, proj.byteOffset, K3, 0);
    }
    for (let b = 0; b < B; b++) {
      const o0 = b * P;
      for (let q = 0; q < K3; q++) {
        let acc = winB[q] as number;
        if (proj !== null) {
          acc += proj[b * K3 + q] as number;
        } else {
          const w0 = q * H;
          for (let j = 0; j < H; j++) acc += (row[o0 + j] as number) * (winWT[w0 + j] as number);
        }
        p[q] = acc;
      }
      for (let k = 0; k < K; k++) {
        const aH = Math.fround(p[k] as number);
        const be = Math.fround(expFast(Math.fround(p[K + k] as number)));
        const ek = Math.fround(expFast(Math.fround(p[2 * K + k] as number)));
        const kPrev = prevRow === null ? 0 : (prevRow[o0 + H + S + U + k] as number);
        p[k] = aH;
        p[K + k] = be;
        kappa[k] = Math.fround(kPrev + ek);
        aux[b * K3 + k] = aH;
        aux[b * K3 + K + k] = be;
        aux[b * K3 + 2 * K + k] = ek;
        row[o0 + H + S + U + k] = kappa[k] as number;
      }
      for (let u = 0; u < U; u++) {
        const m = mask === null ? 1 : (mask[b * U + u] as number);
        let sum = 0;
        if (m !== 0) {
          for (let k = 0; k < K; k++) {
            const d = (kappa[k] as number) - (u + 1);
            const e = (p[k] as number) - (p[K + k] as number) * d * d;
            if (e > NEGLIGIBLE) sum += expFast(e);
          }
        }
        const v = Math.fround(sum * m);
        phi[u] = v;
        row[o0 + H + S + u] = v;
      }
      for (let s = 0; s < S; s++) {
        let w = 0;
        for (let u = 0; u < U; u++) {
          const cv = chars[(b * U + u) * S + s] as number;
          if (cv !== 0) w += (phi[u] as number) * cv;
        }
        row[o0 + H + s] = w;
        hw[b * (H + S) + H + s] = w;
      }
    }
    for (const scratch of [packI, projI, hI, zeroI]) if (scratch !== null) (backend as { disposeData(id: object): void }).disposeData(scratch.dataId);
    return [actI, cI, hwI, rowI, auxI];
  };
}

/**
 * One backward step t. The window first (Eqs. 56–60 for the un-normalised window; κ accumulates):
 * dw = ∂L/∂w_t (from `dy`) + (δz_{t+1} [W_h; W_extra]ᵀ)_w; dφ_u = ∂L/∂φ(t,u) + Σ_s dw_s c_{u,s};
 * with G_u = mask_u dφ_u and e_{ku} = exp(α̂_k − β_k d²), d = κ_k − u:
 * δα̂_k = Σ_u G_u e_{ku}, δβ̂_k = −β_k Σ_u G_u e_{ku} d², dκ_t = ∂L/∂κ_t + dκ_{t+1} − 2β_k Σ_u G_u e_{ku} d,
 * δκ̂_k = dκ_t exp(κ̂_k). Then the gates, with clip(v) = min(max(v, −clip), clip) (identity when `clip` < 0)
 * and dh = ∂L/∂h_t (from `dy`) + (δz_{t+1} [W_h; W_extra]ᵀ)_h + δp_t W_pᵀ:
 * ```
 * δa_o = clip(dh tanh(c_t) o(1−o))          dc = dc_{t+1}' + dh o (1 − tanh² c_t) + δa_o p_o
 * δa_i = clip(dc g i(1−i))   δa_f = clip(dc c_{t−1} f(1−f))   δa_g = clip(dc i (1−g²))
 * dc_t' = dc f + δa_i p_i + δa_f p_f
 * ```
 * (the clipping of lstmCell / lstmSequence). Inputs dy `[T, B, P]`, dRec `[B, H + S]`, dKappaNext `[B, K]`,
 * dcNext `[B, H]` (those three omitted at t = T − 1), act `[T, B, 5H]`, cs `[T, B, H]` (c_1..c_T),
 * aux `[T, B, 3K]`, value `[T, B, P]` (κ_t), chars, mask (optional), winW `[H, 3K]`, peep and dPeep `[3H]`
 * (running Σ of the peephole gradient; optional). Outputs δz `[B, 4H]`, dc_t' `[B, H]`, dκ_t `[B, K]`,
 * δp `[B, 3K]` and, with peepholes, the new running sum.
 */
function stepGradKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { t, B, H, S, U, K } = dimsOf(attrs);
    const clip = (attrs as unknown as { clip: number }).clip;
    const P = H + S + U + K;
    const K3 = 3 * K;
    const hasPeep = inputs['peep'] !== undefined;
    const st = storageFor(backendName, backend);
    const dzI = st.alloc([B, 4 * H]);
    const dcI = st.alloc([B, H]);
    const dKappaI = st.alloc([B, K]);
    const dpI = st.alloc([B, K3]);
    const dPeepI = hasPeep ? st.alloc([3 * H]) : null;
    // wasm: δp W_pᵀ for all rows as one SIMD gemm (scratch allocated before any view)
    const simd = backendName === 'wasm' ? lstmSimdFor(backend) : null;
    const packI = simd === null ? null : st.alloc([Math.ceil(H / 8) * 8 * K3]);
    const dhpI = simd === null ? null : st.alloc([B, H]);
    // wasm, H a multiple of 4: the gates by lstm-simd's backward kernel (dh_t and the t = 0 / T − 1 zeros dense)
    const simdGates = simd !== null && H % 4 === 0;
    const zeroI = simdGates && (t === 0 || inputs['dcNext'] === undefined) ? st.alloc([B, H]) : null;
    const dy = st.view(inputs['dy'] as Info);
    const dRec = inputs['dRec'] === undefined ? null : st.view(inputs['dRec'] as Info);
    const dKappaNext = inputs['dKappaNext'] === undefined ? null : st.view(inputs['dKappaNext'] as Info);
    const dcNext = inputs['dcNext'] === undefined ? null : st.view(inputs['dcNext'] as Info);
    const act = st.view(inputs['act'] as Info);
    const cs = st.view(inputs['cs'] as Info);
    const aux = st.view(inputs['aux'] as Info);
    const value = st.view(inputs['value'] as Info);
    const chars = st.view(inputs['chars'] as Info);
    const mask = inputs['mask'] === undefined ? null : st.view(inputs['mask'] as Info);
    const winW = st.view(inputs['winW'] as Info);
    const peep = hasPeep ? st.view(inputs['peep'] as Info) : null;
    const dPeepIn = inputs['dPeep'] === undefined ? null : st.view(inputs['dPeep'] as Info);
    const dz = st.view(dzI);
    const dcOut = st.view(dcI);
    const dKappa = st.view(dKappaI);
    const dpOut = st.view(dpI);
    const dPeep = dPeepI === null ? null : st.view(dPeepI);
    const cl = (v: number): number => (clip < 0 ? v : v > clip ? clip : v < -clip ? -clip : v);
    const sums = hasPeep ? new Float64Array(3 * H) : null;
    const dw = new Float64Array(S);
    const g = new Float64Array(U);
    const dp = new Float64Array(K3);
    for (let b = 0; b < B; b++) {
      const y0 = (t * B + b) * P;
      // Window.
      for (let s = 0; s < S; s++) dw[s] = (dy[y0 + H + s] as number) + (dRec === null ? 0 : (dRec[b * (H + S) + H + s] as number));
      for (let u = 0; u < U; u++) {
        const m = mask === null ? 1 : (mask[b * U + u] as number);
        let d = dy[y0 + H + S + u] as number;
        const c0 = (b * U + u) * S;
        for (let s = 0; s < S; s++) {
          const cv = chars[c0 + s] as number;
          if (cv !== 0) d += (dw[s] as number) * cv;
        }
        g[u] = d * m;
      }
      const x0 = (t * B + b) * K3;
      for (let k = 0; k < K; k++) {
        const aH = aux[x0 + k] as number;
        const be = aux[x0 + K + k] as number;
        const ek = aux[x0 + 2 * K + k] as number;
        const kap = value[y0 + H + S + U + k] as number;
        let sA = 0;
        let sB = 0;
        let sK = 0;
        for (let u = 0; u < U; u++) {
          const gu = g[u] as number;
          if (gu === 0) continue;
          const d = kap - (u + 1);
          const e = aH - be * d * d;
          if (e <= NEGLIGIBLE) continue;
          const te = gu * expFast(e);
          sA += te;
          sB += te * d * d;
          sK += te * d;
        }
        const dk = Math.fround(
          (dy[y0 + H + S + U + k] as number) + (dKappaNext === null ? 0 : (dKappaNext[b * K + k] as number)) - 2 * be * sK,
        );
        dp[k] = Math.fround(sA);
        dp[K + k] = Math.fround(-be * sB);
        dp[2 * K + k] = Math.fround(dk * ek);
        dKappa[b * K + k] = dk;
      }
      for (let q = 0; q < K3; q++) dpOut[b * K3 + q] = dp[q] as number;
    }
    const dhp = dhpI === null ? null : st.view(dhpI);
    if (simd !== null && packI !== null && dhp !== null) {
      const pack = st.view(packI);
      simd.pack_bt(K3, H, winW.byteOffset, K3, pack.byteOffset);
      simd.gemm(B, H, K3, dpOut.byteOffset, K3 * 4, 4, pack.byteOffset, K3 * 32, dhp.byteOffset, H, 0);
    }
    if (simdGates && simd !== null && dhp !== null) {
      // dh_t = ∂L/∂h_t + (δz_{t+1} [W_h; W_extra]ᵀ)_h + δp W_pᵀ, dense in dhp
      for (let b = 0; b < B; b++) {
        const y0 = (t * B + b) * P;
        for (let j = 0; j < H; j++) {
          dhp[b * H + j] = (dhp[b * H + j] as number) + (dy[y0 + j] as number) + (dRec === null ? 0 : (dRec[b * (H + S) + j] as number));
        }
      }
      const zero = zeroI === null ? null : st.view(zeroI).fill(0);
      if (dPeep !== null) {
        if (dPeepIn === null) dPeep.fill(0);
        else dPeep.set(dPeepIn);
      }
      const rowBytes = B * H * 4;
      simd.backward(
        B, H, clip < 0 ? Infinity : clip, dhp.byteOffset, 0, 0, (dcNext ?? zero as Float32Array).byteOffset, act.byteOffset + t * 5 * rowBytes,
        t === 0 ? (zero as Float32Array).byteOffset : cs.byteOffset + (t - 1) * rowBytes, cs.byteOffset + t * rowBytes,
        peep?.byteOffset ?? 0, dPeep?.byteOffset ?? 0, dPeep === null ? 0 : 1, dz.byteOffset, dcOut.byteOffset,
      );
    }
    for (let b = 0; b < B && !simdGates; b++) {
      const y0 = (t * B + b) * P;
      // Gates.
      const a0 = (t * B + b) * 5 * H;
      for (let j = 0; j < H; j++) {
        const i = act[a0 + j] as number;
        const f = act[a0 + H + j] as number;
        const gg = act[a0 + 2 * H + j] as number;
        const o = act[a0 + 3 * H + j] as number;
        const tc = act[a0 + 4 * H + j] as number;
        const cn = cs[(t * B + b) * H + j] as number;
        const cp = t === 0 ? 0 : (cs[((t - 1) * B + b) * H + j] as number);
        let dh = (dy[y0 + j] as number) + (dRec === null ? 0 : (dRec[b * (H + S) + j] as number));
        if (dhp !== null) {
          dh += dhp[b * H + j] as number;
        } else {
          const w0 = j * K3;
          for (let q = 0; q < K3; q++) dh += (dpOut[b * K3 + q] as number) * (winW[w0 + q] as number);
        }
        const dao = Math.fround(cl(dh * tc * o * (1 - o)));
        let dc = (dcNext === null ? 0 : (dcNext[b * H + j] as number)) + dh * o * (1 - tc * tc);
        if (peep !== null) dc += dao * (peep[2 * H + j] as number);
        const dai = Math.fround(cl(dc * gg * i * (1 - i)));
        const daf = Math.fround(cl(dc * cp * f * (1 - f)));
        const dag = Math.fround(cl(dc * i * (1 - gg * gg)));
        let dcPrev = dc * f;
        if (peep !== null && sums !== null) {
          dcPrev += dai * (peep[j] as number) + daf * (peep[H + j] as number);
          sums[j] = (sums[j] as number) + dai * cp;
          sums[H + j] = (sums[H + j] as number) + daf * cp;
          sums[2 * H + j] = (sums[2 * H + j] as number) + dao * cn;
        }
        const z0 = b * 4 * H;
        dz[z0 + j] = dai;
        dz[z0 + H + j] = daf;
        dz[z0 + 2 * H + j] = dag;
        dz[z0 + 3 * H + j] = dao;
        dcOut[b * H + j] = dcPrev;
      }
    }
    if (dPeep !== null && sums !== null && !simdGates) {
      for (let j = 0; j < 3 * H; j++) dPeep[j] = (sums[j] as number) + (dPeepIn === null ? 0 : (dPeepIn[j] as number));
    }
    for (const scratch of [packI, dhpI, zeroI]) if (scratch !== null) (backend as { disposeData(id: object): void }).disposeData(scratch.dataId);
    return dPeepI === null ? [dzI, dcI, dKappaI, dpI] : [dzI, dcI, dKappaI, dpI, dPeepI];
  };
}

/** Whether the fused kernels serve the current backend (cpu, wasm); registers them on first use. */
export function windowLstmKernelsAvailable(): boolean {
  return fusedKernelsAvailable([
    [STEP, stepKernel],
    [STEP_GRAD, stepGradKernel],
  ]);
}

/** Sizes of one {@link windowLstmSequence} call. */
export interface WindowLstmDims {
  B: number;
  H: number;
  S: number;
  U: number;
  K: number;
}

function run(name: string, inputs: Record<string, tf.Tensor | null>, attrs: Record<string, number>): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [key, v] of Object.entries(inputs)) if (v !== null) named[key] = v;
  return tf.engine().runKernel(name, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** The forward step kernel (rec, cPrev, prevRow null at t = 0): `[act, c, hw, row, aux]`. */
export function stepForward(
  dims: WindowLstmDims,
  t: number,
  inputs: {
    zx: tf.Tensor3D; rec: tf.Tensor2D | null; cPrev: tf.Tensor2D | null; prevRow: tf.Tensor2D | null; peep: tf.Tensor1D | null;
    winWT: tf.Tensor2D; winB: tf.Tensor1D; chars: tf.Tensor3D; mask: tf.Tensor2D | null;
  },
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  return run(STEP, inputs, { ...dims, t }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
}

/** The backward step kernel (dRec, dKappaNext, dcNext null at t = T − 1; clip null = off): `[δz, dc', dκ, δp, dPeep?]`. */
export function stepBackward(
  dims: WindowLstmDims,
  t: number,
  clip: number | null,
  inputs: {
    dy: tf.Tensor3D; dRec: tf.Tensor2D | null; dKappaNext: tf.Tensor2D | null; dcNext: tf.Tensor2D | null;
    act: tf.Tensor3D; cs: tf.Tensor3D; aux: tf.Tensor3D; value: tf.Tensor3D; chars: tf.Tensor3D; mask: tf.Tensor2D | null;
    winW: tf.Tensor2D; peep: tf.Tensor1D | null; dPeep: tf.Tensor1D | null;
  },
): tf.Tensor[] {
  return run(STEP_GRAD, inputs, { ...dims, t, clip: clip ?? -1 });
}
