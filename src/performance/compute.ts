import { costAndUtilization, type Claim, type CoverageSpan } from '../metrics/cost-utilization.js';
import { coveredMonths, type PersonFacts } from '../metrics/person.js';
import { measureCounts, QUALITY_MEASURES, type MeasurementPeriod, type QualityMeasure } from '../metrics/quality/index.js';
import { addMonths, dayAfter } from '../metrics/quality/measure.js';
import type { Contract } from './contract.js';
import { quarterMonths, quarterPeriod, yearBefore, type Quarter } from './quarter.js';
import { settleContract, type Settlement } from './savings.js';

/** Who was on each month's final roster (YYYY-MM → persons attributed that month). */
export type RosterMonths = ReadonlyMap<string, ReadonlySet<string>>;

export interface QualityFigure {
  measure: string;
  inverse: boolean;
  numerator: number;
  denominator: number;
  /** null when nobody is in the denominator. */
  rate: number | null;
  target?: number;
  /** An inverse measure meets its target at or below it; a measure without a denominator never does. */
  met?: boolean;
}

/** One quarter's figures, computed the same way for the report's quarter and its baseline. */
export interface QuarterFigures {
  memberMonths: number;
  medicalPaid: number;
  pharmacyPaid: number;
  /** Paid for inpatient and ED claims: what a cost per admission or visit is made of. */
  inpatientPaid: number;
  edPaid: number;
  medPmpm: number | null;
  rxPmpm: number | null;
  /** Total cost of care PMPM (medical + pharmacy): what the benchmark is compared with. */
  totalPmpm: number | null;
  admissions: number;
  edVisits: number;
  readmissions: number;
  admissionsPer1000: number | null;
  edVisitsPer1000: number | null;
  readmissionsPer1000: number | null;
  quality: QualityFigure[];
  /** The latest service date of a claim counted (claims carry no paid date), else the quarter's end. */
  paidThrough: string;
}

export interface Performance {
  current: QuarterFigures;
  baseline: QuarterFigures;
  qualityMeasurementPeriod: MeasurementPeriod;
  /** Percent (0–100) of the quality targets met. */
  qualityGatePercentage: number;
  qualityGatePassed: boolean;
  settlement: Settlement;
}

/**
 * The trailing 12 months ending on the quarter's last day: the quality measurement period.
 * Chosen over the calendar year so a Q1 report is not measured on three months of care.
 */
export function trailingYear(x: Quarter): MeasurementPeriod {
  const { end } = quarterPeriod(x);
  return { start: dayAfter(addMonths(end, -12)), end };
}

/**
 * The figures for one quarter. A member counts for a month when she is on that month's final
 * roster and the contract's payer covers her on the 15th (PersonFacts.coverage names the plan);
 * her claims and stays count only in such months, so another payer's claims never count.
 * Utilization per 1,000 is annualised (× 12 × 1000 / member-months) as cost-utilization.ts does.
 * Quality: members attributed in any month of the quarter, on the trailing 12 months.
 */
