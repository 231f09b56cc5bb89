/**
 * Dynamic evaluation (Graves 2013 §3.2 and Tables 1–2; Mikolov's procedure): the network keeps adapting its
 * weights to the test text as it reads it, seeing each symbol once. Each segment is SCORED FIRST with the current
 * weights, then the weights are updated on that segment, so no symbol is predicted by weights that saw it.
 *
 * Two update rules:
 * - `sgd` (the paper's reading, unconfirmed details: paper.md §8 #19): w ← w − η ∇L (optional momentum), L the
 *   segment's summed loss in nats, as in training;
 * - `krause` (Krause et al. 2018): w ← w − η ∇L / (MS + ε) + λ · decrate ∘ (w₀ − w), L the segment's mean loss,
 *   MS = √(mean g²) from a pass over training data ({@link gradientStatistics}), decrate = MS / mean(MS)
 *   (mean over all weights) clipped at 1/λ; the decay pulls the weights back to the trained ones w₀.
 *
 * The model's weights are restored at the end: dynamic evaluation never changes the model.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, NATS_TO_BITS, softmaxCrossEntropy, type LstmState } from '@seqgen/core';
import { createOptimizer, type Optimizer } from '@seqgen/core/train';
import { TbpttBatcher } from './batcher.js';
import { segmentTensors } from './evaluate.js';
import { emptyTotals, textMetrics, type ScoreTotals, type TextMetrics } from './metrics.js';
import { disposeState, type TextModel } from './text-model.js';
import { countWords } from './vocabulary.js';

/** Per-weight RMS gradients for the `krause` rule; the caller disposes `ms` (see {@link disposeStatistics}). */
export interface GradientStatistics {
  /** √(mean over batches of g²), by parameter name. */
  ms: Record<string, tf.Tensor>;
  batches: number;
}

/** Options of {@link gradientStatistics}. */
export interface GradientStatisticsOptions {
  /** Batches to average over; default 20. */
  batches?: number;
  /** Default 32. */
  batchSize?: number;
  /** Default 20 (Krause: 5). */
  seqLength?: number;
}

/**
 * Krause et al.'s gradient statistics: MS = √(mean g²) over `batches` training batches (mean loss per symbol,
 * state carried across batches), at the trained weights (which are not changed).
 * @throws {@link ConfigError} when the training ids are too short for one batch.
 */
export async function gradientStatistics(model: TextModel, trainIds: ArrayLike<number>, options: GradientStatisticsOptions = {}): Promise<GradientStatistics> {
  const batches = options.batches ?? 20;
  const B = options.batchSize ?? 32;
  const T = options.seqLength ?? 20;
  const batcher = new TbpttBatcher(trainIds, { batchSize: B, seqLength: T, resetEvery: 0 });
  const names = Object.keys(model.params);
  const vars = names.map((n) => model.params[n] as tf.Variable);
  const sums: Record<string, tf.Tensor> = {};
  for (const n of names) sums[n] = tf.zerosLike(model.params[n] as tf.Variable);
  let state = model.zeroState(B);
  for (let i = 0; i < batches; i++) {
    const batch = batcher.next();
    if (batch.reset && i > 0) {
      disposeState(state);
      state = model.zeroState(B);
    }
    const inputs = tf.tensor2d(batch.inputs, [T, B], 'int32');
    const targets = tf.tensor2d(batch.targets, [T, B], 'int32');
    let next: LstmState | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(inputs, state);
      next = { h: out.state.h.map((h) => tf.keep(h)), c: out.state.c.map((c) => tf.keep(c)) };
      return tf.div(softmaxCrossEntropy(out.logits, targets), T * B) as tf.Scalar;
    }, vars);
    for (const n of names) {
      const g = grads[(model.params[n] as tf.Variable).name] as tf.Tensor;
      const s = sums[n] as tf.Tensor;
      sums[n] = tf.tidy(() => tf.add(s, tf.square(g)));
      s.dispose();
    }
    tf.dispose([value, inputs, targets, ...Object.values(grads)]);
    disposeState(state);
    state = next as LstmState;
  }
  disposeState(state);
  const ms: Record<string, tf.Tensor> = {};
  for (const n of names) {
    ms[n] = tf.tidy(() => tf.sqrt(tf.div(sums[n] as tf.Tensor, batches)));
    (sums[n] as tf.Tensor).dispose();
  }
  return { ms, batches };
}

/** Frees gradient statistics. */
export function disposeStatistics(stats: GradientStatistics): void {
  tf.dispose(Object.values(stats.ms));
}

