/**
 * Zero-concentrated differential privacy (Bun and Steinke 2016), the accounting of a release:
 * the discrete Gaussian with parameter σ² on a query of L2 sensitivity Δ is ρ-zCDP with
 * ρ = Δ² / (2σ²) (Canonne, Kamath and Steinke 2020, theorem 4), ρ adds up over queries, and
 * ρ-zCDP implies (ε, δ)-DP with ε = ρ + 2√(ρ ln(1/δ)) for every δ > 0 (Bun and Steinke,
 * proposition 1.3). Pure arithmetic.
 */

/** ε of ρ-zCDP at δ, by the standard conversion. */
export function epsilonOfRho(rho: number, delta: number): number {
  checkDelta(delta);
  if (!(rho >= 0)) throw new RangeError('ρ must be non-negative');
  return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
}

/**
 * The largest ρ whose conversion at δ is at most ε: the root of ρ + 2√(ρL) = ε with L = ln(1/δ),
 * √ρ = √(ε + L) − √L, written without the cancellation, then nudged down by one part in 10^12 so
 * that rounding never makes ε(ρ, δ) exceed ε.
 */
export function rhoOfEpsilon(epsilon: number, delta: number): number {
  checkDelta(delta);
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError('epsilon must be a positive number');
  const l = Math.log(1 / delta);
  const root = epsilon / (Math.sqrt(epsilon + l) + Math.sqrt(l));
  return root * root * (1 - 1e-12);
}

/** The σ² that spends exactly ρ on a query of L2 sensitivity Δ. */
export const sigma2For = (sensitivity: number, rho: number) => (sensitivity * sensitivity) / (2 * rho);

/** What a query of L2 sensitivity Δ spends with discrete Gaussian noise of parameter σ². */
export const rhoOf = (sensitivity: number, sigma2: number) => (sensitivity * sensitivity) / (2 * sigma2);

function checkDelta(delta: number) {
  if (!(delta > 0 && delta < 1)) throw new RangeError('δ must be in (0, 1)');
}
