/**
 * One peephole-LSTM step, Graves (2013) Eqs. (7)–(11), for step-major code (the synthesis network's
 * first layer, which runs together with the soft window one step at a time) and {@link LstmStack.step}:
 * {@link lstmCell} is one custom-gradient op with the same hand-written backward as one step of the
 * fused layer op {@link lstmSequence}; {@link lstmCellOps} is the same cell as plain tfjs ops (autodiff),
 * kept as a readable reference and tested against it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { clipGradient } from '../train/clip.js';
import { splitBlocks } from './block-kernels.js';

/** Hidden and cell state of one layer, `[batch, H]` each. */
export interface LstmCellState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

/**
 * One peephole-LSTM step from its summed pre-activations, gate layout `[i, f, g, o]`:
 * ```
 * a_i = z_i + p_i ∘ c_{t−1}   i = σ(a_i)          (7)
 * a_f = z_f + p_f ∘ c_{t−1}   f = σ(a_f)          (8)
 * a_g = z_g                   c_t = f ∘ c_{t−1} + i ∘ tanh(a_g)   (9)
 * a_o = z_o + p_o ∘ c_t       o = σ(a_o)          (10, current c_t)
 * h_t = o ∘ tanh(c_t)                              (11)
 * ```
 * Plain-ops version of {@link lstmCell} (≈20 taped kernels forward, ≈40 backward).
 * @remarks Pure (creates no variables, no tidy): call inside `tf.tidy` or a gradient scope.
 * With `clip`, each of a_i, a_f, a_g, a_o passes through {@link clipGradient}, so the errors at the
 * four pre-activations are clipped elementwise before they reach z (hence W_x, W_h, b, h_{t−1}) and
 * the peepholes (hence c): paper §2.1, RNNLIB order.
 * @param z - W_x x_t + W_h h_{t−1} + b, `[B, 4H]` (everything but the peephole terms).
 * @param c - c_{t−1}, `[B, H]`.
 * @param peep - `[3H]`, diagonal peephole weights `[p_i, p_f, p_o]`, or null (no peepholes).
 * @param clip - elementwise limit of the pre-activation errors, or null.
 * @throws {@link ShapeError} when shapes disagree.
 */
export function lstmCellOps(
  z: tf.Tensor2D,
  c: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  clip: number | null = null,
): LstmCellState {
  checkCell('lstmCellOps', z, c, peep);
  const parts = tf.split(z, 4, 1) as tf.Tensor2D[];
  let ai = parts[0] as tf.Tensor2D;
  let af = parts[1] as tf.Tensor2D;
  let ag = parts[2] as tf.Tensor2D;
  let ao = parts[3] as tf.Tensor2D;
  let po: tf.Tensor1D | null = null;
  if (peep !== null) {
    const [pi, pf, p3] = tf.split(peep, 3) as tf.Tensor1D[];
    ai = tf.add(ai, tf.mul(c, pi as tf.Tensor1D));
    af = tf.add(af, tf.mul(c, pf as tf.Tensor1D));
    po = p3 as tf.Tensor1D;
  }
  if (clip !== null) {
    ai = clipGradient(ai, clip);
    af = clipGradient(af, clip);
    ag = clipGradient(ag, clip);
  }
  const cNext = tf.add(tf.mul(tf.sigmoid(af), c), tf.mul(tf.sigmoid(ai), tf.tanh(ag))) as tf.Tensor2D;
  if (po !== null) ao = tf.add(ao, tf.mul(cNext, po));
  if (clip !== null) ao = clipGradient(ao, clip);
  const h = tf.mul(tf.sigmoid(ao), tf.tanh(cNext)) as tf.Tensor2D;
  return { h, c: cNext };
}

function checkCell(where: string, z: tf.Tensor2D, c: tf.Tensor2D, peep: tf.Tensor1D | null): [number, number] {
  const [B, H4] = z.shape;
  const H = H4 / 4;
  if (z.rank !== 2 || H4 % 4 !== 0) throw new ShapeError(`${where}: z must be [B, 4H], got [${z.shape}]`);
  if (c.rank !== 2 || c.shape[0] !== B || c.shape[1] !== H) {
    throw new ShapeError(`${where}: c must be [${B}, ${H}] to match z [${z.shape}], got [${c.shape}]`);
  }
  if (peep !== null && (peep.rank !== 1 || peep.shape[0] !== 3 * H)) {
    throw new ShapeError(`${where}: peep must be [${3 * H}] ([p_i, p_f, p_o]), got [${peep.shape}]`);
  }
  return [B, H];
}