/** Options of {@link dynamicEvaluate}. */
export interface DynamicEvalOptions {
  method: 'sgd' | 'krause';
  /** η. Suggested: sgd 1e-4 (paper training rate, summed loss); krause 5e-5 (Krause's default, mean loss). */
  learningRate: number;
  /** sgd only: momentum, default 0. */
  momentum?: number;
  /** krause only: λ, decay towards the trained weights, default 0.002. */
  decay?: number;
  /** krause only: ε, default 2e-5. */
  epsilon?: number;
  /** krause only: statistics from {@link gradientStatistics} (required). */
  statistics?: GradientStatistics;
  /** Symbols per segment (one update each); default 100 (sgd, the paper's sequence length) or 20 (krause). */
  seqLength?: number;
  /** Score only the first `maxSymbols` predictions (0 or absent = all). */
  maxSymbols?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Result of {@link dynamicEvaluate}: the metrics plus the settings used. */
export interface DynamicEvalResult extends TextMetrics {
  method: 'sgd' | 'krause';
  learningRate: number;
  seqLength: number;
  updates: number;
}

/**
 * Dynamically evaluates `model` on `ids` (one stream, batch 1, state carried): for each segment, score with the
 * current weights, then update on it. Restores the trained weights before returning.
 * @throws {@link ConfigError} for invalid options (e.g. `krause` without statistics) or fewer than 2 symbols.
 */
export async function dynamicEvaluate(model: TextModel, ids: ArrayLike<number>, options: DynamicEvalOptions): Promise<DynamicEvalResult> {
  const { method, learningRate } = options;
  if (method !== 'sgd' && method !== 'krause') throw new ConfigError(`dynamic evaluation: method is '${String(method)}', expected 'sgd' or 'krause'`);
  if (!(learningRate > 0)) throw new ConfigError(`dynamic evaluation: learningRate must be > 0, got ${learningRate}`);
  const seqLength = options.seqLength ?? (method === 'sgd' ? 100 : 20);
  const limit = options.maxSymbols && options.maxSymbols > 0 ? Math.min(ids.length, options.maxSymbols + 1) : ids.length;
  const total = limit - 1;
  if (total < 1) throw new ConfigError(`dynamic evaluation needs at least 2 symbols, got ${ids.length}`);
  const names = Object.keys(model.params);
  const vars = names.map((n) => model.params[n] as tf.Variable);
  const trained: Record<string, tf.Tensor> = {};
  for (const n of names) trained[n] = tf.clone(model.params[n] as tf.Variable);

  let optimizer: Optimizer | null = null;
  let decrate: Record<string, tf.Tensor> | null = null;
  let denominators: Record<string, tf.Tensor> | null = null;
  const decay = options.decay ?? 0.002;
  if (method === 'sgd') {
    optimizer = createOptimizer({ name: 'sgd', learningRate, momentum: options.momentum ?? 0 });
  } else {
    const stats = options.statistics;
    if (!stats) throw new ConfigError('dynamic evaluation: method krause needs gradient statistics (gradientStatistics on training data)');
    if (!(decay >= 0)) throw new ConfigError(`dynamic evaluation: decay must be >= 0, got ${decay}`);
    const epsilon = options.epsilon ?? 2e-5;
    const meanMs = tf.tidy(() => {
      const sum = tf.addN(names.map((n) => tf.sum(stats.ms[n] as tf.Tensor)));
      const count = names.reduce((a, n) => a + (model.params[n] as tf.Variable).size, 0);
      return tf.div(sum, count);
    });
    decrate = {};
    denominators = {};
    for (const n of names) {
      const ms = stats.ms[n];
      if (!ms) throw new ConfigError(`dynamic evaluation: the gradient statistics have no entry for weight '${n}'`);
      decrate[n] = tf.tidy(() => {
        const d = tf.div(ms, meanMs);
        return decay > 0 ? tf.minimum(d, 1 / decay) : d;
      });
      denominators[n] = tf.tidy(() => tf.add(ms, epsilon));
    }
    meanMs.dispose();
  }

  const totals: ScoreTotals = emptyTotals();
  totals.words = countWords(model.vocabulary, ids, 1, limit);
  let state = model.zeroState(1);
  let updates = 0;
  try {
    for (let s = 0; s < total; s += seqLength) {
      const T = Math.min(seqLength, total - s);
      const { inputs, targets } = segmentTensors(ids, s, T);
      let next: LstmState | undefined;
      let errors: tf.Scalar | undefined;
      let nats: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(inputs, state);
        next = { h: out.state.h.map((h) => tf.keep(h)), c: out.state.c.map((c) => tf.keep(c)) };
        errors = tf.keep(tf.sum(tf.cast(tf.notEqual(tf.argMax(out.logits, 2), targets), 'float32'))) as tf.Scalar;
        const sum = softmaxCrossEntropy(out.logits, targets);
        nats = tf.keep(tf.clone(sum)) as tf.Scalar;
        return method === 'sgd' ? sum : (tf.div(sum, T) as tf.Scalar);
      }, vars);
      const [natsValue, errorValue] = await Promise.all([(nats as tf.Scalar).data(), (errors as tf.Scalar).data()]);
      totals.bits += (natsValue[0] as number) * NATS_TO_BITS;
      totals.errors += errorValue[0] as number;
      totals.count += T;
      const byName: Record<string, tf.Tensor> = {};
      for (const n of names) byName[n] = grads[(model.params[n] as tf.Variable).name] as tf.Tensor;
      if (Number.isFinite(natsValue[0])) {
        if (optimizer !== null) {
          optimizer.apply(byName, model.params);
        } else {
          const dr = decrate as Record<string, tf.Tensor>;
          const den = denominators as Record<string, tf.Tensor>;
          tf.tidy(() => {
            for (const n of names) {
              const w = model.params[n] as tf.Variable;
              const step = tf.div(tf.mul(byName[n] as tf.Tensor, learningRate), den[n] as tf.Tensor);
              const pull = tf.mul(tf.mul(dr[n] as tf.Tensor, decay), tf.sub(trained[n] as tf.Tensor, w));
              w.assign(tf.add(tf.sub(w, step), pull));
            }
          });
        }
        updates++;
      }
      tf.dispose([value, inputs, targets, nats as tf.Tensor, errors as tf.Tensor, ...Object.values(grads)]);
      disposeState(state);
      state = next as LstmState;
      options.onProgress?.(totals.count, total);
    }
  } finally {
    disposeState(state);
    for (const n of names) (model.params[n] as tf.Variable).assign(trained[n] as tf.Tensor);
    tf.dispose(Object.values(trained));
    optimizer?.dispose();
    if (decrate) tf.dispose(Object.values(decrate));
    if (denominators) tf.dispose(Object.values(denominators));
  }
  return { ...textMetrics(totals, model.vocabulary.unit), method, learningRate, seqLength, updates };
}
