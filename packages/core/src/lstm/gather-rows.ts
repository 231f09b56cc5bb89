/**
 * Row lookup (an embedding gather) with its own gradient. Multiplying a one-hot input by a weight
 * matrix selects rows, so for symbol inputs (paper §3: one-hot of size K) `gather(W, ids)` equals
 * `oneHot(ids) · W` at a fraction of the cost. tfjs's own GatherV2 gradient needs the
 * UnsortedSegmentSum kernel, which tfjs-backend-wasm 4.22 lacks; ScatterNd (present on cpu and wasm,
 * sums duplicate indices) gives the same result everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '../errors.js';
import { gatherRowsForward } from './block-kernels.js';

/**
 * `table[ids]`, `[N, D]`, differentiable w.r.t. `table` on every backend with ScatterNd.
 * @param table - `[V, D]` float32.
 * @param ids - `[N]` int32 row indices in `[0, V)` (the backend's gather checks the range).
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (ids.dtype !== 'int32') throw new ShapeError(`gatherRows: ids must be int32, got ${ids.dtype}`);
  if (ids.rank !== 1) throw new ShapeError(`gatherRows: ids must be rank 1 [N], got shape [${ids.shape}]`);
  const [V, D] = table.shape;
  const N = ids.shape[0];
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const w = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([ids]);
    return {
      value: gatherRowsForward(w, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.scatterND(tf.reshape(saved[0] as tf.Tensor, [N, 1]), dy, [V, D]),
    };
  });
  return op(table) as tf.Tensor2D;
}
