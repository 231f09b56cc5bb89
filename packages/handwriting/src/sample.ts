/**
 * Sampling (Graves 2013 §4.4, §5.4–5.5): unconditional generation from the prediction network, synthesis of a
 * text with the stop rule, biased sampling (Eqs. 61–62) and priming (style imitation, §5.5, Figs. 18–21).
 */
import {
  ConfigError,
  encodeText,
  maxSynthesisSteps,
  mdnParams,
  sampleMdn,
  shouldStop,
  type Rng,
  type StopReason,
} from '@seqgen/core';
import type { FastNet, FastState } from './fast-net.js';

/** Offsets `(dx, dy, eos)` × T in the model's normalised units, and what produced them. */
export interface SampleResult {
  /** The generated points (not the priming ones), `(dx, dy, eos)` × steps, normalised units. */
  offsets: Float32Array;
  steps: number;
}

/** A priming sequence: real (normalised) points and, for synthesis, their text. */
export interface Priming {
  /** `(dx, dy, eos)` × P, first triple the pen's first contact, normalised like the training data. */
  offsets: ArrayLike<number>;
  /** The priming line's transcription (synthesis). */
  text?: string;
}

/** Options shared by the samplers. */
export interface SampleOptions {
  /** Sampling bias b ≥ 0 (Eqs. 61–62); 0 = unbiased. */
  bias?: number;
  rng: Rng;
  priming?: Priming;
}

/** Options of {@link synthesize}. */
export interface SynthesizeOptions extends SampleOptions {
  /** Step cap per character of the text to write (non-paper safety, default 60). */
  stepsPerChar?: number;
  /** Characters outside the alphabet: 'error' (default, lists them and the supported set) or 'map' to `unknownSymbol`. */
  unknown?: 'error' | 'map';
  /** Alphabet entry for 'map' (default '#', the paper's non-letter label). */
  unknownSymbol?: string;
  /** Keep φ(t, ·) of every generated step (for the window plot). Default false. */
  recordPhi?: boolean;
}

/** Result of {@link synthesize}. */
export interface SynthesisResult extends SampleResult {
  /** The text the window read: priming text + ' ' + text when primed, else the text. */
  windowText: string;
  /** Index in `windowText` of the first character of the text to write. */
  textStart: number;
  /** Why sampling ended: the paper's stop rule ('window') or the step cap. */
  stop: StopReason;
  /** 1-based character u with the largest φ(t, u) at the last drawn step (U or U − 1 when the text was finished). */
  lastCharacter: number;
  /** Drawn points while the window's strongest weight was on the last character (ink "after the end" if large). */
  stepsOnLastCharacter: number;
  /** With `recordPhi`: φ(t, u) of each generated step, `steps × U` row-major. */
  phi: Float32Array | null;
}

function feedPriming(net: FastNet, state: FastState, priming: Priming): void {
  const n = Math.floor(priming.offsets.length / 3);
  const x: [number, number, number] = [0, 0, 0];
  // x_0 = the null vector, then every priming point but the last; the last point is fed by the sampling loop.
  net.step(x, state);
  for (let t = 0; t < n - 1; t++) {
    x[0] = priming.offsets[3 * t] as number;
    x[1] = priming.offsets[3 * t + 1] as number;
    x[2] = priming.offsets[3 * t + 2] as number;
    net.step(x, state);
  }
}

/**
 * Unconditional sampling from a prediction network (§4.4): x_0 = 0, then x_{t+1} ~ Pr(· | y_t) for `steps` steps.
 * With a priming sequence, its points are fed first and sampling continues from its last point.
 */
export function sampleUnconditional(net: FastNet, steps: number, options: SampleOptions): SampleResult {
  if (!Number.isInteger(steps) || steps < 1) throw new ConfigError(`sampleUnconditional: steps must be a positive integer, got ${steps}`);
  const bias = options.bias ?? 0;
  const state = net.zeroState();
  const out = new Float32Array(steps * 3);
  const x: [number, number, number] = [0, 0, 0];
  const priming = options.priming;
  if (priming && priming.offsets.length >= 3) {
    feedPriming(net, state, priming);
    const last = Math.floor(priming.offsets.length / 3) - 1;
    x[0] = priming.offsets[3 * last] as number;
    x[1] = priming.offsets[3 * last + 1] as number;
    x[2] = priming.offsets[3 * last + 2] as number;
  }
  for (let t = 0; t < steps; t++) {
    const { yHat } = net.step(x, state);
    const s = sampleMdn(mdnParams(yHat, bias), options.rng);
    x[0] = s.dx;
    x[1] = s.dy;
    x[2] = s.eos;
    out[3 * t] = s.dx;
    out[3 * t + 1] = s.dy;
    out[3 * t + 2] = s.eos;
  }
  return { offsets: out, steps };
}

