/**
 * Post-processing of noisy estimates into publishable figures: non-negative integers that add up
 * to a given whole. Post-processing costs no privacy (it never looks at the data). Pure.
 */

/**
 * The non-negative vector closest to `x` in the variance-weighted norm Σ (y − x)² / v whose sum
 * is `total` (≥ 0): y = max(0, x − λv) for the one λ that gives the sum, found over the sorted
 * breakpoints λᵢ = xᵢ/vᵢ. A cell with a large variance absorbs more of the adjustment, as least
 * squares would have it.
 */
export function projectToSum(x: readonly number[], v: readonly number[], total: number): number[] {
  if (!(total >= 0)) throw new RangeError('total must be non-negative');
  if (x.length === 0) {
    if (total !== 0) throw new RangeError('an empty partition cannot hold a positive total');
    return [];
  }
  if (total === 0) return x.map(() => 0);
  const order = x.map((_, i) => i).sort((a, b) => x[b]! / v[b]! - x[a]! / v[a]!);
  let sx = 0;
  let sv = 0;
  let lambda = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    sx += x[i]!;
    sv += v[i]!;
    lambda = (sx - total) / sv;
    const next = k + 1 < order.length ? x[order[k + 1]!]! / v[order[k + 1]!]! : -Infinity;
    // The first k + 1 cells are positive exactly when λ lies between the next breakpoint and this one.
    if (lambda >= next) break;
  }
  return x.map((xi, i) => Math.max(0, xi - lambda * v[i]!));
}

/**
 * Whole numbers with the same (whole) sum: floors, then one more to the largest remainders, ties
 * to the lower index so the result never depends on anything but the input. Non-negative inputs
 * stay non-negative.
 */
export function roundToSum(y: readonly number[], total: number): number[] {
  if (!Number.isInteger(total)) throw new RangeError('total must be a whole number');
  const floors = y.map((v) => Math.floor(v));
  let missing = total - floors.reduce((n, v) => n + v, 0);
  const order = y.map((_, i) => i).sort((a, b) => y[b]! - floors[b]! - (y[a]! - floors[a]!) || a - b);
  for (let k = 0; missing > 0 && k < order.length; k++, missing--) floors[order[k]!]!++;
  // Only reachable through floating error in the input's sum; settle on the largest cells.
  for (let k = 0; missing < 0 && k < order.length; k++) {
    const i = order[order.length - 1 - k]!;
    if (floors[i]! > 0) {
      floors[i]!--;
      missing++;
    }
  }
  return floors;
}

/** Both: non-negative whole numbers, adding up to `total`, as close as possible to `x`. */
export const consistentIntegers = (x: readonly number[], v: readonly number[], total: number) => roundToSum(projectToSum(x, v, total), total);
