/**
 * Text checkpoints on disk: runs/<name>/{latest,best}/ (model.json + weights.bin), written atomically by
 * io/checkpoint-files.ts, so a failed or interrupted save never damages the previous checkpoint.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINT_MODEL_FILE, CheckpointError, type CheckpointContent, type DecodedCheckpoint } from '@seqgen/core';
import { TEXT_CHECKPOINT_KIND, TextModel, type TextTrainer } from '@seqgen/text';
import { readCheckpointDir, writeCheckpointDir } from '../io/checkpoint-files.js';
import { dataSpecFromJson, type TextDataSpec } from './data.js';

/** `createdBy` of checkpoints written by the CLI. */
export const CREATED_BY = '@seqgen/cli';

/**
 * A checkpoint directory from a user path: the directory itself when it holds model.json, else `<path>/best`,
 * else `<path>/latest` (so a run directory works).
 * @throws {@link CheckpointError} when none exists.
 */
export function resolveCheckpointDir(path: string): string {
  for (const dir of [path, join(path, 'best'), join(path, 'latest')]) {
    if (existsSync(join(dir, CHECKPOINT_MODEL_FILE))) return dir;
  }
  throw new CheckpointError(
    existsSync(path)
      ? `${path} holds no checkpoint (expected ${CHECKPOINT_MODEL_FILE} in it, or in ${join(path, 'best')} or ${join(path, 'latest')})`
      : `checkpoint ${path} does not exist`,
  );
}

/** A loaded text checkpoint. */
export interface LoadedTextCheckpoint {
  dir: string;
  model: TextModel;
  decoded: DecodedCheckpoint;
  /** The data spec the model was trained on, when recorded. */
  data: TextDataSpec | undefined;
}

/**
 * Reads and validates a text checkpoint (format, kind, checksum, shapes) and builds the model. The caller
 * disposes `decoded.tensors` (see {@link disposeLoaded}) and the model.
 * @throws {@link CheckpointError} naming the file and the problem.
 */
export async function loadTextCheckpoint(path: string): Promise<LoadedTextCheckpoint> {
  const dir = resolveCheckpointDir(path);
  const decoded = await readCheckpointDir(dir, { kind: TEXT_CHECKPOINT_KIND });
  const source = join(dir, CHECKPOINT_MODEL_FILE);
  let model: TextModel;
  try {
    model = TextModel.fromCheckpoint(decoded, source);
  } catch (error) {
    tf.dispose(Object.values(decoded.tensors));
    throw error;
  }
  const data = dataSpecFromJson((decoded.data as { dataset?: unknown } | undefined)?.dataset, source);
  return { dir, model, decoded, data };
}

/** Frees the decoded tensors of a loaded checkpoint (not the model). */
export function disposeLoaded(loaded: LoadedTextCheckpoint): void {
  tf.dispose(Object.values(loaded.decoded.tensors));
}

/** Saves the trainer's state (weights, optimiser, carried state, run state) atomically to `dir`. */
export async function saveTrainerCheckpoint(
  dir: string,
  trainer: TextTrainer,
  extra: { data: Record<string, unknown>; training: Record<string, unknown> },
): Promise<void> {
  await startTrainerCheckpoint(dir, trainer, extra);
}

/**
 * Takes the trainer's checkpoint content NOW (a snapshot: later updates do not change it) and returns the
 * promise of its atomic write to `dir`, which encodes and writes while training goes on. Await it before the next
 * write to the same directory; its tensors are disposed when it settles.
 */
export function startTrainerCheckpoint(
  dir: string,
  trainer: TextTrainer,
  extra: { data: Record<string, unknown>; training: Record<string, unknown> },
): Promise<void> {
  const content = trainer.checkpointContent({ createdBy: CREATED_BY, data: extra.data, training: extra.training });
  return writeCheckpointDir(dir, content).finally(() => tf.dispose(Object.values(content.tensors)));
}

/**
 * Replaces the checkpoint in `to` by the one in `from` (read and validated, then written atomically as
 * {@link writeCheckpointDir} does: a failure leaves `to` as it was).
 */
export async function copyCheckpointDir(from: string, to: string): Promise<void> {
  const decoded = await readCheckpointDir(from);
  try {
    const d = decoded;
    const content: CheckpointContent = {
      kind: d.kind,
      config: d.config,
      tensors: d.tensors,
      ...(d.data !== undefined && { data: d.data }),
      ...(d.training !== undefined && { training: d.training }),
      ...(d.createdBy !== undefined && { createdBy: d.createdBy }),
      ...(d.createdAt !== undefined && { createdAt: d.createdAt }),
    };
    await writeCheckpointDir(to, content);
  } finally {
    tf.dispose(Object.values(decoded.tensors));
  }
}
