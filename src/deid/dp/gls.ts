/**
 * Generalised least squares under linear equality constraints, dense, for the small systems of
 * one quantity group (tens to a few hundred unknowns): the best linear unbiased estimate of
 * every cell from every noisy measurement of it, its margins and its total, with the identities
 * between tables holding exactly (Hay et al. 2010; the 2020 Census TopDown's least-squares step).
 * Measurements have coefficient 1 on each of their terms; constraints are "sum of plus = sum of
 * minus". Pure.
 */
export interface Measurement {
  /** Unknowns this measurement adds up. */
  terms: readonly number[];
  variance: number;
}

export interface Constraint {
  plus: readonly number[];
  minus: readonly number[];
}

/**
 * The covariance of the constrained estimate, Σ = N⁻¹ − N⁻¹Cᵀ(CN⁻¹Cᵀ)⁻¹CN⁻¹ with N = AᵀWA: the top-
 * left block of the inverse of the KKT matrix [[N, Cᵀ], [C, 0]]. It depends only on the design
 * and the variances, never on the data, which is what lets a dry run state the error exactly.
 * The estimate itself is then Σ·AᵀWy (see `estimate`).
 */
export function covariance(n: number, measurements: readonly Measurement[], constraints: readonly Constraint[]): Float64Array {
  const size = n + constraints.length;
  // Scale N to entries near 1 so that pivots of N and of the constraint rows are comparable.
  const scale = Math.min(...measurements.map((m) => m.variance));
  const k = new Float64Array(size * size);
  for (const m of measurements) {
    const w = scale / m.variance;
    for (const i of m.terms) for (const j of m.terms) k[i * size + j]! += w;
  }
  constraints.forEach((c, r) => {
    const row = n + r;
    for (const i of c.plus) {
      k[row * size + i] = 1;
      k[i * size + row] = 1;
    }
    for (const i of c.minus) {
      k[row * size + i] = -1;
      k[i * size + row] = -1;
    }
  });
  const inverse = invert(k, size);
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cov[i * n + j] = inverse[i * size + j]! * scale;
  return cov;
}

/** x̂ = Σ·AᵀWy: the constrained estimate from the measured values y. */
export function estimate(cov: Float64Array, n: number, measurements: readonly Measurement[], y: readonly number[]): Float64Array {
  const b = new Float64Array(n);
  measurements.forEach((m, r) => {
    for (const i of m.terms) b[i]! += y[r]! / m.variance;
  });
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += cov[i * n + j]! * b[j]!;
    x[i] = s;
  }
  return x;
}

/** Variance of a sum of unknowns under the covariance: 1ᵀΣ1 over those unknowns. */
export function varianceOfSum(cov: Float64Array, n: number, terms: readonly number[]): number {
  let s = 0;
  for (const i of terms) for (const j of terms) s += cov[i * n + j]!;
  return Math.max(0, s);
}

/** Gauss-Jordan inversion with partial pivoting (the KKT matrix is symmetric but indefinite). */
function invert(a: Float64Array, n: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) inv[i * n + i] = 1;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]!) > Math.abs(m[pivot * n + col]!)) pivot = r;
    const p = m[pivot * n + col]!;
    if (Math.abs(p) < 1e-12) throw new Error('the measurements do not determine every cell: give every atom table a positive weight');
    if (pivot !== col) {
      swapRows(m, n, pivot, col);
      swapRows(inv, n, pivot, col);
    }
    const rowM = col * n;
    for (let j = 0; j < n; j++) {
      m[rowM + j]! /= p;
      inv[rowM + j]! /= p;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r * n + col]!;
      if (f === 0) continue;
      const row = r * n;
      for (let j = 0; j < n; j++) {
        m[row + j]! -= f * m[rowM + j]!;
        inv[row + j]! -= f * inv[rowM + j]!;
      }
    }
  }
  return inv;
}

function swapRows(a: Float64Array, n: number, i: number, j: number) {
  for (let c = 0; c < n; c++) {
    const t = a[i * n + c]!;
    a[i * n + c] = a[j * n + c]!;
    a[j * n + c] = t;
  }
}
