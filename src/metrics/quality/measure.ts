import { coveredMonths, type PersonFacts } from '../person.js';

/** How one person fares on one measure in one year. */
export type MeasureResult = { in: false } | { in: true; excluded: string } | { in: true; excluded?: undefined; numerator: boolean };

/**
 * A quality measure: who is in the denominator, who is excluded and why, and who meets the
 * numerator. `inverse` measures count a bad outcome, so lower is better.
 */
export interface QualityMeasure {
  id: string;
  title: string;
  inverse: boolean;
  /** Plain-language definition, copied into methodology.md. */
  definition: string;
  evaluate(person: PersonFacts, year: number): MeasureResult;
}

/** Enrolled for at least 11 of the 12 months (covered on the 15th): the continuous-enrollment rule shared by all measures. */
export const CONTINUOUS_ENROLLMENT_MONTHS = 11;

export const yearEnd = (year: number) => `${year}-12-31`;
export const inYear = (date: string, year: number) => date.slice(0, 4) === String(year);

/** The latest of several dated items in a year, by date; undefined when none. */
export function latestIn<T extends { date: string }>(items: readonly T[], year: number): T | undefined {
  let best: T | undefined;
  for (const i of items) if (inYear(i.date, year) && (!best || i.date > best.date)) best = i;
  return best;
}

export function hasDiagnosis(person: PersonFacts, prefixes: readonly string[], onOrBefore: string, from = ''): boolean {
  return person.diagnoses.some((d) => d.date <= onOrBefore && d.date >= from && prefixes.some((p) => d.code.startsWith(p)));
}

/** The continuous-enrollment rule every measure applies first. */
export const enrolled = (person: PersonFacts, year: number) => coveredMonths(person.coverage, year).size >= CONTINUOUS_ENROLLMENT_MONTHS;
