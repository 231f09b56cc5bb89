/**
 * `@seqgen/core/train`: everything training needs. Importing it registers tfjs gradients (a side
 * effect, see register-gradients.ts), so inference-only bundles import `@seqgen/core` instead.
 */
import './register-gradients.js';

export * from './optimizers.js';
export * from './weight-noise.js';
export * from './adaptive-weight-noise.js';
export * from './checkpoint.js';
export * from './crc32.js';
export * from './clip.js';
