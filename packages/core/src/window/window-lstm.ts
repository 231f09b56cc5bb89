/**
 * The synthesis network's first LSTM layer and its soft window over a whole sequence as ONE custom-gradient
 * op with a hand-written backward (BPTT through both), Graves (2013) §5: Eqs. (7)–(11), (46)–(52),
 * gradients (56)–(60). The window feeds back into the layer (w_{t−1} is an input at step t), so these two
 * cannot run layer-major like the layers above; this op is their step-major loop with 2 backend kernels
 * per step forward and 2 backward (instead of ≈200 taped kernels per step).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { lstmCellOps } from '../lstm/lstm-cell.js';
import { matMulT, sumRows } from '../lstm/linear.js';
import { matMulPacked, packWeights } from '../kernels/packed-matmul.js';
import { stepBackward, stepForward, windowLstmKernelsAvailable, type WindowLstmDims } from './window-lstm-kernels.js';
import { windowStep } from './window-step.js';

/** Output of {@link windowLstmSequence}; the caller owns the tensors. */
export interface WindowLstmResult {
  /** h¹_1..h¹_T, `[T, B, H]`. */
  hidden: tf.Tensor3D;
  /** w_1..w_T (Eq. 47), `[T, B, S]`: the window each step hands to the layers above (and to layer 1 at t + 1). */
  windows: tf.Tensor3D;
  /** φ(t, u) (Eq. 46), `[T, B, U]`, 0 at padded characters (Fig. 13's heatmap). */
  phi: tf.Tensor3D;
  /** κ_t (Eq. 51), `[T, B, K]`. */
  kappa: tf.Tensor3D;
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

function checkArgs(
  where: string,
  zx: tf.Tensor3D,
  wExtra: tf.Tensor2D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  winW: tf.Tensor2D,
  winB: tf.Tensor1D,
  chars: tf.Tensor3D,
  charMask: tf.Tensor2D | null,
): { T: number } & WindowLstmDims {
  const [T, B, H4] = zx.shape;
  const H = H4 / 4;
  if (zx.rank !== 3 || H4 % 4 !== 0 || H < 1 || T < 1 || B < 1) {
    throw new ShapeError(`${where}: zx must be [T >= 1, B >= 1, 4H], got ${shapeText(zx)}`);
  }
  if (wh.rank !== 2 || wh.shape[0] !== H || wh.shape[1] !== H4) throw new ShapeError(`${where}: wh must be [${H}, ${H4}], got ${shapeText(wh)}`);
  if (peep !== null && (peep.rank !== 1 || peep.shape[0] !== 3 * H)) {
    throw new ShapeError(`${where}: peep must be [${3 * H}] ([p_i, p_f, p_o]), got ${shapeText(peep)}`);
  }
  if (chars.rank !== 3 || chars.shape[0] !== B || chars.shape[1] < 1 || chars.shape[2] < 1) {
    throw new ShapeError(`${where}: chars must be one-hot [B = ${B}, U >= 1, S >= 1], got ${shapeText(chars)}`);
  }
  const [, U, S] = chars.shape;
  if (wExtra.rank !== 2 || wExtra.shape[0] !== S || wExtra.shape[1] !== H4) {
    throw new ShapeError(`${where}: wExtra must be [S = ${S}, ${H4}], got ${shapeText(wExtra)}`);
  }
  const K = winB.shape[0] / 3;
  if (winB.rank !== 1 || !Number.isInteger(K) || K < 1) throw new ShapeError(`${where}: winB must be [3K], got ${shapeText(winB)}`);
  if (winW.rank !== 2 || winW.shape[0] !== H || winW.shape[1] !== 3 * K) {
    throw new ShapeError(`${where}: winW must be [${H}, ${3 * K}], got ${shapeText(winW)}`);
  }
  if (charMask !== null && (charMask.rank !== 2 || charMask.shape[0] !== B || charMask.shape[1] !== U)) {
    throw new ShapeError(`${where}: charMask must be [${B}, ${U}] to match chars ${shapeText(chars)}, got ${shapeText(charMask)}`);
  }
  for (const [name, t] of [['zx', zx], ['wExtra', wExtra], ['wh', wh], ['peep', peep], ['winW', winW], ['winB', winB], ['chars', chars], ['charMask', charMask]] as const) {
    if (t !== null && t.dtype !== 'float32') throw new ShapeError(`${where}: ${name} must be float32, got ${t.dtype}`);
  }
  return { T, B, H, S, U, K };
}

/**
 * Runs the synthesis network's layer 1 and soft window over all T steps (Graves 2013 §5), from zero
 * state (h_0 = c_0 = 0, κ_0 = 0, w_0 = 0):
 * ```
 * z_t = zx_t + [h_{t−1}, w_{t−1}] [W_h; W_extra]                 (Eq. 52: layer 1 reads the PREVIOUS window)
 * h_t, c_t = peephole LSTM(z_t, c_{t−1})                        (Eqs. 7–11, gate blocks [i, f, g, o])
 * (α̂, β̂, κ̂) = h_t W_p + b_p                                    (Eq. 48)
 * α = exp α̂, β = exp β̂, κ_t = κ_{t−1} + exp κ̂                  (Eqs. 49–51)
 * φ(t, u) = mask_u Σ_k α_k exp(−β_k (κ_k − u)²), u = 1..U         (Eq. 46; unnormalised)
 * w_t = Σ_u φ(t, u) c_u                                          (Eq. 47)
 * ```
 * Backward (BPTT, t = T..1): ∂L/∂w_t collects the layers above (via `windows`) and δz_{t+1} W_extraᵀ; it
 * reaches h_t through Eqs. (56)–(60) with ∂L/∂κ_t accumulating over all later steps; ∂L/∂h_t collects the
 * layers above (via `hidden`), δz_{t+1} W_hᵀ and δp_t W_pᵀ. The LSTM pre-activation errors are clipped to
 * ±`clip` exactly as in {@link lstmCell}/{@link lstmSequence} (δa_o before its peephole reaches c_t; the
 * clipped δz flows on); the window's own derivatives are not clipped (as in the step-by-step
 * {@link windowStep} path). Weight gradients are single matMuls over all steps.
 *
 * On cpu and wasm each step is one recurrent matMul plus one fused JS kernel (window-lstm-kernels.ts), each
 * way; other backends use {@link windowLstmSequenceOps} (same values and gradients, plain taped ops).
 *
 * @param zx - `[T, B, 4H]`: x_t W_x + b for every step (layer 1's non-recurrent part including its bias).
 * @param wExtra - W_extra `[S, 4H]` (the window's weights into layer 1). @param wh - W_h `[H, 4H]`.
 * @param peep - `[3H]` `[p_i, p_f, p_o]`, or null (no peepholes).
 * @param winW - W_{h¹p} `[H, 3K]`; @param winB - b_p `[3K]`, both in the order (α̂, β̂, κ̂).
 * @param chars - one-hot text `[B, U, S]` (zero rows after each text's end).
 * @param charMask - `[B, U]`, 1 at real characters, or null when every row has U characters.
 * @param clip - elementwise limit of the LSTM pre-activation errors (paper: 10), or null (off).
 * @remarks Differentiable w.r.t. zx, wExtra, wh, peep, winW and winB, through all four outputs (pass
 * variables as arguments). Reads nothing back to JS. Call inside `tf.tidy` or a gradient scope.
 * @throws {@link ShapeError} when shapes or dtypes disagree.
 */
export function windowLstmSequence(
  zx: tf.Tensor3D,
  wExtra: tf.Tensor2D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  winW: tf.Tensor2D,
  winB: tf.Tensor1D,
  chars: tf.Tensor3D,
  charMask: tf.Tensor2D | null,
  clip: number | null = null,
): WindowLstmResult {
  const { T, ...dims } = checkArgs('windowLstmSequence', zx, wExtra, wh, peep, winW, winB, chars, charMask);
  if (!windowLstmKernelsAvailable()) return windowLstmSequenceOps(zx, wExtra, wh, peep, winW, winB, chars, charMask, clip);
  const { B, H, S, U, K } = dims;
  const hasPeep = peep !== null;
  // Inside tf.grad/variableGrads? Otherwise skip saving the activations for the backward pass.
  const recording = tf.engine().state.gradientDepth > 0;

  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [zxA, wExtraA, whA] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
    const peepA = hasPeep ? (args[3] as tf.Tensor1D) : null;
    const winWA = args[hasPeep ? 4 : 3] as tf.Tensor2D;
    const winBA = args[hasPeep ? 5 : 4] as tf.Tensor1D;

    const wStack = tf.concat([whA, wExtraA], 0) as tf.Tensor2D; // [H + S, 4H]
    const wStackP = packWeights(wStack, false); // wasm: packed once for the T products (null: tf.matMul)
    const winWT = tf.transpose(winWA) as tf.Tensor2D;
    const common = { zx: zxA, peep: peepA, winWT, winB: winBA, chars, mask: charMask };
    let c: tf.Tensor2D | null = null;
    let hw: tf.Tensor2D | null = null;
    let prevRow: tf.Tensor2D | null = null;
    const rows: tf.Tensor2D[] = [];
    const hwPrev: tf.Tensor2D[] = [tf.zeros([B, H + S])]; // [h, w]_{t−1}: the inputs of the recurrent matMul
    const acts: tf.Tensor2D[] = [];
    const cs: tf.Tensor2D[] = [];
    const auxs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const rec = hw === null ? null : wStackP === null ? (tf.matMul(hw, wStack) as tf.Tensor2D) : matMulPacked(hw, wStackP);
      const [act, cN, hwN, row, aux] = stepForward(dims, t, { ...common, rec, cPrev: c, prevRow });
      rec?.dispose();
      if (recording) {
        acts.push(act);
        cs.push(cN);
        auxs.push(aux);
        if (t + 1 < T) hwPrev.push(hwN);
      } else {
        tf.dispose([act, aux]);
        c?.dispose();
        hw?.dispose();
      }
      c = cN;
      hw = hwN;
      prevRow = row;
      rows.push(row);
    }
    const value = tf.stack(rows) as tf.Tensor3D; // [T, B, P] = [h, w, φ, κ] per step
    if (recording) {
      // Stacks (one copy each) instead of per-step lists: the backward kernels index them by t.
      const stacked = [acts, cs, auxs, hwPrev].map((list) => tf.stack(list) as tf.Tensor3D);
      const rest = [wStack, winWA, chars, ...(charMask === null ? [] : [charMask]), ...(peepA === null ? [] : [peepA])];
      save([value, ...stacked, ...rest]);
    }
    tf.dispose([...rows, ...acts, ...cs, ...auxs, ...hwPrev, hw as tf.Tensor2D, c as tf.Tensor2D]);
    wStackP?.panels.dispose();

    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [valueS, actS, csS, auxS, hwPrevS, wStackS, winWS, charsS] = saved as [
        tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D,
      ];
      const maskS = charMask === null ? null : (saved[8] as tf.Tensor2D);
      const peepS = peepA === null ? null : (saved[charMask === null ? 8 : 9] as tf.Tensor1D);
      const common = {
        dy: dy as tf.Tensor3D, act: actS, cs: csS, aux: auxS, value: valueS, chars: charsS, mask: maskS, winW: winWS, peep: peepS,
      };
      const wStackTP = packWeights(wStackS, true); // wasm: [W_h; W_extra]ᵀ packed once
      // elsewhere one transpose, [4H, H + S] (matMul with transposeB is slow on wasm without the packed path)
      const wStackT = wStackTP === null ? (tf.transpose(wStackS) as tf.Tensor2D) : null;
      let dRec: tf.Tensor2D | null = null;
      let dKappa: tf.Tensor2D | null = null;
      let dc: tf.Tensor2D | null = null;
      let dPeep: tf.Tensor1D | null = null;
      const dzs = new Array<tf.Tensor2D>(T);
      const dps = new Array<tf.Tensor2D>(T);
      for (let t = T - 1; t >= 0; t--) {
        const out = stepBackward(dims, t, clip, { ...common, dRec, dKappaNext: dKappa, dcNext: dc, dPeep });
        for (const x of [dRec, dKappa, dc, dPeep]) x?.dispose();
        const dz = out[0] as tf.Tensor2D;
        dc = out[1] as tf.Tensor2D;
        dKappa = out[2] as tf.Tensor2D;
        dps[t] = out[3] as tf.Tensor2D;
        dPeep = (out[4] as tf.Tensor1D | undefined) ?? null;
        dRec = t === 0 ? null : wStackTP === null ? (tf.matMul(dz, wStackT as tf.Tensor2D) as tf.Tensor2D) : matMulPacked(dz, wStackTP);
        dzs[t] = dz;
      }
      const dZ = tf.stack(dzs) as tf.Tensor3D; // [T, B, 4H]
      const dP = tf.stack(dps) as tf.Tensor3D; // [T, B, 3K]
      tf.dispose([...dzs, ...dps, dc as tf.Tensor2D, dKappa as tf.Tensor2D]);
      wStackT?.dispose();
      wStackTP?.panels.dispose();
      const dZ2 = tf.reshape(dZ, [T * B, 4 * H]) as tf.Tensor2D;
      const dP2 = tf.reshape(dP, [T * B, 3 * K]) as tf.Tensor2D;
      const dWStack = matMulT(tf.reshape(hwPrevS, [T * B, H + S]) as tf.Tensor2D, dZ2, true, false); // [H + S, 4H]
      const dWh = tf.slice(dWStack, [0, 0], [H, 4 * H]);
      const dWExtra = tf.slice(dWStack, [H, 0], [S, 4 * H]);
      const hidden2 = tf.reshape(tf.slice(valueS, [0, 0, 0], [T, B, H]), [T * B, H]) as tf.Tensor2D;
      const dWinW = matMulT(hidden2, dP2, true, false);
      const grads: tf.Tensor[] = [dZ, dWExtra, dWh];
      if (dPeep !== null) grads.push(dPeep);
      grads.push(dWinW, sumRows(dP2));
      return grads;
    };
    return { value, gradFunc };
  });

  const packed = (hasPeep ? op(zx, wExtra, wh, peep, winW, winB) : op(zx, wExtra, wh, winW, winB)) as tf.Tensor3D;
  const part = (from: number, width: number): tf.Tensor3D => tf.slice(packed, [0, 0, from], [T, B, width]);
  const result = { hidden: part(0, H), windows: part(H, S), phi: part(H + S, U), kappa: part(H + S + U, K) };
  packed.dispose();
  return result;
}

