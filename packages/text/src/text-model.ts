/**
 * Character, byte and word language models (Graves 2013 §3): a deep peephole-LSTM stack with skip connections
 * (core `LstmStack`, Eqs. 1–3, 7–11) over one-hot inputs and a K-way softmax output (Eqs. 12–14), K = the
 * vocabulary size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, LstmStack, type DecodedCheckpoint, type LstmState, type Rng } from '@seqgen/core';
import { parseModelConfig, type TextModelConfig } from './config.js';
import { vocabularyFromJson, vocabularyToJson, type TextVocabulary, type TextVocabularyJson } from './vocabulary.js';

/** The `kind` of text-model checkpoints. */
export const TEXT_CHECKPOINT_KIND = 'text-lm';

/** Prefix of the carried-state tensors in a checkpoint (`state/h/<layer>`, `state/c/<layer>`). */
export const STATE_TENSOR_PREFIX = 'state/';

/** A text language model: vocabulary + configuration + weights. */
export class TextModel {
  /** The underlying LSTM stack (its `params` are this model's weights). */
  readonly stack: LstmStack;

  private constructor(
    readonly config: TextModelConfig,
    readonly vocabulary: TextVocabulary,
    rng: Rng,
  ) {
    const K = vocabulary.symbols.length;
    this.stack = new LstmStack(
      {
        inputSize: K,
        hiddenSizes: config.hiddenSizes,
        outputSize: K,
        peepholes: config.peepholes,
        inputSkips: config.inputSkips,
        outputSkips: config.outputSkips,
        lstmClip: config.lstmClip,
        outputClip: config.outputClip,
        initScale: config.initScale,
        forgetBias: config.forgetBias,
      },
      rng,
      'lstm',
    );
  }

  /**
   * A freshly initialised model (weights from `rng`: same seed, same weights on every backend).
   * @throws {@link ConfigError} for an invalid config.
   */
  static create(config: TextModelConfig, vocabulary: TextVocabulary, rng: Rng): TextModel {
    return new TextModel(parseModelConfig(config), vocabulary, rng);
  }

  /**
   * Rebuilds a model from a decoded `text-lm` checkpoint (core `decodeCheckpoint`). Does not take ownership of
   * `checkpoint.tensors`.
   * @param source - The checkpoint's path, for errors.
   * @throws {@link CheckpointError} when the config, vocabulary or a weight is missing or has the wrong shape.
   */
  static fromCheckpoint(checkpoint: DecodedCheckpoint, source: string): TextModel {
    if (checkpoint.kind !== TEXT_CHECKPOINT_KIND) {
      throw new CheckpointError(`${source}: checkpoint kind is "${checkpoint.kind}", expected "${TEXT_CHECKPOINT_KIND}"`);
    }
    const config = readModelConfig(checkpoint.config, source);
    const data = checkpoint.data as { vocabulary?: unknown } | undefined;
    const vocabulary = vocabularyFromJson(data?.vocabulary, `${source}: data.vocabulary`);
    const model = new TextModel(config, vocabulary, { next: () => 0.5, nextSeed: () => 0, normal: () => 0, state: () => 0 });
    try {
      model.loadWeights(checkpoint.tensors, source);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  /** The trainable variables by stable name (`lstm/0/wx`, …, `lstm/out/b`). */
  get params(): Record<string, tf.Variable> {
    return this.stack.params;
  }

  /** K: symbols in the vocabulary (input and output size). */
  get vocabularySize(): number {
    return this.vocabulary.symbols.length;
  }

  /** Number of weights (paper.md §1.2: Penn char 1×1000, K 49: 4,252,049). */
  numWeights(): number {
    return this.stack.numWeights();
  }

  /** Zero state for `batch` streams; the caller owns it. */
  zeroState(batch: number): LstmState {
    return this.stack.zeroState(batch);
  }

  /**
   * Logits ŷ `[T, B, K]` for ids `[T, B]` and the final state; differentiable. The caller owns the results.
   */
  forward(ids: tf.Tensor2D, state: LstmState): { logits: tf.Tensor3D; state: LstmState } {
    return tidyResult(() => {
      const out = this.stack.forward({ ids }, state);
      return { logits: out.logits, state: out.state };
    });
  }

  /** One step: logits `[B, K]` for ids `[B]` and the new state (the old one is not disposed). */
  step(ids: tf.Tensor1D, state: LstmState): { logits: tf.Tensor2D; state: LstmState } {
    return tidyResult(() => {
      const out = this.stack.step({ ids }, state);
      return { logits: out.logits, state: out.state };
    });
  }

  /**
   * Copies weights into this model (for checkpoints and dynamic evaluation's restore). Every parameter must be
   * present with its shape; tensors of other names (optimiser slots, state) are ignored.
   * @throws {@link CheckpointError} naming the first missing or mis-shaped weight; nothing is changed then.
   */
  loadWeights(tensors: Record<string, tf.Tensor>, source: string): void {
    for (const [name, v] of Object.entries(this.params)) {
      const t = tensors[name];
      if (t === undefined) throw new CheckpointError(`${source}: weight '${name}' is missing (expected shape [${v.shape}])`);
      if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]) || t.dtype !== 'float32') {
        throw new CheckpointError(`${source}: weight '${name}' is ${t.dtype} [${t.shape}], expected float32 [${v.shape}] for this model`);
      }
    }
    for (const [name, v] of Object.entries(this.params)) v.assign(tensors[name] as tf.Tensor);
  }

  /** JSON for a checkpoint's `config` and `data` fields. */
  checkpointFields(): { config: TextModelConfig; data: { vocabulary: TextVocabularyJson } } {
    return { config: { ...this.config, hiddenSizes: [...this.config.hiddenSizes] }, data: { vocabulary: vocabularyToJson(this.vocabulary) } };
  }

  /** Frees the weights. */
  dispose(): void {
    this.stack.dispose();
  }
}