/**
 * Writes `text` with a synthesis network (§5): draws x_{t+1} ~ Pr(· | y_t) (biased by b) until the paper's stop
 * rule fires, φ(t, U+1) > φ(t, u) for all u ≤ U (§5.5; x_t is then the last point), or the step cap.
 * Primed (§5.5): the window reads priming text + ' ' + text; the priming points are fed first, and only points
 * after them are returned.
 * @throws {@link SeqgenError} (code 'input') naming unsupported characters and the supported set; {@link ConfigError}
 *   when the network is not a synthesis network or the text is empty.
 */
export function synthesize(net: FastNet, text: string, options: SynthesizeOptions): SynthesisResult {
  if (net.config.task !== 'synthesis') throw new ConfigError('synthesize: the model is a prediction network; it cannot write text');
  if ([...text].length === 0) throw new ConfigError('synthesize: the text to write is empty');
  const alphabet = net.config.alphabet;
  const priming = options.priming;
  const primingText = priming?.text ?? '';
  if (priming && primingText.length === 0) throw new ConfigError('synthesize: a synthesis priming needs the priming line\'s text');
  const windowText = priming ? `${primingText} ${text}` : text;
  const textStart = priming ? [...primingText].length + 1 : 0;
  const unknownSymbol = options.unknownSymbol ?? '#';
  const encodeOptions = options.unknown === 'map' ? { unknown: 'map' as const, unknownSymbol } : {};
  const textIds = encodeText(text, alphabet, encodeOptions);
  // The priming line's own text is data: characters outside the alphabet map to the 'other' symbol, as in training.
  const primingIds = priming
    ? encodeText(`${primingText} `, alphabet, alphabet.includes(unknownSymbol) ? { unknown: 'map', unknownSymbol } : {})
    : new Int32Array(0);
  const ids = new Int32Array(primingIds.length + textIds.length);
  ids.set(primingIds);
  ids.set(textIds, primingIds.length);
  net.setText(ids);
  const U = ids.length;
  const bias = options.bias ?? 0;
  const maxSteps = maxSynthesisSteps([...text].length, options.stepsPerChar);
  const state = net.zeroState();
  const x: [number, number, number] = [0, 0, 0];
  if (priming && priming.offsets.length >= 3) {
    feedPriming(net, state, priming);
    const last = Math.floor(priming.offsets.length / 3) - 1;
    x[0] = priming.offsets[3 * last] as number;
    x[1] = priming.offsets[3 * last + 1] as number;
    x[2] = priming.offsets[3 * last + 2] as number;
  }
  const out: number[] = [];
  const phis: number[] = [];
  let stop: StopReason = 'max-steps';
  let lastCharacter = 0;
  let stepsOnLastCharacter = 0;
  for (let t = 0; t < maxSteps; t++) {
    const step = net.step(x, state);
    if (shouldStop(step.phi, step.phiNext)) {
      stop = 'window';
      break;
    }
    let best = 0;
    for (let u = 1; u < U; u++) if ((step.phi[u] as number) > (step.phi[best] as number)) best = u;
    lastCharacter = best + 1;
    if (lastCharacter === U) stepsOnLastCharacter++;
    if (options.recordPhi) for (let u = 0; u < U; u++) phis.push(step.phi[u] as number);
    const s = sampleMdn(mdnParams(step.yHat, bias), options.rng);
    x[0] = s.dx;
    x[1] = s.dy;
    x[2] = s.eos;
    out.push(s.dx, s.dy, s.eos);
  }
  // The last drawn point ends the line's final stroke.
  if (out.length >= 3) out[out.length - 1] = 1;
  return {
    offsets: Float32Array.from(out),
    steps: out.length / 3,
    windowText,
    textStart,
    stop,
    lastCharacter,
    stepsOnLastCharacter,
    phi: options.recordPhi ? Float32Array.from(phis) : null,
  };
}