/**
 * {@link windowLstmSequence} as plain tfjs ops, one step at a time on the gradient tape ({@link lstmCellOps}
 * with `clip` through {@link clipGradient}, then {@link windowStep}): the readable reference the fused op is
 * tested against, and its fallback on backends without the fused kernels. Same arguments and results.
 * @throws {@link ShapeError} when shapes or dtypes disagree.
 */
export function windowLstmSequenceOps(
  zx: tf.Tensor3D,
  wExtra: tf.Tensor2D,
  wh: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  winW: tf.Tensor2D,
  winB: tf.Tensor1D,
  chars: tf.Tensor3D,
  charMask: tf.Tensor2D | null,
  clip: number | null = null,
): WindowLstmResult {
  const { T, B, H, S, K } = checkArgs('windowLstmSequenceOps', zx, wExtra, wh, peep, winW, winB, chars, charMask);
  return tf.tidy(() => {
    const wStack = tf.concat([wh, wExtra], 0) as tf.Tensor2D;
    // Slices, not tf.unstack: tfjs's Unpack gradient fails when T = 1.
    const zs = Array.from({ length: T }, (_, t) => tf.reshape(tf.slice(zx, [t, 0, 0], [1, B, 4 * H]), [B, 4 * H]) as tf.Tensor2D);
    let h = tf.zeros([B, H]) as tf.Tensor2D;
    let c = tf.zeros([B, H]) as tf.Tensor2D;
    let w = tf.zeros([B, S]) as tf.Tensor2D;
    let kappa = tf.zeros([B, K]) as tf.Tensor2D;
    const hs: tf.Tensor2D[] = [];
    const ws: tf.Tensor2D[] = [];
    const phis: tf.Tensor2D[] = [];
    const kappas: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const z = tf.add(zs[t] as tf.Tensor2D, tf.matMul(tf.concat([h, w], 1), wStack)) as tf.Tensor2D;
      ({ h, c } = lstmCellOps(z, c, peep, clip));
      const p = tf.add(tf.matMul(h, winW), winB) as tf.Tensor2D;
      const win = windowStep(p, kappa, chars, charMask ?? undefined);
      w = win.w;
      kappa = win.kappa;
      hs.push(h);
      ws.push(w);
      phis.push(win.phi);
      kappas.push(kappa);
    }
    const stack = (list: tf.Tensor2D[]): tf.Tensor3D => tf.stack(list) as tf.Tensor3D;
    return { hidden: stack(hs), windows: stack(ws), phi: stack(phis), kappa: stack(kappas) };
  });
}
