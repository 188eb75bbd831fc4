import type { Clipping } from '../metrics/contributions.js';
import type { Cell } from '../metrics/tabulate.js';
import { isSum, MONTH_QUANTITIES, QUANTITIES } from '../metrics/tables.js';
import { discreteLaplace, scaleOf, scaleValue, type RandomWords } from './noise.js';

export interface PrivacySettings {
  /** Epsilon spent by this release, split evenly over every (period, table, quantity) histogram. */
  epsilon: number;
  clipping: Clipping;
}

export const DEFAULT_CLIPPING: Clipping = { dollars: 100_000, admissions: 6, edVisits: 12 };

/** How much one person can change a whole histogram (L1 sensitivity), given the clipping. */
export function sensitivity(quantity: string, period: string, clip: Clipping): number {
  if (quantity === 'member_months') return period.includes('-Q') ? 3 : 12;
  if (isSum(quantity)) return clip.dollars;
  if (quantity === 'admissions' || quantity === 'index_admissions' || quantity === 'readmissions') return clip.admissions;
  if (quantity === 'ed_visits') return clip.edVisits;
  return 1;
}

export interface NoisyRelease {
  cells: Cell[];
  /** Histograms (period × table × quantity) the epsilon was split over. */
  histograms: number;
  epsilonPerHistogram: number;
  /** Noise scale per `${period}|${quantity}`. */
  scales: Map<string, number>;
}

/**
 * Adds discrete Laplace noise to every count and every (clipped, whole-dollar) sum of every
 * cell, by basic composition over histograms: each (period, table, quantity) histogram gets
 * epsilon / histograms, and a person changes one histogram by at most its sensitivity. Values
 * are floored at zero afterwards (post-processing, which costs no privacy). Contributor counts
 * are dropped: after noise nothing may look at exact data.
 */
export function addNoise(cells: readonly Cell[], settings: PrivacySettings, words: RandomWords): NoisyRelease {
  if (!(settings.epsilon > 0) || !Number.isFinite(settings.epsilon)) throw new RangeError('epsilon must be a positive number');
  const histograms = new Set<string>();
  for (const c of cells)
    for (const q of QUANTITIES) if (!c.period.includes('-Q') || MONTH_QUANTITIES.includes(q)) histograms.add(`${c.period}|${c.table}|${q}`);
  const epsilonPerHistogram = settings.epsilon / histograms.size;
  const scales = new Map<string, number>();
  const scaleFor = (period: string, q: string) => {
    const key = `${period}|${q}`;
    let s = scales.get(key);
    if (s === undefined) {
      s = sensitivity(q, period, settings.clipping) / epsilonPerHistogram;
      scales.set(key, s);
    }
    return s;
  };
  const exact = new Map<number, ReturnType<typeof scaleOf>>();
  const noisy = cells.map((c) => {
    const values: Record<string, number> = {};
    for (const q of QUANTITIES) {
      if (c.period.includes('-Q') && !MONTH_QUANTITIES.includes(q)) continue;
      const wanted = scaleFor(c.period, q);
      let scale = exact.get(wanted);
      if (!scale) {
        scale = scaleOf(wanted);
        exact.set(wanted, scale);
      }
      values[q] = Math.max(0, Math.round(c.values[q] ?? 0) + discreteLaplace(scale, words));
    }
    return { ...c, values, contributors: {} };
  });
  // Publish the scale actually used: the rational the sampler ran with.
  for (const [key, wanted] of scales) scales.set(key, scaleValue(exact.get(wanted) ?? scaleOf(wanted)));
  return { cells: noisy, histograms: histograms.size, epsilonPerHistogram, scales };
}

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
