import type { Cell } from '../metrics/tabulate.js';
import { isSum, MONTH_QUANTITIES, QUANTITIES, RATES, type RateDef } from '../metrics/tables.js';
import { varId } from './relations.js';

/**
 * The rules that say, from the exact cells alone, what must be withheld before any attack is
 * considered: shared by suppression (which applies them) and the publication gate (which checks
 * a release obeys them, whoever made it). Pure.
 */

export interface SuppressionRules {
  /** Counts from 1 to minCount − 1 are suppressed (11: the CMS cell-size rule of 1–10). */
  minCount: number;
  /** A segment-by-organization cell shows counts only when at least this many plans are pooled in it. */
  minPayers: number;
  /**
   * With noise on, the noise is the protection of people: no cell-size suppression, and every
   * rule looks only at noisy values. Payer confidentiality still holds.
   */
  noisy: boolean;
}

/** The values a cell of this period publishes: a quarter carries only what is computed month by month. */
export const quantitiesOf = (cell: Cell) => (cell.period.includes('-Q') ? MONTH_QUANTITIES : QUANTITIES);

const PAIRS: readonly RateDef[] = RATES.filter((r) => !isSum(r.numerator) && r.denominator !== 'member_months');

/**
 * Primary suppression, by value id: every count from 1 to minCount − 1; every dollar sum with 1
 * to minCount − 1 people behind it (or a non-zero sum with none: a refund); every numerator whose
 * complement (denominator − numerator) is that small, since both published would give it away.
 */
export function primaryWithheld(cells: readonly Cell[], rules: Pick<SuppressionRules, 'minCount'>): Set<string> {
  const out = new Set<string>();
  const small = (n: number) => n >= 1 && n < rules.minCount;
  for (const cell of cells) {
    const shown = quantitiesOf(cell);
    for (const q of shown) {
      const value = cell.values[q] ?? 0;
      if (isSum(q)) {
        const people = cell.contributors[q] ?? 0;
        if (people < rules.minCount && (people >= 1 || value !== 0)) out.add(varId(cell.key, q));
      } else if (small(value)) out.add(varId(cell.key, q));
    }
    for (const rate of PAIRS) {
      if (!shown.includes(rate.numerator) || !shown.includes(rate.denominator)) continue;
      if (small((cell.values[rate.denominator] ?? 0) - (cell.values[rate.numerator] ?? 0))) out.add(varId(cell.key, rate.numerator));
    }
  }
  return out;
}

/**
 * The small complements behind primary numerators: for each numerator withheld because the
 * denominator minus it is small, the complement's id in the attack system (audit/system.ts names
 * it) and its true value, which must keep the protection of a small count in its own right.
 */
export function smallComplements(cells: readonly Cell[], rules: Pick<SuppressionRules, 'minCount'>): Map<string, { id: string; value: number }> {
  const out = new Map<string, { id: string; value: number }>();
  for (const cell of cells) {
    const shown = quantitiesOf(cell);
    for (const rate of PAIRS) {
      if (!shown.includes(rate.numerator) || !shown.includes(rate.denominator)) continue;
      const c = (cell.values[rate.denominator] ?? 0) - (cell.values[rate.numerator] ?? 0);
      if (c >= 1 && c < rules.minCount) out.set(varId(cell.key, rate.numerator), { id: complementId(cell.key, rate.numerator), value: c });
    }
  }
  return out;
}

/** The attack system's name for a withheld numerator's complement (its denominator minus it). */
export const complementId = (cellKey: string, numerator: string) => `${varId(cellKey, numerator)}~complement`;

/** Payer confidentiality: the segment-by-organization cells pooling fewer than minPayers plans, which show rates only. */
export const isRateOnly = (cell: Cell, rules: Pick<SuppressionRules, 'minPayers'>) =>
  cell.stratum.segment !== undefined && cell.stratum.organization !== undefined && cell.payers.size < rules.minPayers;
