import type { MetricRow } from '../../src/release/files/rows.js';

/**
 * The attacker's best case: a release whose withheld rows still carry a value, an interval and
 * a noise scale (as if the files leaked them), taken in turn from `hidden`. A page built from
 * these rows must be byte for byte the page built from the real ones.
 */
export function withheld(rows: readonly MetricRow[], hidden: readonly number[]): MetricRow[] {
  let i = 0;
  return rows.map((r) => {
    if (r.status !== 'suppressed') return r;
    const v = hidden[i++ % hidden.length]!;
    return { ...r, value: v, interval_low: v - 1, interval_high: v + 1, noise_sd: Math.abs(v) / 10 };
  });
}
