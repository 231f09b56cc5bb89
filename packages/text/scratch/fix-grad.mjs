import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
// Faster BatchMatMul gradient on wasm: explicit transposes instead of transposeA/B flags.
tf.registerGradient({
  kernelName: 'BatchMatMul', inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved; const { transposeA, transposeB } = attrs;
    const T = (x) => x.rank === 2 ? tf.transpose(x) : tf.transpose(x, [...x.shape.keys()].map((i, _, arr) => i < x.rank - 2 ? i : i === x.rank - 2 ? x.rank - 1 : x.rank - 2));
    if (!transposeA && !transposeB) return { a: () => tf.matMul(dy, T(b)), b: () => tf.matMul(T(a), dy) };
    if (!transposeA && transposeB) return { a: () => tf.matMul(dy, b), b: () => tf.matMul(T(dy), a) };
    if (transposeA && !transposeB) return { a: () => tf.matMul(b, T(dy)), b: () => tf.matMul(a, dy) };
    return { a: () => tf.matMul(T(b), T(dy)), b: () => tf.matMul(T(dy), T(a)) };
  },
});
