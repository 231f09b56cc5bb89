/**
 * Registers tfjs gradients. `@tensorflow/tfjs-core` alone registers none (tf.grad throws
 * "gradient function not found for Sum"); the Node build of `@tensorflow/tfjs-layers` carries the
 * registrations and loads under plain Node ESM and vitest (STYLE §3). Import this module (or
 * `@seqgen/core/train`) before taking gradients; inference code need not.
 */
import '@tensorflow/tfjs-layers';
