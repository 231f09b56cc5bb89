export * from './mdn-layout.js';
export * from './mdn-loss.js';
export * from './mdn-sample.js';