export function quarterFigures(
  contract: Pick<Contract, 'payer' | 'qualityTargets'>,
  x: Quarter,
  rosters: RosterMonths,
  people: readonly PersonFacts[],
): QuarterFigures {
  const months = quarterMonths(x);
  const spans: CoverageSpan[] = [];
  const medical: Claim[] = [];
  const pharmacy: Claim[] = [];
  const stays: PersonFacts['stays'] = [];
  const attributed: PersonFacts[] = [];
  let paidThrough = '';
  for (const p of people) {
    const plan = coveredMonths(p.coverage, x.year);
    const counted = new Set<string>();
    for (const month of months) {
      const span = plan.get(Number(month.slice(5, 7)));
      if (!rosters.get(month)?.has(p.person) || span?.payer !== contract.payer) continue;
      counted.add(month);
      spans.push({ person: p.person, segment: span.segment, start: `${month}-01`, end: `${month}-28` });
    }
    if (months.some((m) => rosters.get(m)?.has(p.person))) attributed.push(p);
    if (counted.size === 0) continue;
    for (const c of p.claims) {
      if (!counted.has(c.date.slice(0, 7))) continue;
      (c.category === 'pharmacy' ? pharmacy : medical).push(c);
      if (c.date > paidThrough) paidThrough = c.date.slice(0, 10);
    }
    stays.push(...p.stays);
  }
  const all = (r: ReturnType<typeof costAndUtilization>) => r.find((row) => row.segment === 'all')!;
  const med = all(costAndUtilization(spans, medical, stays, x.year));
  const rx = all(costAndUtilization(spans, pharmacy, [], x.year));
  const mm = med.memberMonths;
  const perMember = (n: number) => (mm ? round2(n / mm) : null);
  const per1000 = (n: number) => (mm ? round2((n / mm) * 12 * 1000) : null);
  return {
    memberMonths: mm,
    medicalPaid: med.paid,
    pharmacyPaid: rx.paid,
    inpatientPaid: round2(sum(medical, 'inpatient')),
    edPaid: round2(sum(medical, 'ed')),
    medPmpm: perMember(med.paid),
    rxPmpm: perMember(rx.paid),
    totalPmpm: perMember(med.paid + rx.paid),
    admissions: med.admissions,
    edVisits: med.edVisits,
    readmissions: med.readmissions,
    admissionsPer1000: per1000(med.admissions),
    edVisitsPer1000: per1000(med.edVisits),
    readmissionsPer1000: per1000(med.readmissions),
    quality: qualityFigures(contract, attributed, trailingYear(x)),
    paidThrough: paidThrough || quarterPeriod(x).end,
  };
}

function qualityFigures(contract: Pick<Contract, 'qualityTargets'>, people: readonly PersonFacts[], period: MeasurementPeriod): QualityFigure[] {
  const measures = contract.qualityTargets.map((t) => QUALITY_MEASURES.find((m) => m.id === t.measure)).filter((m): m is QualityMeasure => !!m);
  return measures.map((m) => {
    const { numerator, denominator } = measureCounts(m, people, period);
    const rate = denominator ? round4(numerator / denominator) : null;
    const target = contract.qualityTargets.find((t) => t.measure === m.id)?.rate;
    const met = target === undefined ? undefined : rate !== null && (m.inverse ? rate <= target : rate >= target);
    return { measure: m.id, inverse: m.inverse, numerator, denominator, rate, ...(target === undefined ? {} : { target, met }) };
  });
}

/** The quality gate: every required measure meets its target, and at least the minimum share of targets is met. */
export function qualityGate(contract: Contract, quality: readonly QualityFigure[]): { passed: boolean; percentage: number } {
  const targets = quality.filter((q) => q.target !== undefined);
  const met = targets.filter((q) => q.met).length;
  const share = targets.length ? met / targets.length : 1;
  const requiredMet = contract.qualityGate.required.every((id) => quality.find((q) => q.measure === id)?.met === true);
  return { passed: requiredMet && share >= contract.qualityGate.minShareMet, percentage: Math.round(share * 100) };
}

/** A contract's performance for a quarter, with the same quarter a year earlier as its baseline. */
export function performance(contract: Contract, x: Quarter, rosters: RosterMonths, people: readonly PersonFacts[]): Performance {
  const current = quarterFigures(contract, x, rosters, people);
  const baseline = quarterFigures(contract, yearBefore(x), rosters, people);
  const gate = qualityGate(contract, current.quality);
  return {
    current,
    baseline,
    qualityMeasurementPeriod: trailingYear(x),
    qualityGatePercentage: gate.percentage,
    qualityGatePassed: gate.passed,
    settlement: settleContract(contract, current.totalPmpm ?? 0, current.memberMonths, gate.passed),
  };
}

const sum = (claims: readonly Claim[], category: Claim['category']) => claims.reduce((t, c) => (c.category === category ? t + c.paid : t), 0);
const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
