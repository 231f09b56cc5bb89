/**
 * Float64 oracles for the window tests: Eqs. (46)–(51) forward over T steps from κ_0 = 0 for one batch
 * row, a linear loss L = Σ_t g_t · w_t, and its closed-form gradients w.r.t. p_t by Eqs. (56)–(60).
 */

export interface WindowCase {
  k: number;
  /** Per step p_t = (α̂, β̂, κ̂), each of length 3K. */
  p: Float64Array[];
  /** One-hot characters of one row, U × S row-major; mask[u] = 0 marks padding. */
  chars: Float64Array;
  mask: Float64Array;
  u: number;
  s: number;
  /** Upstream gradient ∂L/∂w_t, each of length S. */
  g: Float64Array[];
}

/** L = Σ_t g_t · w_t with w_t from Eqs. (46)–(51), κ_0 = 0. */
export function windowLossF64(c: WindowCase): number {
  let kappa = new Float64Array(c.k);
  let loss = 0;
  c.p.forEach((p, t) => {
    kappa = kappa.map((kv, k) => kv + Math.exp(p[2 * c.k + k] as number));
    for (let u = 0; u < c.u; u++) {
      let phi = 0;
      for (let k = 0; k < c.k; k++) {
        phi += Math.exp(p[k] as number) * Math.exp(-Math.exp(p[c.k + k] as number) * ((kappa[k] as number) - (u + 1)) ** 2);
      }
      phi *= c.mask[u] as number;
      for (let j = 0; j < c.s; j++) loss += (c.g[t]?.[j] as number) * phi * (c.chars[u * c.s + j] as number);
    }
  });
  return loss;
}

/** ∂L/∂p_t for every t from Eqs. (56)–(60), with the backward κ recursion of Eq. (59). */
export function windowGradF64(c: WindowCase): Float64Array[] {
  const steps = c.p.length;
  const kappas: Float64Array[] = [];
  let kappa = new Float64Array(c.k);
  for (const p of c.p) {
    kappa = kappa.map((kv, k) => kv + Math.exp(p[2 * c.k + k] as number));
    kappas.push(kappa);
  }
  const grads = c.p.map(() => new Float64Array(3 * c.k));
  let dKappaNext = new Float64Array(c.k); // ∂L/∂κ_{t+1}
  for (let t = steps - 1; t >= 0; t--) {
    const p = c.p[t] as Float64Array;
    const kap = kappas[t] as Float64Array;
    const grad = grads[t] as Float64Array;
    const dKappa = new Float64Array(c.k);
    for (let k = 0; k < c.k; k++) {
      const alpha = Math.exp(p[k] as number);
      const beta = Math.exp(p[c.k + k] as number);
      let sumEps = 0;
      let sumEpsD2 = 0;
      let sumEpsD = 0;
      for (let u = 0; u < c.u; u++) {
        const pos = u + 1;
        let gc = 0;
        for (let j = 0; j < c.s; j++) gc += (c.g[t]?.[j] as number) * (c.chars[u * c.s + j] as number);
        const eps = (c.mask[u] as number) * alpha * Math.exp(-beta * ((kap[k] as number) - pos) ** 2) * gc; // Eq. 56
        sumEps += eps;
        sumEpsD2 += eps * ((kap[k] as number) - pos) ** 2;
        sumEpsD += eps * (pos - (kap[k] as number));
      }
      grad[k] = sumEps; // Eq. 57
      grad[c.k + k] = -beta * sumEpsD2; // Eq. 58
      dKappa[k] = (dKappaNext[k] as number) + 2 * beta * sumEpsD; // Eq. 59
      grad[2 * c.k + k] = Math.exp(p[2 * c.k + k] as number) * (dKappa[k] as number); // Eq. 60
    }
    dKappaNext = dKappa;
  }
  return grads;
}
