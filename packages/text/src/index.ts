/**
 * @seqgen/text: character, byte and word language models after Graves (2013) §3 on the core LSTM stack:
 * vocabularies, truncated-BPTT batching, training with exact resume, static and dynamic evaluation
 * (bits per symbol, perplexity, error rate), and sampling.
 */
export * from './vocabulary.js';
export * from './batcher.js';
export * from './config.js';
export * from './metrics.js';
export * from './text-model.js';
export * from './evaluate.js';
export * from './train-step.js';
export * from './gradients.js';
export * from './trainer.js';
export * from './dynamic-eval.js';
export * from './sample.js';
