/**
 * The experiment: read chat logs, build the model from a config, train, evaluate, sample. Uses
 * only the public APIs of @seqgen/datasets, @seqgen/text and @seqgen/core.
 */
import { createRng } from '@seqgen/core';
import '@seqgen/core/train';
import {
  evaluate,
  parseModelConfig,
  parseTrainingConfig,
  sampleText,
  TextModel,
  TextTrainer,
  vocabularyOf,
  type TextMetrics,
} from '@seqgen/text';
import config from './chat-config.json' with { type: 'json' };
import { chatCorpus } from './chat-reader.js';

export interface ExperimentResult {
  before: TextMetrics;
  after: TextMetrics;
  sample: string;
}

export async function runChatExperiment(content: string, file: string, maxSteps: number): Promise<ExperimentResult> {
  const corpus = chatCorpus(content, file);
  const model = TextModel.create(parseModelConfig(config.model), vocabularyOf(corpus), createRng(config.training.seed));
  try {
    const before = await evaluate(model, corpus.splits.train);
    const trainer = new TextTrainer({ model, train: corpus.splits.train, config: parseTrainingConfig(config.training) });
    await trainer.run({ maxSteps });
    trainer.dispose();
    const after = await evaluate(model, corpus.splits.train);
    const { text: sample } = await sampleText(model, { length: 60, temperature: 0.5, prime: 'ann: ', rng: createRng(1) });
    return { before, after, sample };
  } finally {
    model.dispose();
  }
}
