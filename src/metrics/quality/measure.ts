import type { PersonFacts } from '../person.js';

/** How one person fares on one measure in one measurement period. */
export type MeasureResult = { in: false } | { in: true; excluded: string } | { in: true; excluded?: undefined; numerator: boolean };

/** A measurement period: ISO dates, both inclusive. The published tables use calendar years. */
export interface MeasurementPeriod {
  start: string;
  end: string;
}

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
  evaluate(person: PersonFacts, period: MeasurementPeriod): MeasureResult;
  /**
   * The records (`Type/id`) the evaluation looked at: the DEQM individual report's
   * evaluatedResource. Only facts that carry a `ref` (read from FHIR records) are listed.
   */
  evidence(person: PersonFacts, period: MeasurementPeriod): string[];
}

/** Enrolled for at least 11 of the 12 months (covered on the 15th): the continuous-enrollment rule shared by all measures. */
export const CONTINUOUS_ENROLLMENT_MONTHS = 11;

export const calendarYear = (year: number): MeasurementPeriod => ({ start: `${year}-01-01`, end: `${year}-12-31` });

/** The ISO date `months` calendar months after `date` (negative: before), clamped to the month's last day. */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

const shift = (date: string, days: number) => new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
export const dayBefore = (date: string) => shift(date, -1);
export const dayAfter = (date: string) => shift(date, 1);

export const within = (date: string, period: MeasurementPeriod) => date.slice(0, 10) >= period.start && date.slice(0, 10) <= period.end;

/** The latest of several dated items in a period, by date; undefined when none. */
export function latestIn<T extends { date: string }>(items: readonly T[], period: MeasurementPeriod): T | undefined {
  let best: T | undefined;
  for (const i of items) if (within(i.date, period) && (!best || i.date > best.date)) best = i;
  return best;
}

/** Diagnoses with one of the code prefixes, dated in [from, onOrBefore]. */
export function diagnosesOf(person: PersonFacts, prefixes: readonly string[], onOrBefore: string, from = ''): PersonFacts['diagnoses'] {
  return person.diagnoses.filter((d) => d.date <= onOrBefore && d.date >= from && prefixes.some((p) => d.code.startsWith(p)));
}

export function hasDiagnosis(person: PersonFacts, prefixes: readonly string[], onOrBefore: string, from = ''): boolean {
  return diagnosesOf(person, prefixes, onOrBefore, from).length > 0;
}

/**
 * The continuous-enrollment rule every measure applies first: covered on the 15th of all but at
 * most one of the period's months (11 of 12 in a calendar year).
 */
export function enrolled(person: PersonFacts, period: MeasurementPeriod): boolean {
  let months = 0;
  let covered = 0;
  for (let mid = `${period.start.slice(0, 7)}-15`; mid <= period.end; mid = addMonths(mid, 1)) {
    if (mid < period.start) continue;
    months++;
    if (person.coverage.some((c) => c.start <= mid && (c.end === undefined || c.end >= mid))) covered++;
  }
  return months > 0 && covered >= months - (12 - CONTINUOUS_ENROLLMENT_MONTHS);
}

/** The refs of the items that carry one. */
export const refsOf = (items: readonly { ref?: string }[]): string[] => items.flatMap((i) => (i.ref ? [i.ref] : []));

/** A measure's numerator and denominator over some people (exclusions counted in neither). */
export function measureCounts(m: QualityMeasure, people: Iterable<PersonFacts>, period: MeasurementPeriod): { numerator: number; denominator: number } {
  let numerator = 0;
  let denominator = 0;
  for (const p of people) {
    const r = m.evaluate(p, period);
    if (!r.in || r.excluded !== undefined) continue;
    denominator++;
    if (r.numerator) numerator++;
  }
  return { numerator, denominator };
}
