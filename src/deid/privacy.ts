import type { Clipping } from '../metrics/contributions.js';
import type { DpSettings } from './dp/release.js';

/** Differential privacy for one release: epsilon, clipping, the declared workload and universe (see dp/release.ts). */
export type PrivacySettings = DpSettings;

export const DEFAULT_CLIPPING: Clipping = { dollars: 100_000, admissions: 6, edVisits: 12 };

export interface LedgerEntry {
  release: string;
  epsilon: number;
}

/** A release that would take the lifetime spend past the budget is refused, with the numbers. */
export function checkBudget(
  ledger: readonly LedgerEntry[],
  epsilon: number,
  lifetime: number,
): { ok: true; spent: number } | { ok: false; spent: number; message: string } {
  const spent = ledger.reduce((n, e) => n + e.epsilon, 0);
  if (spent + epsilon > lifetime + 1e-12)
    return {
      ok: false,
      spent,
      message: `privacy budget exceeded: ${round(spent)} of ${lifetime} already spent; a release with epsilon ${epsilon} would make ${round(spent + epsilon)}`,
    };
  return { ok: true, spent };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
