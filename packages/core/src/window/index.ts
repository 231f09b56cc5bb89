export * from './window-step.js';
export * from './stop-rule.js';
export * from './encode-text.js';
export * from './window-lstm.js';
