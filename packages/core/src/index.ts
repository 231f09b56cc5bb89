export * from './errors.js';
export * from './rng.js';
// Optimisers, weight noise and checkpoints need no gradient registration (also in `@seqgen/core/train`).
export * from './train/optimizers.js';
export * from './train/weight-noise.js';
export * from './train/checkpoint.js';
export * from './train/crc32.js';
// Recurrent core (Graves 2013 §2): peephole LSTM stack, fused BPTT layer op, per-step cell.
export * from './lstm/lstm-stack.js';
export * from './lstm/lstm-sequence.js';
export * from './lstm/lstm-cell.js';
export * from './lstm/gather-rows.js';
export * from './lstm/linear.js';
export * from './lstm/block-kernels.js';
export * from './lstm/fast-stack.js';
// Softmax head (§3.1) and derivative clipping (§2.1).
export * from './heads/softmax.js';
export * from './train/clip.js';
// Mixture density output (§4, Eqs. 16–26, 61–62) and soft window, stop rule, text encoding (§5).
export * from './mdn/index.js';
export * from './window/index.js';
export { patchWasmKernels } from './kernels/wasm-kernels.js';
export { setLstmSimdEnabled } from './kernels/lstm-simd.js';
export { matMulPacked, packWeights, type PackedWeights } from './kernels/packed-matmul.js';
export { float32StorageFor, type Float32Storage } from './kernels/float32-storage.js';