function readModelConfig(raw: unknown, source: string): TextModelConfig {
  try {
    if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { hiddenSizes?: unknown }).hiddenSizes)) {
      throw new CheckpointError(`config is ${JSON.stringify(raw)?.slice(0, 80)}, expected a text model config with hiddenSizes`);
    }
    return parseModelConfig(raw, 'config');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new CheckpointError(`${source}: ${message}`, { cause: error });
  }
}

/**
 * `tf.tidy` for a function returning an object whose tensors sit in nested arrays (such as an `LstmState`):
 * every tensor reachable from the result is kept, every other one created inside is disposed.
 */
export function tidyResult<T extends object>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** Checkpoint tensors for a carried state: `state/h/<n>`, `state/c/<n>` (clones; the caller owns them). */
export function stateTensors(state: LstmState): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  state.h.forEach((h, n) => (out[`${STATE_TENSOR_PREFIX}h/${n}`] = tf.clone(h)));
  state.c.forEach((c, n) => (out[`${STATE_TENSOR_PREFIX}c/${n}`] = tf.clone(c)));
  return out;
}

/**
 * Reads a carried state back from checkpoint tensors (clones), or returns undefined when absent.
 * @throws {@link CheckpointError} when the tensors do not match the model and batch size.
 */
export function stateFromTensors(tensors: Record<string, tf.Tensor>, model: TextModel, batch: number, source: string): LstmState | undefined {
  const sizes = model.config.hiddenSizes;
  if (tensors[`${STATE_TENSOR_PREFIX}h/0`] === undefined) return undefined;
  const read = (kind: 'h' | 'c'): tf.Tensor2D[] =>
    sizes.map((H, n) => {
      const name = `${STATE_TENSOR_PREFIX}${kind}/${n}`;
      const t = tensors[name];
      if (t === undefined || t.rank !== 2 || t.shape[0] !== batch || t.shape[1] !== H) {
        throw new CheckpointError(
          `${source}: carried state '${name}' is ${t === undefined ? 'missing' : `[${t.shape}]`}, expected [${batch}, ${H}] (batch size × layer size)`,
        );
      }
      return tf.clone(t) as tf.Tensor2D;
    });
  return { h: read('h'), c: read('c') };
}

/** Disposes a state's tensors. */
export function disposeState(state: LstmState | undefined): void {
  if (state) tf.dispose([...state.h, ...state.c]);
}
