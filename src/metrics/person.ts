import type { Claim, CoverageSpan, Segment, Stay } from './cost-utilization.js';

/** A coverage period with the plan that pays: payer confidentiality needs the plan, metrics the segment. */
export interface PlanSpan extends CoverageSpan {
  payer: string;
}

/**
 * A dated fact, with the record it came from (`Type/id`) when it was read from one record: the
 * evidence a gaps-in-care report lists. The population pipeline reads facts in bulk and leaves it out.
 */
export type Dated<T> = T & { date: string; ref?: string };

/**
 * Everything the population metrics need about one linked person, read from their FHIR records
 * across all sources (Patient, Coverage, ExplanationOfBenefit, Encounter, Condition, Observation,
 * Procedure). Plain data: the measures and strata are pure functions of it.
 */
export interface PersonFacts {
  person: string;
  /** ISO date; absent when no source recorded one. */
  birthDate?: string;
  sex: 'female' | 'male' | 'other' | 'unknown';
  state?: string;
  zip?: string;
  coverage: PlanSpan[];
  claims: Claim[];
  stays: Stay[];
  /** ICD-10-CM codes with the date they were first known (onset, else recorded). */
  diagnoses: Dated<{ code: string }>[];
  hba1c: Dated<{ percent: number }>[];
  bloodPressure: Dated<{ systolic: number; diastolic: number }>[];
  /** Screening mammograms (CPT 77067 and related). */
  mammograms: Dated<{}>[];
  /**
   * ICD-10-CM codes given at an outpatient visit, dated the visit's day: an ambulatory, virtual or
   * home Encounter's reasonCode, or the diagnoses of a professional or outpatient claim. Two on
   * different days confirm a chronic diagnosis (CMS165 hypertension); one day counted once.
   */
  visitDiagnoses: Dated<{ code: string }>[];
  /**
   * Coded services an exclusion reads (quality/codes.ts EXCLUSION_SERVICES only): a completed
   * Procedure's code, a claim line's product or service, an Encounter's type (dated its start) or
   * discharge disposition (dated its end). `site` is where the side is recorded: the Procedure's
   * bodySite or the claim line's first modifier.
   */
  services: Dated<{ code: string; site?: string }>[];
}

/** A person with nothing on record yet: what both fact readers start from. */
export const emptyFacts = (person: string): PersonFacts => ({
  person,
  sex: 'unknown',
  coverage: [],
  claims: [],
  stays: [],
  diagnoses: [],
  hba1c: [],
  bloodPressure: [],
  mammograms: [],
  visitDiagnoses: [],
  services: [],
});

/** Age in whole years on a date (ISO). */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

const MID_MONTH = new Map<number, string[]>();
const midMonths = (year: number) => {
  let list = MID_MONTH.get(year);
  if (!list) MID_MONTH.set(year, (list = Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, '0')}-15`)));
  return list;
};
// Every measure and the tables ask the same question of the same coverage list; answer it once.
const covered = new WeakMap<readonly PlanSpan[], Map<number, Map<number, PlanSpan>>>();

/** Months of the year (1–12) in which the person is covered on the 15th, with the covering segment and plan. */
export function coveredMonths(coverage: readonly PlanSpan[], year: number): Map<number, PlanSpan> {
  let byYear = covered.get(coverage);
  if (!byYear) covered.set(coverage, (byYear = new Map()));
  let months = byYear.get(year);
  if (!months) byYear.set(year, (months = coveredMonthsUncached(coverage, year)));
  return months;
}

function coveredMonthsUncached(coverage: readonly PlanSpan[], year: number): Map<number, PlanSpan> {
  const out = new Map<number, PlanSpan>();
  const mids = midMonths(year);
  for (let m = 1; m <= 12; m++) {
    const mid = mids[m - 1]!;
    const span = coverage.find((c) => c.start <= mid && (c.end === undefined || c.end >= mid));
    if (span) out.set(m, span);
  }
  return out;
}

/**
 * The one segment (and plan) a person belongs to for person-level results in a year: the one
 * covering most months, a tie going to the later month. Undefined when never covered: such a
 * person has no denominator that year.
 */
export function primaryPlan(coverage: readonly PlanSpan[], year: number): { segment: Segment; payer: string; months: number } | undefined {
  const months = coveredMonths(coverage, year);
  const tally = new Map<string, { segment: Segment; payer: string; months: number; last: number }>();
  for (const [m, span] of months) {
    const key = `${span.segment}|${span.payer}`;
    const t = tally.get(key) ?? { segment: span.segment, payer: span.payer, months: 0, last: 0 };
    t.months++;
    t.last = m;
    tally.set(key, t);
  }
  const best = [...tally.values()].sort((a, b) => b.months - a.months || b.last - a.last)[0];
  return best && { segment: best.segment, payer: best.payer, months: best.months };
}
