/**
 * Character sets for handwriting synthesis (Graves 2013 Sec. 5.3): the paper used 57 symbols out of the 80
 * in IAM-OnDB transcriptions, with digits and most punctuation mapped to one "non-letter" label. The exact
 * list is not given; {@link PAPER_ALPHABET} follows X-rayLaser's reading (other label, space, `.`, `,`, `?`,
 * A–Z, a–z = 57).
 */
import { DatasetParseError } from '../errors.js';

/** The symbol that stands for every character outside an alphabet (index 0). */
export const OTHER_SYMBOL = '#';

const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** The 57-symbol set: `#` (other), space, `.`, `,`, `?`, A–Z, a–z. Index order is the model's one-hot order. */
export const PAPER_ALPHABET: readonly string[] = Object.freeze([OTHER_SYMBOL, ' ', '.', ',', '?', ...letters]);

/** Which character set a dataset uses. */
export type AlphabetKind = 'paper' | 'full';

/**
 * The "full" character set: the other label followed by every distinct character of `texts`, sorted by code
 * point (characters never seen in training still map to the other label).
 */
export function fullAlphabet(texts: Iterable<string>): string[] {
  const seen = new Set<string>();
  for (const t of texts) for (const c of t) seen.add(c);
  seen.delete(OTHER_SYMBOL);
  return [OTHER_SYMBOL, ...[...seen].sort((a, b) => (a.codePointAt(0) as number) - (b.codePointAt(0) as number))];
}

/** Builds the alphabet of the given kind (the full one from the training texts). */
export function buildAlphabet(kind: AlphabetKind, trainingTexts: Iterable<string>): string[] {
  return kind === 'paper' ? [...PAPER_ALPHABET] : fullAlphabet(trainingTexts);
}

/**
 * Text → symbol indices; characters outside `alphabet` map to index 0 (the other label), when
 * `alphabet[0] === OTHER_SYMBOL`, else they throw.
 * @throws {@link DatasetParseError} for an unknown character when the alphabet has no other label.
 */
export function encodeText(text: string, alphabet: readonly string[]): Int32Array {
  const index = new Map(alphabet.map((c, i) => [c, i]));
  const hasOther = alphabet[0] === OTHER_SYMBOL;
  const chars = [...text];
  const out = new Int32Array(chars.length);
  chars.forEach((c, i) => {
    const k = index.get(c);
    if (k !== undefined) out[i] = k;
    else if (hasOther) out[i] = 0;
    else throw new DatasetParseError({ file: '<text>', offset: i }, `character '${c}' is not in the alphabet`);
  });
  return out;
}

/** Text as the model sees it: every character outside `alphabet` replaced by the other label. */
export function mapToAlphabet(text: string, alphabet: readonly string[]): string {
  const set = new Set(alphabet);
  return [...text].map((c) => (set.has(c) ? c : OTHER_SYMBOL)).join('');
}
