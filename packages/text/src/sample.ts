/**
 * Text generation (Graves 2013 §1, §3; paper.md §6.1): sample the softmax (Eq. 12) and feed the sampled symbol
 * back as the next input. Temperature and priming are conveniences that are not in the paper (temperature 1 and
 * no priming text reproduce its procedure; the paper starts from the null vector, we start from a newline).
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, FastLstmStack, fastSimdAvailable, type FastKernelName, type LstmState, type Rng } from '@seqgen/core';
import { disposeState, type TextModel } from './text-model.js';
import { createRenderer, encodeText } from './vocabulary.js';

/**
 * How a sample is computed. `fast`: the typed-array stepper {@link FastLstmStack} from @seqgen/core (batch 1 in
 * plain JS, no tfjs op per step); `tfjs`: {@link TextModel.step} on the current backend plus one `data()` per
 * symbol. Both give the same logits up to float32 rounding, hence the same text for the same seed (a draw can
 * only differ where rounding moves a softmax boundary across the uniform number drawn, ~1e-7 per symbol).
 */
export type SamplePath = 'fast' | 'tfjs';

/** Options of {@link sampleStream} and {@link sampleText}. */
export interface SampleOptions {
  /** `auto` (default) = `fast`, which measured 10–40× faster at batch 1 (bench/text-sample.ts); `tfjs` for comparison. */
  path?: SamplePath | 'auto';
  /** Symbols to generate. */
  length: number;
  /** Divides the logits before the softmax: < 1 sharper, > 1 flatter; 0 = always the most probable symbol. Default 1. */
  temperature?: number;
  /**
   * Text (or ids) the model reads before generating; it conditions the sample and is not part of the output.
   * Default: one newline-like symbol (`\n`, `<eos>`), else a space, else symbol 0.
   */
  prime?: string | ArrayLike<number>;
  /** Random stream; same seed + backend = same text. */
  rng: Rng;
}

/** One generated symbol. */
export interface SampledSymbol {
  id: number;
  /** Text that became final with this symbol (empty while a multi-byte UTF-8 character is incomplete). */
  text: string;
}

/** The default first input when no priming text is given. */
export function defaultPrimeId(model: TextModel): number {
  const v = model.vocabulary;
  const display = v.display ?? {};
  const shown = (s: string, id: number): string => (v.unit === 'byte' ? String.fromCharCode(v.bytes ? (v.bytes[id] as number) : id) : (display[s] ?? s));
  const ids = v.symbols.map((s, id) => [shown(s, id), id] as const);
  return (ids.find(([s]) => s === '\n') ?? ids.find(([s]) => s === ' ') ?? [undefined, 0])[1];
}

/**
 * Draws one id from softmax(logits / temperature) with `rng` (float64 in JS; temperature 0 = argmax).
 * @throws {@link ConfigError} when the temperature is negative or not finite.
 */
export function sampleLogits(logits: ArrayLike<number>, temperature: number, rng: Rng): number {
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new ConfigError(`temperature must be a number >= 0, got ${temperature}`);
  const K = logits.length;
  let best = 0;
  let max = -Infinity;
  for (let k = 0; k < K; k++) {
    const v = logits[k] as number;
    if (v > max) {
      max = v;
      best = k;
    }
  }
  if (temperature === 0) return best;
  const p = new Float64Array(K);
  let sum = 0;
  for (let k = 0; k < K; k++) {
    p[k] = Math.exp(((logits[k] as number) - max) / temperature);
    sum += p[k] as number;
  }
  let u = rng.next() * sum;
  for (let k = 0; k < K; k++) {
    u -= p[k] as number;
    if (u < 0) return k;
  }
  return best;
}

/**
 * Generates symbols one at a time; text streams out as it is generated.
 * @throws {@link ConfigError} for a non-positive length, a bad temperature or priming text outside the vocabulary.
 */