/**
 * One peephole-LSTM step as ONE custom-gradient op (same equations and arguments as {@link lstmCellOps}):
 * ```
 * a_i = z_i + p_i ∘ c_{t−1}   i = σ(a_i)          (7)
 * a_f = z_f + p_f ∘ c_{t−1}   f = σ(a_f)          (8)
 * a_g = z_g                   c_t = f ∘ c_{t−1} + i ∘ tanh(a_g)   (9)
 * a_o = z_o + p_o ∘ c_t       o = σ(a_o)          (10, current c_t)
 * h_t = o ∘ tanh(c_t)                              (11)
 * ```
 * The backward is one step of {@link lstmSequence}'s BPTT: δa_o = clip(dh ∘ tanh c_t ∘ o(1−o)) is clipped
 * before its peephole term reaches dc_t; δa_i, δa_f, δa_g are clipped; the clipped δz flows to z (hence
 * W_x, W_h, b, h_{t−1}), c_{t−1} and the peepholes (paper §2.1, RNNLIB order).
 * @param z - W_x x_t + W_h h_{t−1} + b, `[B, 4H]`, gate blocks `[i, f, g, o]` (everything but the peephole terms).
 * @param c - c_{t−1}, `[B, H]`.
 * @param peep - `[3H]` diagonal peephole weights `[p_i, p_f, p_o]`, or null (no peepholes).
 * @param clip - elementwise limit of the pre-activation errors, or null.
 * @remarks Differentiable w.r.t. z, c and peep. Call inside `tf.tidy` or a gradient scope.
 * @throws {@link ShapeError} when shapes disagree.
 */
export function lstmCell(
  z: tf.Tensor2D,
  c: tf.Tensor2D,
  peep: tf.Tensor1D | null,
  clip: number | null = null,
): LstmCellState {
  const [B, H] = checkCell('lstmCell', z, c, peep);
  const hasPeep = peep !== null;
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const za = args[0] as tf.Tensor2D;
    const ca = args[1] as tf.Tensor2D;
    const pa = hasPeep ? (args[2] as tf.Tensor1D) : null;
    let [ai, af, ag, ao] = splitBlocks(za, B, 4, H, [B, H]) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    let po: tf.Tensor1D | null = null;
    if (pa !== null) {
      const [pi, pf, p3] = splitBlocks(pa, 1, 3, H, [H]) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      ai = tf.add(ai, tf.mul(ca, pi));
      af = tf.add(af, tf.mul(ca, pf));
      po = p3;
    }
    const i = tf.sigmoid(ai);
    const f = tf.sigmoid(af);
    const g = tf.tanh(ag);
    const cn = tf.add(tf.mul(f, ca), tf.mul(i, g)) as tf.Tensor2D;
    if (po !== null) ao = tf.add(ao, tf.mul(cn, po));
    const o = tf.sigmoid(ao);
    const tc = tf.tanh(cn);
    const h = tf.mul(o, tc);
    save(pa === null ? [i, f, g, o, tc, ca, cn] : [i, f, g, o, tc, ca, cn, pa]);
    return {
      value: tf.stack([h, cn]), // [2, B, H]: one output per customGrad op
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [si, sf, sg, so, stc, scp, scn, sp] = saved as [
          tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D | undefined,
        ];
        const [dh, dcn] = splitBlocks(dy, 1, 2, B * H, [B, H]) as [tf.Tensor2D, tf.Tensor2D];
        const one = tf.scalar(1);
        let dao = tf.mul(dh, tf.mul(stc, tf.mul(so, tf.sub(one, so))));
        if (clip !== null) dao = tf.clipByValue(dao, -clip, clip);
        let dc = tf.add(dcn, tf.mul(dh, tf.mul(so, tf.sub(one, tf.square(stc)))));
        let pIFO: tf.Tensor1D[] | null = null;
        if (sp !== undefined) {
          pIFO = splitBlocks(sp, 1, 3, H, [H]) as tf.Tensor1D[];
          dc = tf.add(dc, tf.mul(dao, pIFO[2] as tf.Tensor1D));
        }
        let dai = tf.mul(dc, tf.mul(sg, tf.mul(si, tf.sub(one, si))));
        let daf = tf.mul(dc, tf.mul(scp, tf.mul(sf, tf.sub(one, sf))));
        let dag = tf.mul(dc, tf.mul(si, tf.sub(one, tf.square(sg))));
        if (clip !== null) {
          dai = tf.clipByValue(dai, -clip, clip);
          daf = tf.clipByValue(daf, -clip, clip);
          dag = tf.clipByValue(dag, -clip, clip);
        }
        const dz = tf.concat([dai, daf, dag, dao], 1);
        let dcPrev = tf.mul(dc, sf);
        const grads: tf.Tensor[] = [dz];
        if (pIFO !== null) {
          dcPrev = tf.add(dcPrev, tf.add(tf.mul(dai, pIFO[0] as tf.Tensor1D), tf.mul(daf, pIFO[1] as tf.Tensor1D)));
          grads.push(dcPrev, tf.concat([tf.sum(tf.mul(dai, scp), 0), tf.sum(tf.mul(daf, scp), 0), tf.sum(tf.mul(dao, scn), 0)]));
        } else {
          grads.push(dcPrev);
        }
        return grads;
      },
    };
  });
  const packed = (hasPeep ? op(z, c, peep) : op(z, c)) as tf.Tensor3D;
  const h = tf.reshape(tf.slice(packed, [0, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
  const cNext = tf.reshape(tf.slice(packed, [1, 0, 0], [1, B, H]), [B, H]) as tf.Tensor2D;
  packed.dispose();
  return { h, c: cNext };
}
