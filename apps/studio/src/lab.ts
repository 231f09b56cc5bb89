/**
 * The studio's two live checks, backend-agnostic (they run on whatever tfjs backend is active):
 * the gradient self-test of STYLE §3 and a tiny LstmStack language model trained for a few steps.
 * Importing `@seqgen/core/train` registers tfjs's gradients (via `@tensorflow/tfjs-layers`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { LstmStack, createRng, softmaxCrossEntropy } from '@seqgen/core';
import { createOptimizer, type OptimizerSpec } from '@seqgen/core/train';

/** Result of {@link gradientSelfTest}. */
export interface SelfTestResult {
  /** ∂/∂x Σ x·x at x = [1, 2]; expected [2, 4]. */
  grad: number[];
  ok: boolean;
}

/**
 * STYLE §3 check 4: the gradient of sum(x·x) at [1, 2] must be [2, 4]. Fails (throws "gradient function not
 * found for …") when the bundle lost tfjs's gradient registrations.
 */
export async function gradientSelfTest(): Promise<SelfTestResult> {
  const x = tf.tensor1d([1, 2]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, v)))(x);
  const grad = Array.from(await g.data());
  tf.dispose([x, g]);
  return { grad, ok: grad.length === 2 && grad[0] === 2 && grad[1] === 4 };
}

/** Options of {@link trainTinyLanguageModel}. */
export interface TinyTrainingOptions {
  /** Training text; the model learns to predict each next character. Default: a short repeating phrase. */
  text?: string;
  steps?: number;
  hiddenSize?: number;
  seed?: number;
  optimizer?: OptimizerSpec;
  /** Called after each step with the loss in nats per character; may await (e.g. to let the page repaint). */
  onStep?: (step: number, loss: number) => void | Promise<void>;
}

/** Result of {@link trainTinyLanguageModel}. */
export interface TinyTrainingResult {
  losses: number[];
  /** Weights of the stack (paper.md §1.2 formula). */
  weights: number;
  vocabulary: string[];
  millisecondsPerStep: number;
}

/** The default training text: short and periodic, so 20 steps visibly lower the loss. */
export const TINY_TEXT = 'the quick brown fox jumps over the lazy dog. ';

/**
 * Trains a 1-layer peephole LSTM (Graves 2013 Eqs. 7–11, softmax head Eqs. 12–14) on one character sequence
 * for `steps` full-sequence BPTT updates with Adam, reporting the mean cross-entropy per character.
 * Disposes everything it creates.
 */
export async function trainTinyLanguageModel(options: TinyTrainingOptions = {}): Promise<TinyTrainingResult> {
  const text = options.text ?? TINY_TEXT.repeat(2);
  const steps = options.steps ?? 20;
  const vocabulary = [...new Set(text)].sort();
  const ids = Array.from(text, (ch) => vocabulary.indexOf(ch));
  const K = vocabulary.length;
  const T = ids.length - 1;
  const rng = createRng(options.seed ?? 1);
  const stack = new LstmStack({ inputSize: K, hiddenSizes: [options.hiddenSize ?? 32], outputSize: K }, rng, 'studio-demo');
  const optimizer = createOptimizer(options.optimizer ?? { name: 'adam', learningRate: 0.03 });
  const inputs = tf.tensor2d(ids.slice(0, T), [T, 1], 'int32');
  const targets = tf.tensor2d(ids.slice(1), [T, 1], 'int32');
  const names = Object.keys(stack.params);
  const vars = names.map((n) => stack.params[n] as tf.Variable);
  const losses: number[] = [];
  const start = performance.now();
  try {
    for (let step = 1; step <= steps; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const state = stack.zeroState(1);
        const out = stack.forward({ ids: inputs }, state);
        return tf.div(softmaxCrossEntropy(out.logits, targets), T) as tf.Scalar;
      }, vars);
      const byName: Record<string, tf.Tensor> = {};
      names.forEach((n) => (byName[n] = grads[(stack.params[n] as tf.Variable).name] as tf.Tensor));
      optimizer.apply(byName, stack.params);
      const loss = (await value.data())[0] as number;
      tf.dispose([value, ...Object.values(grads)]);
      losses.push(loss);
      await options.onStep?.(step, loss);
    }
    return { losses, weights: stack.numWeights(), vocabulary, millisecondsPerStep: (performance.now() - start) / steps };
  } finally {
    tf.dispose([inputs, targets]);
    optimizer.dispose();
    stack.dispose();
  }
}
