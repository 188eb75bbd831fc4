/** Plain inputs for population metrics, already read from FHIR (Coverage, ExplanationOfBenefit, Encounter). */
export type Segment = 'commercial' | 'medicare' | 'medicaid';
export type ServiceCategory = 'inpatient' | 'outpatient' | 'professional' | 'ed' | 'pharmacy';

export interface CoverageSpan {
  person: string;
  segment: Segment;
  /** ISO dates, inclusive; an open end means still covered. */
  start: string;
  end?: string;
}
export interface Claim {
  person: string;
  /** Service date (ISO). */
  date: string;
  category: ServiceCategory;
  paid: number;
  allowed: number;
}
export interface Stay {
  person: string;
  kind: 'inpatient' | 'ed';
  admit: string;
  discharge: string;
}

export interface CostUtilization {
  year: number;
  segment: Segment | 'all';
  memberMonths: number;
  paid: number;
  allowed: number;
  paidPmpm: number | null;
  allowedPmpm: number | null;
  paidPmpmByCategory: Record<ServiceCategory, number | null>;
  admissions: number;
  admissionsPer1000: number | null;
  edVisits: number;
  edVisitsPer1000: number | null;
  indexAdmissions: number;
  readmissions: number;
  readmissionRate: number | null;
}

const CATEGORIES: readonly ServiceCategory[] = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
const DAY = 86_400_000;

/**
 * Member-months: a person counts for a month in the segment that covers them on the 15th of it
 * (one rule, so a mid-month switch counts once). Pure.
 */
export function memberMonths(coverage: readonly CoverageSpan[], year: number): Map<string, Segment>[] {
  const months: Map<string, Segment>[] = [];
  for (let m = 0; m < 12; m++) {
    const mid = new Date(Date.UTC(year, m, 15)).toISOString().slice(0, 10);
    const covered = new Map<string, Segment>();
    for (const c of coverage) if (c.start <= mid && (c.end === undefined || c.end >= mid) && !covered.has(c.person)) covered.set(c.person, c.segment);
    months.push(covered);
  }
  return months;
}

/**
 * Cost per member per month and utilization for a calendar year, per market segment and in
 * total. Claims and stays count in the segment covering the person in that service month, and
 * only while covered (an uncovered service has no denominator). Rates are null when there are no
 * member-months. Readmissions: an inpatient stay beginning within 30 days after an index stay's
 * discharge, the index discharged in the year.
 */
export function costAndUtilization(coverage: readonly CoverageSpan[], claims: readonly Claim[], stays: readonly Stay[], year: number): CostUtilization[] {
  const months = memberMonths(coverage, year);
  const segmentAt = (person: string, date: string): Segment | undefined => {
    if (!date.startsWith(String(year))) return undefined;
    return months[Number(date.slice(5, 7)) - 1]!.get(person);
  };
  const rows = new Map<Segment | 'all', CostUtilization>();
  const row = (segment: Segment | 'all') => {
    let r = rows.get(segment);
    if (!r) {
      r = {
        year,
        segment,
        memberMonths: 0,
        paid: 0,
        allowed: 0,
        paidPmpm: null,
        allowedPmpm: null,
        paidPmpmByCategory: Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<ServiceCategory, number | null>,
        admissions: 0,
        admissionsPer1000: null,
        edVisits: 0,
        edVisitsPer1000: null,
        indexAdmissions: 0,
        readmissions: 0,
        readmissionRate: null,
      };
      rows.set(segment, r);
    }
    return r;
  };
  const both = (segment: Segment, f: (r: CostUtilization) => void) => {
    f(row(segment));
    f(row('all'));
  };
  row('all');
  for (const month of months) for (const segment of month.values()) both(segment, (r) => r.memberMonths++);
  for (const claim of claims) {
    const segment = segmentAt(claim.person, claim.date);
    if (!segment) continue;
    both(segment, (r) => {
      r.paid += claim.paid;
      r.allowed += claim.allowed;
      (r.paidPmpmByCategory as Record<ServiceCategory, number>)[claim.category] += claim.paid;
    });
  }
  const inpatientByPerson = new Map<string, Stay[]>();
  for (const stay of stays) {
    const segment = segmentAt(stay.person, stay.admit);
    if (stay.kind === 'ed') {
      if (segment) both(segment, (r) => r.edVisits++);
      continue;
    }
    if (segment) both(segment, (r) => r.admissions++);
    inpatientByPerson.set(stay.person, [...(inpatientByPerson.get(stay.person) ?? []), stay]);
  }
  for (const list of inpatientByPerson.values()) {
    list.sort((a, b) => a.admit.localeCompare(b.admit));
    list.forEach((index, i) => {
      const segment = segmentAt(index.person, index.discharge);
      if (!segment) return;
      const limit = Date.parse(index.discharge) + 30 * DAY;
      const readmitted = list.slice(i + 1).some((next) => Date.parse(next.admit) > Date.parse(index.discharge) - DAY && Date.parse(next.admit) <= limit);
      both(segment, (r) => {
        r.indexAdmissions++;
        if (readmitted) r.readmissions++;
      });
    });
  }
  for (const r of rows.values()) {
    const mm = r.memberMonths;
    r.paidPmpm = mm ? round2(r.paid / mm) : null;
    r.allowedPmpm = mm ? round2(r.allowed / mm) : null;
    for (const c of CATEGORIES) r.paidPmpmByCategory[c] = mm ? round2((r.paidPmpmByCategory[c] as number) / mm) : null;
    r.admissionsPer1000 = mm ? round2((r.admissions / mm) * 12 * 1000) : null;
    r.edVisitsPer1000 = mm ? round2((r.edVisits / mm) * 12 * 1000) : null;
    r.readmissionRate = r.indexAdmissions ? round4(r.readmissions / r.indexAdmissions) : null;
    r.paid = round2(r.paid);
    r.allowed = round2(r.allowed);
  }
  return [...rows.values()].sort((a, b) => (a.segment === 'all' ? 1 : b.segment === 'all' ? -1 : a.segment.localeCompare(b.segment)));
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
