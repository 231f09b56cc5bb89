/**
 * Float64 oracles for the MDN tests: the loss of Eq. (26) written straight from Eqs. (18)–(25), and the
 * closed-form gradients of Eqs. (27)–(37) (paper.md §4.4). Layout per row: [ê, π̂, μ̂1, μ̂2, σ̂1, σ̂2, ρ̂].
 */

/** −Σ_rows mask · log Pr(x_{t+1} | y_t) for `rows` rows of ŷ (length rows·(1+6M)) and targets (rows·3). */
export function mdnLossF64(yHat: ArrayLike<number>, targets: ArrayLike<number>, m: number, mask?: ArrayLike<number>): number {
  const d = 1 + 6 * m;
  const rows = targets.length / 3;
  let loss = 0;
  for (let r = 0; r < rows; r++) {
    const y = (i: number): number => yHat[r * d + i] as number;
    const [x1, x2, x3] = [targets[r * 3] as number, targets[r * 3 + 1] as number, targets[r * 3 + 2] as number];
    const e = 1 / (1 + Math.exp(y(0)));
    let piTotal = 0;
    for (let j = 0; j < m; j++) piTotal += Math.exp(y(1 + j));
    let pr = 0;
    for (let j = 0; j < m; j++) {
      const pi = Math.exp(y(1 + j)) / piTotal;
      const [mu1, mu2] = [y(1 + m + j), y(1 + 2 * m + j)];
      const [s1, s2] = [Math.exp(y(1 + 3 * m + j)), Math.exp(y(1 + 4 * m + j))];
      const rho = Math.tanh(y(1 + 5 * m + j));
      const z = ((x1 - mu1) / s1) ** 2 + ((x2 - mu2) / s2) ** 2 - (2 * rho * (x1 - mu1) * (x2 - mu2)) / (s1 * s2);
      pr += (pi * Math.exp(-z / (2 * (1 - rho * rho)))) / (2 * Math.PI * s1 * s2 * Math.sqrt(1 - rho * rho));
    }
    const ll = Math.log(pr) + Math.log(x3 === 1 ? e : 1 - e);
    loss -= (mask === undefined ? 1 : (mask[r] as number)) * ll;
  }
  return loss;
}

/** ∂L/∂ŷ from the closed forms of Eqs. (27)–(37), scaled by the mask. */
export function mdnGradF64(yHat: ArrayLike<number>, targets: ArrayLike<number>, m: number, mask?: ArrayLike<number>): Float64Array {
  const d = 1 + 6 * m;
  const rows = targets.length / 3;
  const g = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    const y = (i: number): number => yHat[r * d + i] as number;
    const w = mask === undefined ? 1 : (mask[r] as number);
    const [x1, x2, x3] = [targets[r * 3] as number, targets[r * 3 + 1] as number, targets[r * 3 + 2] as number];
    const e = 1 / (1 + Math.exp(y(0)));
    g[r * d] = w * (x3 - e); // Eq. 27
    let piTotal = 0;
    for (let j = 0; j < m; j++) piTotal += Math.exp(y(1 + j));
    const pi: number[] = [];
    const dens: number[] = [];
    for (let j = 0; j < m; j++) {
      pi.push(Math.exp(y(1 + j)) / piTotal);
      const [s1, s2, rho] = [Math.exp(y(1 + 3 * m + j)), Math.exp(y(1 + 4 * m + j)), Math.tanh(y(1 + 5 * m + j))];
      const [d1, d2] = [x1 - y(1 + m + j), x2 - y(1 + 2 * m + j)];
      const z = (d1 / s1) ** 2 + (d2 / s2) ** 2 - (2 * rho * d1 * d2) / (s1 * s2);
      dens.push(Math.exp(-z / (2 * (1 - rho * rho))) / (2 * Math.PI * s1 * s2 * Math.sqrt(1 - rho * rho)));
    }
    let total = 0;
    for (let j = 0; j < m; j++) total += (pi[j] as number) * (dens[j] as number);
    for (let j = 0; j < m; j++) {
      const gamma = ((pi[j] as number) * (dens[j] as number)) / total; // Eq. 28
      const [s1, s2, rho] = [Math.exp(y(1 + 3 * m + j)), Math.exp(y(1 + 4 * m + j)), Math.tanh(y(1 + 5 * m + j))];
      const [d1, d2] = [x1 - y(1 + m + j), x2 - y(1 + 2 * m + j)];
      const c = 1 / (1 - rho * rho);
      const z = (d1 / s1) ** 2 + (d2 / s2) ** 2 - (2 * rho * d1 * d2) / (s1 * s2);
      g[r * d + 1 + j] = w * ((pi[j] as number) - gamma); // Eq. 29
      g[r * d + 1 + m + j] = w * (-gamma * (c / s1) * (d1 / s1 - (rho * d2) / s2));
      g[r * d + 1 + 2 * m + j] = w * (-gamma * (c / s2) * (d2 / s2 - (rho * d1) / s1));
      g[r * d + 1 + 3 * m + j] = w * (-gamma * (((c * d1) / s1) * (d1 / s1 - (rho * d2) / s2) - 1));
      g[r * d + 1 + 4 * m + j] = w * (-gamma * (((c * d2) / s2) * (d2 / s2 - (rho * d1) / s1) - 1));
      g[r * d + 1 + 5 * m + j] = w * (-gamma * ((d1 * d2) / (s1 * s2) + rho * (1 - c * z)));
    }
  }
  return g;
}
