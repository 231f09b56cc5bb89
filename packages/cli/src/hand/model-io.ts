/**
 * Handwriting checkpoints on disk (kind 'handwriting-prediction' | 'handwriting-synthesis'): model config,
 * data conventions (alphabet, offset statistics), training state (step, optimiser slots) for exact resume.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, createRng, type Optimizer } from '@seqgen/core';
import { LOG_STD_SUFFIX } from '@seqgen/core/train';
import { HandwritingModel, resolveModelConfig, type HandwritingModelConfig } from '@seqgen/handwriting';
import { readCheckpointDir, writeCheckpointDir } from '../io/checkpoint-files.js';

/** Data conventions stored with a model: what it needs to turn samples back into ink. */
export interface HandModelData {
  offsetMean: [number, number];
  offsetStd: [number, number];
  /** Where the training data came from. */
  source: string;
  /** Median points per character of the training lines (for the step cap and plots). */
  pointsPerChar: number;
  /** Built-in primings (styles): validation lines stored as normalised offsets with their text. */
  styles?: Array<{ text: string; writer: string; offsets: number[] }>;
}

/** The training state stored with a checkpoint. */
export interface HandTrainingState {
  step: number;
  seed: number;
  bestValidation: number | null;
  elapsedSeconds: number;
  optimizer: unknown;
  backend: string;
  /** Data-parallel worker threads the run trained with (`--workers`; absent in older checkpoints: 1). */
  workers?: number;
  /** The whole run config (for `--resume`). */
  run: unknown;
}

export const HAND_KINDS = ['handwriting-prediction', 'handwriting-synthesis'] as const;

/** A loaded handwriting checkpoint; dispose the model when done. */
export interface LoadedHandModel {
  model: HandwritingModel;
  data: HandModelData;
  training: HandTrainingState | null;
  /** Optimiser slots (`optimizer/…`), owned by the caller, empty when the checkpoint has none. */
  optimizerState: Record<string, tf.Tensor>;
  /** Adaptive weight noise's log-stds (`<param>/logStd`), owned by the caller, empty when trained without. */
  noiseState: Record<string, tf.Tensor>;
}

/** Saves model (+ optimiser state and adaptive-noise log-stds when given) to `dir` atomically. */
export async function saveHandModel(
  dir: string,
  model: HandwritingModel,
  data: HandModelData,
  training: HandTrainingState | null,
  optimizer: Optimizer | null,
  noiseState: Record<string, tf.Tensor> = {},
): Promise<void> {
  const tensors: Record<string, tf.Tensor> = { ...model.params, ...noiseState };
  const slots = optimizer ? optimizer.getState() : {};
  try {
    await writeCheckpointDir(dir, {
      kind: `handwriting-${model.config.task}`,
      config: model.config,
      data,
      ...(training ? { training } : {}),
      createdBy: '@seqgen/cli hand train',
      tensors: { ...tensors, ...slots },
    });
  } finally {
    tf.dispose(Object.values(slots));
  }
}

/** Loads a handwriting checkpoint directory. @throws {@link CheckpointError} naming the directory and the problem. */
export async function loadHandModel(dir: string): Promise<LoadedHandModel> {
  const decoded = await readCheckpointDir(dir, { kind: HAND_KINDS });
  const config = resolveModelConfig(decoded.config as HandwritingModelConfig, `${dir}/model.json config`);
  const data = decoded.data as HandModelData | undefined;
  if (!data || !Array.isArray(data.offsetMean) || !Array.isArray(data.offsetStd)) {
    tf.dispose(Object.values(decoded.tensors));
    throw new CheckpointError(`${dir}/model.json: 'data' must hold offsetMean and offsetStd (the training normalisation)`);
  }
  const model = new HandwritingModel(config, createRng(0));
  const optimizerState: Record<string, tf.Tensor> = {};
  const noiseState: Record<string, tf.Tensor> = {};
  try {
    model.setWeights(decoded.tensors);
  } catch (error) {
    model.dispose();
    tf.dispose(Object.values(decoded.tensors));
    throw new CheckpointError(`${dir}: ${(error as Error).message}`, { cause: error });
  }
  for (const [name, t] of Object.entries(decoded.tensors)) {
    if (name.startsWith('optimizer/')) optimizerState[name] = t;
    else if (name.endsWith(LOG_STD_SUFFIX)) noiseState[name] = t;
    else t.dispose();
  }
  return { model, data, training: (decoded.training as HandTrainingState | undefined) ?? null, optimizerState, noiseState };
}
