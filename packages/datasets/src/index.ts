export * from './errors.js';
export * from './text/index.js';
export * from './handwriting/index.js';