export async function* sampleStream(model: TextModel, options: SampleOptions): AsyncGenerator<SampledSymbol, void, undefined> {
  const { length, rng } = options;
  const temperature = options.temperature ?? 1;
  if (!Number.isInteger(length) || length < 0) throw new ConfigError(`sample length must be an integer >= 0, got ${length}`);
  if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new ConfigError(`temperature must be a number >= 0, got ${temperature}`);
  const path = resolveSamplePath(options.path);
  const K = model.vocabularySize;
  let prime: Int32Array;
  if (options.prime === undefined || options.prime === '') prime = Int32Array.of(defaultPrimeId(model));
  else if (typeof options.prime === 'string') prime = encodeText(model.vocabulary, options.prime);
  else prime = Int32Array.from(options.prime);
  if (prime.length === 0) prime = Int32Array.of(defaultPrimeId(model));
  for (const id of prime) if (!(id >= 0 && id < K)) throw new ConfigError(`priming id ${id} is outside the vocabulary [0, ${K})`);

  if (path === 'fast') {
    yield* fastStream(model, prime, length, temperature, rng);
    return;
  }
  let state: LstmState = model.zeroState(1);
  try {
    if (prime.length > 1) {
      const head = tf.tensor2d(prime.subarray(0, prime.length - 1), [prime.length - 1, 1], 'int32');
      const out = model.forward(head, state);
      head.dispose();
      out.logits.dispose();
      disposeState(state);
      state = out.state;
    }
    const renderer = createRenderer(model.vocabulary);
    let input = prime[prime.length - 1] as number;
    for (let i = 0; i < length; i++) {
      const x = tf.tensor1d([input], 'int32');
      const out = model.step(x, state);
      x.dispose();
      disposeState(state);
      state = out.state;
      const logits = await out.logits.data();
      out.logits.dispose();
      const id = sampleLogits(logits, temperature, rng);
      input = id;
      yield { id, text: renderer.push(id) };
    }
    const rest = renderer.flush();
    if (rest !== '') yield { id: -1, text: rest };
  } finally {
    disposeState(state);
  }
}

/**
 * The path `options.path` selects (`auto` → `fast`).
 * @throws {@link ConfigError} for an unknown path.
 */
export function resolveSamplePath(path: SamplePath | 'auto' | undefined): SamplePath {
  if (path === undefined || path === 'auto' || path === 'fast') return 'fast';
  if (path === 'tfjs') return 'tfjs';
  throw new ConfigError(`sample path must be 'auto', 'fast' or 'tfjs', got ${JSON.stringify(path)}`);
}

/** The sampling loop on {@link FastLstmStack}: same inputs, same draws as the tfjs loop. */
function* fastStream(model: TextModel, prime: Int32Array, length: number, temperature: number, rng: Rng): Generator<SampledSymbol, void, undefined> {
  const net = FastLstmStack.fromStack(model.stack);
  const state = net.zeroState();
  for (let i = 0; i < prime.length - 1; i++) net.step(prime[i] as number, state);
  const renderer = createRenderer(model.vocabulary);
  let input = prime[prime.length - 1] as number;
  for (let i = 0; i < length; i++) {
    const id = sampleLogits(net.step(input, state), temperature, rng);
    input = id;
    yield { id, text: renderer.push(id) };
  }
  const rest = renderer.flush();
  if (rest !== '') yield { id: -1, text: rest };
}

/**
 * Generates `length` symbols; `onText` receives the text as it becomes final (for streaming to a terminal).
 * @returns The ids, the whole text, the path used and (fast path) its matrix–vector kernel.
 */
export async function sampleText(
  model: TextModel,
  options: SampleOptions & { onText?: (text: string) => void },
): Promise<{ ids: Int32Array; text: string; path: SamplePath; kernel: FastKernelName | null }> {
  const ids: number[] = [];
  let text = '';
  for await (const s of sampleStream(model, options)) {
    if (s.id >= 0) ids.push(s.id);
    text += s.text;
    if (s.text !== '') options.onText?.(s.text);
  }
  const path = resolveSamplePath(options.path);
  return { ids: Int32Array.from(ids), text, path, kernel: path === 'fast' ? (fastSimdAvailable() ? 'wasm-simd' : 'js') : null };
}
