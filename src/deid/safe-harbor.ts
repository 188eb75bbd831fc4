/**
 * HIPAA Safe Harbor generalisation of the strata (45 CFR 164.514(b)(2)): no date finer than a
 * year, ages over 89 pooled as 90+, and three-digit ZIPs only where more than 20,000 people share
 * them. Pure; the ZIP3 table is data (policies/census-zip3.json) with its census vintage.
 */
export interface Zip3Table {
  vintage: string;
  threshold: number;
  restricted: readonly string[];
}

/** The first three digits of a US ZIP, or 000 when the area is too small or the ZIP malformed. */
export function generaliseZip(zip: string | undefined, table: Zip3Table): string {
  const m = /^(\d{3})\d{2}(-?\d{4})?$/.exec(zip?.trim() ?? '');
  if (!m) return '000';
  return table.restricted.includes(m[1]!) ? '000' : m[1]!;
}

/** A state code is kept only if it is a two-letter postal code; anything else is unknown. */
export function generaliseState(state: string | undefined): string {
  return state && /^[A-Z]{2}$/.test(state.trim().toUpperCase()) ? state.trim().toUpperCase() : 'unknown';
}

export const AGE_BANDS = ['0-17', '18-34', '35-49', '50-64', '65-74', '75-89', '90+'] as const;
export type AgeBand = (typeof AGE_BANDS)[number] | 'unknown';

/** Age bands on 31 December of the year; every age over 89 falls in 90+. */
export function ageBand(age: number | undefined): AgeBand {
  if (age === undefined || !Number.isFinite(age) || age < 0) return 'unknown';
  if (age >= 90) return '90+';
  if (age >= 75) return '75-89';
  if (age >= 65) return '65-74';
  if (age >= 50) return '50-64';
  if (age >= 35) return '35-49';
  if (age >= 18) return '18-34';
  return '0-17';
}
