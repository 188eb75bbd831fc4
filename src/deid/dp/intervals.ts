import type { RateDef } from '../../metrics/tables.js';

/** Two-sided normal quantiles: 95%, and 97.5% for each of two parts (Bonferroni: 2 × 2.5% = 5%). */
export const Z95 = 1.959963984540054;
export const Z975 = 2.241402727604947;

export interface Interval {
  low: number;
  high: number;
}

/**
 * The interval of a noisy count or sum: value ± z·sd, where sd is the standard deviation after
 * reconciliation (the noise is a sum of discrete Gaussians, whose variance is at most σ², so the
 * normal approximation is at worst slightly wide). Counts cannot be negative, so the low end stops
 * at 0; ends are rounded outward to whole units.
 */
export function valueInterval(value: number, sd: number, z = Z95): Interval {
  return { low: Math.max(0, Math.floor(value - z * sd)), high: Math.ceil(value + z * sd) };
}

/**
 * The 95% interval of a rate from its parts' 97.5% intervals: if both parts lie in theirs (which
 * happens with probability at least 95%, whatever their correlation), the rate lies between the
 * extreme ratios. A proportion n ÷ (n + rest) grows with n and falls with rest, so its interval
 * is [n_low ÷ (n_low + rest_high), n_high ÷ (n_high + rest_low)] inside [0, 1]. Any other rate
 * is n ÷ d with d a count: a rate exists only where d ≥ 1, so d_low is taken as at least 1.
 * Ends are rounded outward to the rate's digits.
 */
export function rateInterval(
  rate: RateDef,
  numerator: { value: number; sd: number },
  denominator: { value: number; sd: number },
  rest?: { value: number; sd: number },
): Interval {
  const n = valueInterval(numerator.value, numerator.sd, Z975);
  let low: number;
  let high: number;
  if (rest) {
    const r = valueInterval(rest.value, rest.sd, Z975);
    low = n.low + r.high > 0 ? n.low / (n.low + r.high) : 0;
    high = n.high + r.low > 0 ? n.high / (n.high + r.low) : 1;
  } else {
    const d = valueInterval(denominator.value, denominator.sd, Z975);
    low = n.low / Math.max(1, d.high);
    high = n.high / Math.max(1, d.low);
  }
  const unit = 10 ** rate.digits;
  return { low: Math.floor(low * rate.per * unit) / unit, high: Math.ceil(high * rate.per * unit) / unit };
}
