/**
 * The two per-step kernels of {@link lstmSequence} (Graves 2013 Eqs. 7–11 forward, their BPTT backward with
 * derivative clipping), registered for the cpu and wasm backends. Each replaces ≈20 small tfjs kernels per
 * time step (gate split, peepholes, sigmoid/tanh, cell, output; the backward's products, clips and concats)
 * by one JS loop over the backend's own memory (the wasm heap or the cpu backend's typed arrays; no copy, no
 * read-back from a GPU). Only the recurrent matMul h_{t−1} W_h (and δz_t W_hᵀ backward) stays a backend
 * kernel. At the text default (B·H = 8k units) the per-kernel cost of tfjs (≈10–40 µs dispatch each, and a
 * thread-pool wake-up per kernel on threaded wasm), not the arithmetic, dominated the step loop.
 *
 * Arithmetic is float64 inside a kernel (exp through {@link expFast}), stored as float32. The kernels read
 * whole-sequence tensors at step `t` (an attribute), so the loops need no per-step slices. They have no
 * gradient of their own and run only inside the custom-gradient op of lstm-sequence.ts.
 *
 * Row layout of `act` `[B, 5H]` (per batch row): [i, f, g, o, tanh c_t] (post-activation).
 */
import * as tf from '@tensorflow/tfjs-core';
import { sigmoidFast, tanhFast } from './fast-math.js';
import { float32StorageFor as storageFor, fusedKernelsAvailable } from '../kernels/float32-storage.js';
import { lstmSimdFor } from '../kernels/lstm-simd.js';

const STEP = 'SeqgenLstmStep';
const STEP_GRAD = 'SeqgenLstmStepGrad';

type Info = tf.TensorInfo;


interface StepAttrs {
  t: number;
  B: number;
  H: number;
}

/** The loop of {@link stepKernel} over plain arrays (a top-level function: V8 optimises it once for both backends). */
function forwardRows(
  t: number,
  B: number,
  H: number,
  zx: Float32Array,
  rec: Float32Array,
  cPrev: Float32Array,
  peep: Float32Array | null,
  act: Float32Array,
  c: Float32Array,
  h: Float32Array,
): void {
  const H4 = 4 * H;
  const H5 = 5 * H;
  for (let b = 0; b < B; b++) {
    const z0 = (t * B + b) * H4;
    const r0 = b * H4;
    const a0 = b * H5;
    const s0 = b * H;
    for (let j = 0; j < H; j++) {
      const cp = cPrev[s0 + j] as number;
      let ai = (zx[z0 + j] as number) + (rec[r0 + j] as number);
      let af = (zx[z0 + H + j] as number) + (rec[r0 + H + j] as number);
      const ag = (zx[z0 + 2 * H + j] as number) + (rec[r0 + 2 * H + j] as number);
      let ao = (zx[z0 + 3 * H + j] as number) + (rec[r0 + 3 * H + j] as number);
      if (peep !== null) {
        ai += (peep[j] as number) * cp;
        af += (peep[H + j] as number) * cp;
      }
      const i = Math.fround(sigmoidFast(ai));
      const f = Math.fround(sigmoidFast(af));
      const g = Math.fround(tanhFast(ag));
      const cn = Math.fround(f * cp + i * g);
      if (peep !== null) ao += (peep[2 * H + j] as number) * cn;
      const o = Math.fround(sigmoidFast(ao));
      const tc = Math.fround(tanhFast(cn));
      act[a0 + j] = i;
      act[a0 + H + j] = f;
      act[a0 + 2 * H + j] = g;
      act[a0 + 3 * H + j] = o;
      act[a0 + 4 * H + j] = tc;
      c[s0 + j] = cn;
      h[s0 + j] = o * tc;
    }
  }
}

/**
 * One forward step t, everything but the recurrent matMul (Eqs. 7–11, gate blocks [i, f, g, o]):
 * ```
 * z = zx_t + rec, i = σ(z_i + p_i c_{t−1}), f = σ(z_f + p_f c_{t−1}), g = tanh z_g,
 * c_t = f c_{t−1} + i g, o = σ(z_o + p_o c_t), h_t = o tanh c_t
 * ```
 * Inputs zx `[T, B, 4H]`, rec `[B, 4H]` = h_{t−1} W_h, cPrev `[B, H]`, peep `[3H]` (optional).
 * Outputs act `[B, 5H]`, c_t `[B, H]`, h_t `[B, H]`.
 */
function stepKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { t, B, H } = attrs as unknown as StepAttrs;
    const st = storageFor(backendName, backend);
    const actI = st.alloc([B, 5 * H]);
    const cI = st.alloc([B, H]);
    const hI = st.alloc([B, H]);
    const zx = st.view(inputs['zx'] as Info);
    const rec = st.view(inputs['rec'] as Info);
    const cPrev = st.view(inputs['cPrev'] as Info);
    const peep = inputs['peep'] === undefined ? null : st.view(inputs['peep'] as Info);
    const act = st.view(actI);
    const c = st.view(cI);
    const h = st.view(hI);
    const simd = backendName === 'wasm' && H % 4 === 0 ? lstmSimdFor(backend) : null;
    if (simd !== null) {
      const zxAt = zx.byteOffset + t * B * 16 * H;
      simd.forward(B, H, zxAt, rec.byteOffset, cPrev.byteOffset, peep?.byteOffset ?? 0, peep === null ? 0 : 1, act.byteOffset, c.byteOffset, h.byteOffset);
    } else {
      forwardRows(t, B, H, zx, rec, cPrev, peep, act, c, h);
    }
    return [actI, cI, hI];
  };
}

/** The loop of {@link stepGradKernel} over plain arrays; adds the step's peephole-gradient terms to `sums`. */
function backwardRows(
  t: number,
  T: number,
  B: number,
  H: number,
  clip: number,
  dy: Float32Array,
  dRec: Float32Array | null,
  dcNext: Float32Array | null,
  act: Float32Array,
  cs: Float32Array,
  peep: Float32Array | null,
  sums: Float64Array | null,
  dz: Float32Array,
  dcOut: Float32Array,
): void {
  const noClip = clip < 0;
  for (let b = 0; b < B; b++) {
    const s0 = b * H;
    const y0 = (t * B + b) * H;
    const n0 = dcNext === null ? (T * B + b) * H : s0; // dc_{t+1}': dy row T at the last step
    const nx = dcNext ?? dy;
    const a0 = (t * B + b) * 5 * H;
    const cp0 = (t * B + b) * H; // c_{t−1} is cs row t
    const cn0 = cp0 + B * H; // c_t is cs row t + 1
    const z0 = b * 4 * H;
    for (let j = 0; j < H; j++) {
      const i = act[a0 + j] as number;
      const f = act[a0 + H + j] as number;
      const g = act[a0 + 2 * H + j] as number;
      const o = act[a0 + 3 * H + j] as number;
      const tc = act[a0 + 4 * H + j] as number;
      const cp = cs[cp0 + j] as number;
      const dh = (dy[y0 + j] as number) + (dRec === null ? 0 : (dRec[s0 + j] as number));
      let dao = dh * tc * o * (1 - o);
      if (!noClip) dao = dao > clip ? clip : dao < -clip ? -clip : dao;
      dao = Math.fround(dao);
      let dc = (nx[n0 + j] as number) + dh * o * (1 - tc * tc);
      if (peep !== null) dc += dao * (peep[2 * H + j] as number);
      let dai = dc * g * i * (1 - i);
      let daf = dc * cp * f * (1 - f);
      let dag = dc * i * (1 - g * g);
      if (!noClip) {
        dai = dai > clip ? clip : dai < -clip ? -clip : dai;
        daf = daf > clip ? clip : daf < -clip ? -clip : daf;
        dag = dag > clip ? clip : dag < -clip ? -clip : dag;
      }
      dai = Math.fround(dai);
      daf = Math.fround(daf);
      dag = Math.fround(dag);
      let dcPrev = dc * f;
      if (peep !== null && sums !== null) {
        dcPrev += dai * (peep[j] as number) + daf * (peep[H + j] as number);
        sums[j] = (sums[j] as number) + dai * cp;
        sums[H + j] = (sums[H + j] as number) + daf * cp;
        sums[2 * H + j] = (sums[2 * H + j] as number) + dao * (cs[cn0 + j] as number);
      }
      dz[z0 + j] = dai;
      dz[z0 + H + j] = daf;
      dz[z0 + 2 * H + j] = dag;
      dz[z0 + 3 * H + j] = dao;
      dcOut[s0 + j] = dcPrev;
    }
  }
}

/**
 * One backward step t, everything but δz_t W_hᵀ, with clip(v) = min(max(v, −clip), clip) (identity when
 * `clip` < 0) and dh = ∂L/∂h_t (dy row t) + dRec (= δz_{t+1} W_hᵀ):
 * ```
 * δa_o = clip(dh tanh(c_t) o(1−o))          dc = dc_{t+1}' + dh o (1 − tanh² c_t) + δa_o p_o
 * δa_i = clip(dc g i(1−i))   δa_f = clip(dc c_{t−1} f(1−f))   δa_g = clip(dc i (1−g²))
 * dc_t' = dc f + δa_i p_i + δa_f p_f
 * ```
 * (δa_o is clipped before it reaches c_t; the clipped δz flows on: RNNLIB). Inputs dy `[T + 1, B, H]`
 * (rows 0..T−1 ∂L/∂h_t, row T ∂L/∂c_T), dRec and dcNext `[B, H]` (omitted at t = T − 1: dcNext is then dy
 * row T), act `[T, B, 5H]`, cs `[T + 1, B, H]` (c_0..c_T), peep and dPeep `[3H]` (the running Σ_t of the
 * peephole gradient [δa_i c_{t−1}, δa_f c_{t−1}, δa_o c_t]; optional). Outputs δz_t `[B, 4H]`, dc_t'
 * `[B, H]` and, with peepholes, the new running sum.
 */
function stepGradKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { t, B, H } = attrs as unknown as StepAttrs;
    const clip = (attrs as unknown as { clip: number }).clip;
    const T = (attrs as unknown as { T: number }).T;
    const hasPeep = inputs['peep'] !== undefined;
    const st = storageFor(backendName, backend);
    const dzI = st.alloc([B, 4 * H]);
    const dcI = st.alloc([B, H]);
    const dPeepI = hasPeep ? st.alloc([3 * H]) : null;
    const dy = st.view(inputs['dy'] as Info);
    const dRec = inputs['dRec'] === undefined ? null : st.view(inputs['dRec'] as Info);
    const dcNext = inputs['dcNext'] === undefined ? null : st.view(inputs['dcNext'] as Info);
    const act = st.view(inputs['act'] as Info);
    const cs = st.view(inputs['cs'] as Info);
    const peep = hasPeep ? st.view(inputs['peep'] as Info) : null;
    const dPeepIn = inputs['dPeep'] === undefined ? null : st.view(inputs['dPeep'] as Info);
    const dz = st.view(dzI);
    const dcOut = st.view(dcI);
    const dPeep = dPeepI === null ? null : st.view(dPeepI);
    const simd = backendName === 'wasm' && H % 4 === 0 ? lstmSimdFor(backend) : null;
    if (simd !== null) {
      // float32 running sum, added to in place by the kernel
      if (dPeep !== null) {
        if (dPeepIn === null) dPeep.fill(0);
        else dPeep.set(dPeepIn);
      }
      const row = B * H * 4; // bytes of one [B, H] row block
      simd.backward(
        B, H, clip < 0 ? Infinity : clip, dy.byteOffset + t * row, dRec?.byteOffset ?? 0, dRec === null ? 0 : 1,
        dcNext === null ? dy.byteOffset + T * row : dcNext.byteOffset, act.byteOffset + t * 5 * row, cs.byteOffset + t * row,
        cs.byteOffset + (t + 1) * row, peep?.byteOffset ?? 0, dPeep?.byteOffset ?? 0, dPeep === null ? 0 : 1, dz.byteOffset, dcOut.byteOffset,
      );
      return dPeepI === null ? [dzI, dcI] : [dzI, dcI, dPeepI];
    }
    const sums = hasPeep ? new Float64Array(3 * H) : null;
    backwardRows(t, T, B, H, clip, dy, dRec, dcNext, act, cs, peep, sums, dz, dcOut);
    if (dPeep !== null && sums !== null) {
      for (let j = 0; j < 3 * H; j++) dPeep[j] = (sums[j] as number) + (dPeepIn === null ? 0 : (dPeepIn[j] as number));
    }
    return dPeepI === null ? [dzI, dcI] : [dzI, dcI, dPeepI];
  };
}

/** Whether the fused kernels serve the current backend (cpu, wasm); registers them on first use. */
export function lstmSequenceKernelsAvailable(): boolean {
  return fusedKernelsAvailable([
    [STEP, stepKernel],
    [STEP_GRAD, stepGradKernel],
  ]);
}

function run(name: string, inputs: Record<string, tf.Tensor | null>, attrs: Record<string, number>): tf.Tensor[] {
  const named: tf.NamedTensorMap = {};
  for (const [key, v] of Object.entries(inputs)) if (v !== null) named[key] = v;
  return tf.engine().runKernel(name, named, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
}

/** The forward step kernel: `[act [B, 5H], c_t [B, H], h_t [B, H]]`. */
export function lstmStepForward(
  t: number,
  inputs: { zx: tf.Tensor3D; rec: tf.Tensor2D; cPrev: tf.Tensor2D; peep: tf.Tensor1D | null },
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  const [, B, H4] = inputs.zx.shape;
  return run(STEP, inputs, { t, B, H: H4 / 4 }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
}

/** The backward step kernel (dRec, dcNext null at t = T − 1; clip null = off): `[δz_t, dc_t', dPeep?]`. */
export function lstmStepBackward(
  t: number,
  clip: number | null,
  inputs: {
    dy: tf.Tensor3D; dRec: tf.Tensor2D | null; dcNext: tf.Tensor2D | null; act: tf.Tensor3D; cs: tf.Tensor3D;
    peep: tf.Tensor1D | null; dPeep: tf.Tensor1D | null;
  },
): tf.Tensor[] {
  const [T, B, H5] = inputs.act.shape;
  return run(STEP_GRAD, inputs, { t, T, B, H: H5 / 5, clip: clip ?? -1 });
}
