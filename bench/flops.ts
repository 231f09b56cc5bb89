/**
 * Nominal training cost of the benchmarked networks in floating-point operations per character or per point,
 * for `pnpm bench`'s throughput ceiling (ceiling = measured matMul FLOP/s ÷ FLOP per unit). Only the matrix
 * products count (2 FLOP per multiply-add); elementwise work (gates, peepholes, the window's Gaussians, the loss)
 * is left out, so the ceiling is an upper bound. A product whose input is data (one-hot characters, pen offsets)
 * costs 2× its forward work in training (forward + weight gradient); every other one 3× (also the input gradient).
 */

/** One weight matrix: `inputs × outputs` multiply-adds per unit, and whether its input needs a gradient. */
interface Product {
  inputs: number;
  outputs: number;
  dataInput: boolean;
}

function trainingFlops(products: readonly Product[]): number {
  return products.reduce((sum, p) => sum + 2 * p.inputs * p.outputs * (p.dataInput ? 2 : 3), 0);
}

/**
 * Char-level LSTM, `layers × hidden`, vocabulary `vocab`, one-hot input.
 * - `reference`: a plain stacked LSTM (PyTorch's nn.LSTM + Linear on the top layer), the counting:
 *   2.14 MFLOP/char for 1×256 and 5.28 for 2×256 at V = 100.
 * - `seqgen`: LstmStack's wiring: also input → every layer and every layer → output (skip connections).
 */
export function lstmFlopsPerChar(layers: number, hidden: number, vocab: number, wiring: 'reference' | 'seqgen'): number {
  const products: Product[] = [];
  for (let n = 0; n < layers; n++) {
    if (n === 0 || wiring === 'seqgen') products.push({ inputs: vocab, outputs: 4 * hidden, dataInput: true });
    if (n > 0) products.push({ inputs: hidden, outputs: 4 * hidden, dataInput: false });
    products.push({ inputs: hidden, outputs: 4 * hidden, dataInput: false });
  }
  products.push({ inputs: wiring === 'seqgen' ? layers * hidden : hidden, outputs: vocab, dataInput: false });
  return trainingFlops(products);
}

/**
 * Handwriting synthesis network (Graves 2013 §5, seqgen's and bench/pytorch_synthesis.py's wiring), per point:
 * layer 1 reads x (3) and the window (S); the window layer H₁ → 3K and w = φ·c (U × S, c is data); layers n ≥ 2
 * read x, h^{n−1} and the window; the output reads every layer (6M + 1 outputs).
 * 3×400, S = 57, K = 10, M = 20, U = 30: 21.9 MFLOP per point.
 */
export function synthesisFlopsPerPoint(hiddenSizes: readonly number[], alphabet: number, windowMixtures: number, mixtures: number, textChars: number): number {
  const products: Product[] = [];
  hiddenSizes.forEach((h, n) => {
    products.push({ inputs: 3, outputs: 4 * h, dataInput: true });
    products.push({ inputs: alphabet, outputs: 4 * h, dataInput: false });
    if (n > 0) products.push({ inputs: hiddenSizes[n - 1] as number, outputs: 4 * h, dataInput: false });
    products.push({ inputs: h, outputs: 4 * h, dataInput: false });
  });
  products.push({ inputs: hiddenSizes[0] as number, outputs: 3 * windowMixtures, dataInput: false });
  products.push({ inputs: textChars, outputs: alphabet, dataInput: true });
  products.push({ inputs: hiddenSizes.reduce((a, b) => a + b, 0), outputs: 1 + 6 * mixtures, dataInput: false });
  return trainingFlops(products);
}
