/**
 * A whole peephole-LSTM layer over a sequence as ONE `tf.customGrad` op with a hand-written BPTT
 * backward, Graves (2013) Eqs. (7)–(11), with derivative clipping at the pre-activations (§2.1).
 * Inside a custom op the forward kernels are not recorded on the gradient tape, so the tape holds one
 * node per layer instead of ~20 per time step.
 *
 * Two implementations with the same values and gradients: {@link lstmSequence} runs each step as the
 * recurrent matMul plus ONE fused JS kernel, forward and backward (lstm-sequence-kernels.ts; cpu and
 * wasm), and {@link lstmSequenceOps} as ~20 small tfjs kernels per step forward and ~17 backward (the
 * reference, and the path on every other backend).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { concatColumns, splitBlocks, unstackRows } from './block-kernels.js';
import { matMulT, sumRows } from './linear.js';
import { matMulPacked, packWeights } from '../kernels/packed-matmul.js';
import { lstmSequenceKernelsAvailable, lstmStepBackward, lstmStepForward } from './lstm-sequence-kernels.js';

/** Output of {@link lstmSequence}. */
export interface LstmSequenceResult {
  /** h_1..h_T, `[T, B, H]`. */
  hidden: tf.Tensor3D;
  /** h_T, `[B, H]`. */
  h: tf.Tensor2D;
  /** c_T, `[B, H]`. */
  c: tf.Tensor2D;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function checkArgs(
  where: string,
  zx: tf.Tensor3D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
): [number, number, number] {
  const [T, B, H4] = zx.shape;
  const H = H4 / 4;
  if (zx.rank !== 3 || H4 % 4 !== 0 || T < 1) {
    throw new ShapeError(`${where}: zx must be [T >= 1, B, 4H], got ${shapeText(zx)}`);
  }
  if (wh.rank !== 2 || wh.shape[0] !== H || wh.shape[1] !== H4) {
    throw new ShapeError(`${where}: wh must be [${H}, ${H4}], got ${shapeText(wh)}`);
  }
  if (peep !== null && (peep.rank !== 1 || peep.shape[0] !== 3 * H)) {
    throw new ShapeError(`${where}: peep must be [${3 * H}], got ${shapeText(peep)}`);
  }
  for (const [name, s] of [['h0', h0], ['c0', c0]] as const) {
    if (s.rank !== 2 || s.shape[0] !== B || s.shape[1] !== H) {
      throw new ShapeError(`${where}: ${name} must be [${B}, ${H}], got ${shapeText(s)}`);
    }
  }
  return [T, B, H];
}

/** Splits the op's packed output `[T + 1, B, H]` (h_1..h_T, then c_T) into the result. */
function unpack(packed: tf.Tensor3D, T: number, B: number, H: number): LstmSequenceResult {
  const result = tf.tidy(() => ({
    hidden: tf.slice(packed, [0, 0, 0], [T, B, H]),
    h: tf.reshape(tf.slice(packed, [T - 1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D,
    c: tf.reshape(tf.slice(packed, [T, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D,
  }));
  packed.dispose();
  return result;
}

/**
 * Runs one LSTM layer over all T steps from its precomputed non-recurrent pre-activations.
 *
 * Forward per step (gate layout `[i, f, g, o]`): z_t = zx_t + h_{t−1} W_h, then Eqs. (7)–(11) exactly
 * as {@link lstmCell}. Backward per step, t = T..1, with clip(v) = clipByValue(v, −clip, clip) (identity
 * when `clip` is null) and dh_t = ∂L/∂h_t + δz_{t+1} W_hᵀ:
 * ```
 * δa_o = clip(dh_t ∘ tanh(c_t) ∘ o(1−o))                 clipped BEFORE it reaches c_t
 * dc_t = dc_{t+1}' + dh_t ∘ o ∘ (1 − tanh²c_t) + δa_o ∘ p_o
 * δa_i = clip(dc_t ∘ g ∘ i(1−i))   δa_f = clip(dc_t ∘ c_{t−1} ∘ f(1−f))   δa_g = clip(dc_t ∘ i ∘ (1−g²))
 * dc_t' = dc_t ∘ f + δa_i ∘ p_i + δa_f ∘ p_f              (passed to step t−1)
 * ```
 * The clipped δz_t = [δa_i, δa_f, δa_g, δa_o] is used for everything downstream (RNNLIB behaviour):
 * ∂L/∂zx_t = δz_t, ∂L/∂W_h = Σ_t h_{t−1}ᵀ δz_t (one matMul over all steps), ∂L/∂p = Σ_t δa ∘ c.
 *
 * @param zx - `[T, B, 4H]`: x_t W_x (+ lower layer, extras) + b for every step. Gradient flows back
 *   through it to whatever produced it.
 * @param wh - recurrent weights `[H, 4H]`.
 * @param peep - `[3H]` `[p_i, p_f, p_o]`, or null for no peepholes.
 * @param h0 - h_0 `[B, H]`; @param c0 - c_0 `[B, H]`.
 * @param clip - elementwise limit of the pre-activation errors, or null (off).
 * On cpu and wasm each step is one recurrent matMul plus one fused JS kernel each way
 * (lstm-sequence-kernels.ts; ∂L/∂p summed inside the backward kernel); other backends, and non-float32
 * inputs, use {@link lstmSequenceOps} (same values and gradients within float32 rounding).
 *
 * @remarks Differentiable w.r.t. zx, wh, peep, h0 and c0 (pass variables as arguments). Reads no
 * data back to JS. The caller owns the outputs; call inside `tf.tidy` or a gradient scope.
 * @throws {@link ShapeError} when shapes disagree or T = 0.
 */
export function lstmSequence(
  zx: tf.Tensor3D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  clip: number | null = null,
): LstmSequenceResult {
  const [T, B, H] = checkArgs('lstmSequence', zx, wh, peep, h0, c0);
  const float32 = [zx, wh, peep, h0, c0].every((x) => x === null || x.dtype === 'float32');
  if (!float32 || !lstmSequenceKernelsAvailable()) return lstmSequenceOps(zx, wh, peep, h0, c0, clip);
  const hasPeep = peep !== null;
  // Inside tf.grad/variableGrads? Otherwise skip saving the activations for the backward pass.
  const recording = tf.engine().state.gradientDepth > 0;

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const zxA = args[0] as tf.Tensor3D;
    const whA = args[1] as tf.Tensor2D;
    const peepA = hasPeep ? (args[2] as tf.Tensor1D) : null;
    const h0A = args[hasPeep ? 3 : 2] as tf.Tensor2D;
    const c0A = args[hasPeep ? 4 : 3] as tf.Tensor2D;

    const hs: tf.Tensor2D[] = [h0A]; // h_0..h_T
    const cs: tf.Tensor2D[] = [c0A]; // c_0..c_T (only the last two when not recording)
    const acts: tf.Tensor2D[] = [];
    const whP = packWeights(whA, false); // wasm: W_h packed once for the T products (null: tf.matMul)
    for (let t = 0; t < T; t++) {
      const hPrev = hs[t] as tf.Tensor2D;
      const rec = whP === null ? (tf.matMul(hPrev, whA) as tf.Tensor2D) : matMulPacked(hPrev, whP);
      const [act, c, h] = lstmStepForward(t, { zx: zxA, rec, cPrev: cs[cs.length - 1] as tf.Tensor2D, peep: peepA });
      rec.dispose();
      if (recording) {
        acts.push(act);
      } else {
        act.dispose();
        if (t > 0) (cs.pop() as tf.Tensor2D).dispose();
      }
      cs.push(c);
      hs.push(h);
    }
    // Packed output: rows 0..T−1 = h_1..h_T, row T = c_T (customGrad ops have one output).
    const value = tf.stack([...hs.slice(1), cs[cs.length - 1] as tf.Tensor2D]);
    if (recording) {
      // The backward kernels index these by t: [act_1..act_T], [c_0..c_T], [h_0..h_{T−1}].
      const saved = [acts, cs, hs.slice(0, T)].map((list) => tf.stack(list) as tf.Tensor3D);
      save(peepA === null ? [...saved, whA] : [...saved, whA, peepA]);
    }
    tf.dispose([...acts, ...hs.slice(1), ...cs.slice(1)]);
    whP?.panels.dispose();

    const gradFunc = (dy: tf.Tensor, savedIn: tf.Tensor[]): tf.Tensor[] => {
      const [actS, csS, hPrevS, whS, peepS] = savedIn as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor1D | undefined];
      const common = { dy: dy as tf.Tensor3D, act: actS, cs: csS, peep: peepS ?? null };
      const whTP = packWeights(whS, true); // wasm: W_hᵀ packed once
      // elsewhere one transpose (matMul with transposeB is slow on wasm without the packed path)
      const whT = whTP === null ? (tf.transpose(whS) as tf.Tensor2D) : null;
      let dRec: tf.Tensor2D | null = null; // δz_{t+1} W_hᵀ; after the loop ∂L/∂h_0
      let dc: tf.Tensor2D | null = null; // dc_{t+1}'; after the loop ∂L/∂c_0
      let dPeep: tf.Tensor1D | null = null;
      const dzs = new Array<tf.Tensor2D>(T);
      for (let t = T - 1; t >= 0; t--) {
        const out = lstmStepBackward(t, clip, { ...common, dRec, dcNext: dc, dPeep });
        for (const x of [dRec, dc, dPeep]) x?.dispose();
        const dz = out[0] as tf.Tensor2D;
        dc = out[1] as tf.Tensor2D;
        dPeep = (out[2] as tf.Tensor1D | undefined) ?? null;
        dRec = whTP === null ? (tf.matMul(dz, whT as tf.Tensor2D) as tf.Tensor2D) : matMulPacked(dz, whTP);
        dzs[t] = dz;
      }
      const dZ = tf.stack(dzs) as tf.Tensor3D; // [T, B, 4H]
      tf.dispose([...dzs, ...(whT === null ? [] : [whT]), ...(whTP === null ? [] : [whTP.panels])]);
      const dWh = matMulT(tf.reshape(hPrevS, [T * B, H]) as tf.Tensor2D, tf.reshape(dZ, [T * B, 4 * H]) as tf.Tensor2D, true, false);
      const grads: tf.Tensor[] = [dZ, dWh];
      if (dPeep !== null) grads.push(dPeep);
      grads.push(dRec as tf.Tensor2D, dc as tf.Tensor2D);
      return grads;
    };
    return { value, gradFunc };
  });

  return unpack((hasPeep ? op(zx, wh, peep, h0, c0) : op(zx, wh, h0, c0)) as tf.Tensor3D, T, B, H);
}

/**
 * {@link lstmSequence} as ~20 tfjs kernels per step forward and ~17 backward inside the same kind of
 * custom-gradient op (the whole-sequence factors and the W_h and peephole gradients as single kernels):
 * the reference the fused kernels are tested against, and the path on backends without them (webgl,
 * webgpu, tfjs-node). Same arguments, results and gradients.
 * @throws {@link ShapeError} when shapes disagree or T = 0.
 */
export function lstmSequenceOps(
  zx: tf.Tensor3D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  h0: tf.Tensor2D,
  c0: tf.Tensor2D,
  clip: number | null = null,
): LstmSequenceResult {
  const [T, B, H] = checkArgs('lstmSequenceOps', zx, wh, peep, h0, c0);
  const hasPeep = peep !== null;
  // Inside tf.grad/variableGrads? Otherwise skip saving the activations for the backward pass.
  const recording = tf.engine().state.gradientDepth > 0;

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const zxA = args[0] as tf.Tensor3D;
    const whA = args[1] as tf.Tensor2D;
    const peepA = hasPeep ? (args[2] as tf.Tensor1D) : null;
    const h0A = args[hasPeep ? 3 : 2] as tf.Tensor2D;
    const c0A = args[hasPeep ? 4 : 3] as tf.Tensor2D;

    const zs = unstackRows(zxA) as tf.Tensor2D[];
    let pi: tf.Tensor1D | null = null;
    let pf: tf.Tensor1D | null = null;
    let po: tf.Tensor1D | null = null;
    if (peepA !== null) [pi, pf, po] = splitBlocks(peepA, 1, 3, H, [H]) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    const hs: tf.Tensor2D[] = [h0A];
    const cs: tf.Tensor2D[] = [c0A];
    const is: tf.Tensor2D[] = [];
    const fs: tf.Tensor2D[] = [];
    const gs: tf.Tensor2D[] = [];
    const os: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const h = hs[t] as tf.Tensor2D;
      const c = cs[t] as tf.Tensor2D;
      const out = tf.tidy(() => {
        const z = tf.add(zs[t] as tf.Tensor2D, tf.matMul(h, whA));
        let [ai, af, ag, ao] = splitBlocks(z, B, 4, H, [B, H]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        if (pi !== null && pf !== null) {
          ai = tf.add(ai, tf.mul(c, pi));
          af = tf.add(af, tf.mul(c, pf));
        }
        const i = tf.sigmoid(ai);
        const f = tf.sigmoid(af);
        const g = tf.tanh(ag);
        const cn = tf.add(tf.mul(f, c), tf.mul(i, g));
        if (po !== null) ao = tf.add(ao, tf.mul(cn, po));
        const o = tf.sigmoid(ao);
        const hn = tf.mul(o, tf.tanh(cn));
        return [i, f, g, o, cn, hn];
      }) as tf.Tensor2D[];
      is.push(out[0] as tf.Tensor2D);
      fs.push(out[1] as tf.Tensor2D);
      gs.push(out[2] as tf.Tensor2D);
      os.push(out[3] as tf.Tensor2D);
      cs.push(out[4] as tf.Tensor2D);
      hs.push(out[5] as tf.Tensor2D);
    }
    // Packed output: rows 0..T−1 = h_1..h_T, row T = c_T (customGrad ops have one output).
    const value = tf.stack([...hs.slice(1), cs[T] as tf.Tensor2D]);
    if (recording) {
      // Stacks (one copy each) instead of slices: wasm's Slice copies the whole source per call.
      const saved = [is, fs, gs, os, hs.slice(0, T), cs.slice(0, T), cs.slice(1)].map((list) => tf.stack(list) as tf.Tensor3D);
      save(peepA === null ? [...saved, whA] : [...saved, whA, peepA]);
    }
    tf.dispose([...is, ...fs, ...gs, ...os, ...zs, ...hs.slice(1), ...cs.slice(1)]);

    const gradFunc = (dy: tf.Tensor, savedIn: tf.Tensor[]): tf.Tensor[] => {
      const [I, F, G, O, Hprev, Cprev, C, whS, peepS] = savedIn as [
        tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D,
        tf.Tensor1D | undefined,
      ];
      // Whole-sequence factors, computed once.
      const tc = tf.tanh(C);
      const one = tf.scalar(1);
      const Ao = tf.mul(tc, tf.mul(O, tf.sub(one, O))); // ∂h/∂a_o per unit dh
      const Bc = tf.mul(O, tf.sub(one, tf.square(tc))); // ∂h/∂c per unit dh
      const Aifg = tf.concat(
        [
          tf.mul(G, tf.mul(I, tf.sub(one, I))), // ∂c/∂a_i
          tf.mul(Cprev, tf.mul(F, tf.sub(one, F))), // ∂c/∂a_f
          tf.mul(I, tf.sub(one, tf.square(G))), // ∂c/∂a_g
        ],
        2,
      );
      const Aos = unstackRows(Ao) as tf.Tensor2D[];
      const Bcs = unstackRows(Bc) as tf.Tensor2D[];
      const Aifgs = unstackRows(Aifg) as tf.Tensor2D[];
      const Fs = unstackRows(F) as tf.Tensor2D[];
      const dys = unstackRows(dy) as tf.Tensor2D[]; // dh_1..dh_T, then dc_T
      const whT = tf.transpose(whS); // one transpose; matMul with transposeB is slow on wasm
      let dcRec = dys[T] as tf.Tensor2D;
      let dhRec: tf.Tensor2D | null = null;
      let pI: tf.Tensor1D | null = null;
      let pF: tf.Tensor1D | null = null;
      let pO: tf.Tensor1D | null = null;
      if (peepS !== undefined) [pI, pF, pO] = splitBlocks(peepS, 1, 3, H, [H]) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const dzs: tf.Tensor2D[] = new Array<tf.Tensor2D>(T);
      for (let t = T - 1; t >= 0; t--) {
        const prevH: tf.Tensor2D | null = dhRec;
        const prevC: tf.Tensor2D = dcRec;
        const out = tf.tidy(() => {
          const dh = prevH === null ? (dys[t] as tf.Tensor2D) : tf.add(dys[t] as tf.Tensor2D, prevH);
          let dao = tf.mul(dh, Aos[t] as tf.Tensor2D);
          if (clip !== null) dao = tf.clipByValue(dao, -clip, clip);
          let dc = tf.add(prevC, tf.mul(dh, Bcs[t] as tf.Tensor2D));
          if (pO !== null) dc = tf.add(dc, tf.mul(dao, pO));
          const dc2 = dc as tf.Tensor2D;
          let difg = tf.mul(concatColumns([dc2, dc2, dc2]), Aifgs[t] as tf.Tensor2D);
          if (clip !== null) difg = tf.clipByValue(difg, -clip, clip);
          const dz = concatColumns([difg as tf.Tensor2D, dao as tf.Tensor2D]);
          const dhNext = tf.matMul(dz, whT);
          let dcNext = tf.mul(dc, Fs[t] as tf.Tensor2D);
          if (pI !== null && pF !== null) {
            const [dai, daf] = splitBlocks(difg, B, 3, H, [B, H]) as [tf.Tensor2D, tf.Tensor2D];
            dcNext = tf.add(dcNext, tf.add(tf.mul(dai, pI), tf.mul(daf, pF)));
          }
          return [dz, dhNext, dcNext];
        }) as tf.Tensor2D[];
        dzs[t] = out[0] as tf.Tensor2D;
        if (prevH !== null) prevH.dispose();
        prevC.dispose();
        dhRec = out[1] as tf.Tensor2D;
        dcRec = out[2] as tf.Tensor2D;
      }
      const dZ = tf.stack(dzs) as tf.Tensor3D; // [T, B, 4H]
      tf.dispose([...dzs, ...Aos, ...Bcs, ...Aifgs, ...Fs, ...dys]);
      const dZ2 = tf.reshape(dZ, [T * B, 4 * H]) as tf.Tensor2D;
      const dWh = matMulT(tf.reshape(Hprev, [T * B, H]) as tf.Tensor2D, dZ2, true, false);
      const grads: tf.Tensor[] = [dZ, dWh];
      if (peepS !== undefined) {
        const [dI, dF, , dO] = splitBlocks(dZ2, T * B, 4, H, [T * B, H]);
        const C2 = tf.reshape(C, [T * B, H]) as tf.Tensor2D;
        const Cp2 = tf.reshape(Cprev, [T * B, H]) as tf.Tensor2D;
        grads.push(
          tf.concat([
            sumRows(tf.mul(dI as tf.Tensor, Cp2)),
            sumRows(tf.mul(dF as tf.Tensor, Cp2)),
            sumRows(tf.mul(dO as tf.Tensor, C2)),
          ]),
        );
      }
      grads.push(dhRec as unknown as tf.Tensor2D, dcRec);
      return grads;
    };
    return { value, gradFunc };
  });

  return unpack((hasPeep ? op(zx, wh, peep, h0, c0) : op(zx, wh, h0, c0)) as tf.Tensor3D, T, B, H);
}
