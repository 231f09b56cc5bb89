/**
 * Run configuration of `seqgen hand train` (configs/hand-*.json), with command-line overrides.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, type OptimizerSpec } from '@seqgen/core';
import { DEFAULT_MODEL_CONFIG, type HandwritingTask } from '@seqgen/handwriting';
import type { HandDataSpec } from './data.js';

export interface HandRunConfig {
  task: HandwritingTask;
  model: { hiddenSizes: number[]; mixtures: number; windowMixtures: number; outputClip: number; lstmClip: number; kappaBiasInit: number };
  data: HandDataSpec;
  train: {
    batchSize: number;
    /** Total optimisation steps. */
    steps: number;
    optimizer: OptimizerSpec;
    /** Steps between validation runs (and 'best' checkpoints). */
    evalEvery: number;
    /** Steps between 'latest' checkpoints. */
    saveEvery: number;
    /** Lines of the validation split used at each validation (all: 0). */
    validationLines: number;
    /** Lines longer than this many points are cut. */
    maxPoints: number;
    seed: number;
    /**
     * Adaptive weight noise (Graves 2011; paper §2.6): the initial standard deviation of every weight's
     * learned noise (paper: 0.075), or null for none.
     */
    adaptiveWeightNoise: number | null;
  };
}

/** The small default (2 cores): synthesis, 2×128, M 20, K 10, Adam, short synthetic lines. */
export function defaultRunConfig(task: HandwritingTask): HandRunConfig {
  return {
    task,
    model: {
      hiddenSizes: [...DEFAULT_MODEL_CONFIG.hiddenSizes],
      mixtures: DEFAULT_MODEL_CONFIG.mixtures,
      windowMixtures: DEFAULT_MODEL_CONFIG.windowMixtures,
      outputClip: DEFAULT_MODEL_CONFIG.outputClip,
      lstmClip: DEFAULT_MODEL_CONFIG.lstmClip,
      kappaBiasInit: DEFAULT_MODEL_CONFIG.kappaBiasInit,
    },
    data: { source: 'hershey', lines: 8000, writers: 12, seed: 0, sampleRate: 20, maxChars: 30 },
    train: {
      batchSize: 32,
      steps: 3000,
      optimizer: { name: 'adam', learningRate: 1e-3 },
      evalEvery: 200,
      saveEvery: 50,
      validationLines: 128,
      maxPoints: 400,
      seed: 1,
      adaptiveWeightNoise: null,
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a run config file over the defaults (unknown keys are refused; keys starting with '_' or named
 * 'unconfirmed' / 'paper' are documentation).
 * @throws {@link ConfigError} naming the file and the key.
 */
export function readRunConfig(path: string): HandRunConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot read a JSON run config (${(error as Error).message})`, { cause: error });
  }
  if (!isRecord(raw)) throw new ConfigError(`${path}: expected a JSON object`);
  const task = raw.task;
  if (task !== 'prediction' && task !== 'synthesis') throw new ConfigError(`${path}: "task" must be "prediction" or "synthesis", got ${JSON.stringify(task)}`);
  const config = defaultRunConfig(task);
  const merge = (section: 'model' | 'data' | 'train'): void => {
    const value = raw[section];
    if (value === undefined) return;
    if (!isRecord(value)) throw new ConfigError(`${path}: "${section}" must be an object`);
    const target = config[section] as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) {
      if (k.startsWith('_') || k === 'unconfirmed' || k === 'paper') continue;
      if (!(k in target)) throw new ConfigError(`${path}: unknown key "${section}.${k}" (known: ${Object.keys(target).join(', ')})`);
      target[k] = v;
    }
  };
  merge('model');
  merge('data');
  merge('train');
  for (const k of Object.keys(raw)) {
    if (!['task', 'model', 'data', 'train'].includes(k) && !k.startsWith('_') && k !== 'unconfirmed' && k !== 'paper') {
      throw new ConfigError(`${path}: unknown top-level key "${k}"`);
    }
  }
  return config;
}
