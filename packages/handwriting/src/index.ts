export * from './render/index.js';
// Prediction (§4) and synthesis (§5) networks, batches, sampling, plots.
export * from './model-config.js';
export * from './batch.js';
export * from './handwriting-model.js';
export * from './train.js';
export * from './gradients.js';
export * from './fast-net.js';
export * from './sample.js';
export * from './plots.js';
