import type { Attribution } from './attribution.js';
import type { Segment } from './cost-utilization.js';
import { ageOn, coveredMonths, primaryPlan, type PersonFacts } from './person.js';
import { calendarYear, QUALITY_MEASURES } from './quality/index.js';

/** One person's additions to the tables for one year, before they are summed into cells. */
export interface Contribution {
  person: string;
  segment: Segment;
  payer: string;
  /** Age on 31 December, for the age band. */
  age?: number;
  sex: string;
  state?: string;
  zip?: string;
  organization: string;
  /** Person-level quantities, counted in the primary segment. */
  once: Record<string, number>;
  /** Month-level quantities per covered month (1–12), in that month's segment and plan. */
  months: Map<number, { segment: Segment; payer: string; q: Record<string, number> }>;
}

/** Caps applied before noise so that one person's influence is bounded (differential privacy only). */
export interface Clipping {
  /** Paid and allowed per person-year, USD; categories scale down with paid. */
  dollars: number;
  admissions: number;
  edVisits: number;
}

const DAY = 86_400_000;

/**
 * What one person adds in a year. Pure. Undefined when the person had no covered month: without
 * a denominator nothing of theirs is counted. Claims and stays outside covered months are left
 * out for the same reason; readmissions count in the month of the index discharge.
 */
export function contribution(facts: PersonFacts, year: number, attribution: Attribution | undefined, clip?: Clipping): Contribution | undefined {
  const plan = primaryPlan(facts.coverage, year);
  if (!plan) return undefined;
  const covered = coveredMonths(facts.coverage, year);
  const months = new Map<number, { segment: Segment; payer: string; q: Record<string, number> }>();
  for (const [m, span] of covered) months.set(m, { segment: span.segment, payer: span.payer, q: { member_months: 1 } });
  const monthOf = (date: string) => (date.slice(0, 4) === String(year) ? months.get(Number(date.slice(5, 7))) : undefined);
  const add = (q: Record<string, number>, key: string, by: number) => (q[key] = (q[key] ?? 0) + by);

  const claims = facts.claims.filter((c) => monthOf(c.date));
  const paidTotal = claims.reduce((n, c) => n + c.paid, 0);
  const allowedTotal = claims.reduce((n, c) => n + c.allowed, 0);
  const paidScale = clip && paidTotal > clip.dollars ? clip.dollars / paidTotal : 1;
  const allowedScale = clip && allowedTotal > clip.dollars ? clip.dollars / allowedTotal : 1;
  for (const c of claims) {
    const q = monthOf(c.date)!.q;
    add(q, 'paid', c.paid * paidScale);
    add(q, 'allowed', c.allowed * allowedScale);
    add(q, `paid.${c.category}`, c.paid * paidScale);
  }

  const stays = [...facts.stays].sort((a, b) => a.admit.localeCompare(b.admit));
  let admissions = 0;
  let edVisits = 0;
  for (const s of stays) {
    const month = monthOf(s.admit);
    if (!month) continue;
    if (s.kind === 'ed' && (!clip || edVisits < clip.edVisits)) {
      edVisits++;
      add(month.q, 'ed_visits', 1);
    } else if (s.kind === 'inpatient' && (!clip || admissions < clip.admissions)) {
      admissions++;
      add(month.q, 'admissions', 1);
    }
  }
  const inpatient = stays.filter((s) => s.kind === 'inpatient');
  let indexes = 0;
  inpatient.forEach((index, i) => {
    const month = monthOf(index.discharge);
    if (!month || (clip && indexes >= clip.admissions)) return;
    indexes++;
    const limit = Date.parse(index.discharge) + 30 * DAY;
    const readmitted = inpatient.slice(i + 1).some((next) => Date.parse(next.admit) > Date.parse(index.discharge) - DAY && Date.parse(next.admit) <= limit);
    add(month.q, 'index_admissions', 1);
    if (readmitted) add(month.q, 'readmissions', 1);
  });

  const once: Record<string, number> = { members: 1 };
  for (const m of QUALITY_MEASURES) {
    const r = m.evaluate(facts, calendarYear(year));
    if (!r.in) continue;
    if (r.excluded !== undefined) once[`${m.id}.exclusions`] = 1;
    else {
      once[`${m.id}.denominator`] = 1;
      if (r.numerator) once[`${m.id}.numerator`] = 1;
    }
  }
  return {
    person: facts.person,
    segment: plan.segment,
    payer: plan.payer,
    ...(facts.birthDate ? { age: ageOn(facts.birthDate, `${year}-12-31`) } : {}),
    sex: facts.sex,
    ...(facts.state ? { state: facts.state } : {}),
    ...(facts.zip ? { zip: facts.zip } : {}),
    organization: attribution?.organization ?? 'unattributed',
    once,
    months,
  };
}
