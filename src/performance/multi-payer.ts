import type { PersonFacts } from '../metrics/person.js';
import type { QuarterFigures } from './compute.js';
import { measureCounts, QUALITY_MEASURES, type MeasurementPeriod } from '../metrics/quality/index.js';

/** One plan's count for one measure: never published, only turned into rates here. */
export interface PlanCount {
  payer: string;
  numerator: number;
  denominator: number;
}

/** A measure across plans, as published: rates in whole percent, no plan's counts. */
export interface MultiPayerMeasure {
  measure: string;
  inverse: boolean;
  /** Whole percent; absent when publishing it beside the slices would reveal a plan's share of the panel. */
  pooledRate?: number;
  /** Only when at least MIN_PLANS_FOR_DENOMINATOR plans contribute and none is more than MAX_PLAN_SHARE of it. */
  pooledDenominator?: number;
  /** Whole percent per plan; a plan below MIN_PLAN_DENOMINATOR gets no rate. */
  plans: { payer: string; rate?: number }[];
  /** How many plans contributed (each is listed by name in `plans` anyway). */
  plansContributing: number;
}

/** A plan's rate on fewer people than this is a count in disguise: withheld (the CMS cell-size rule). */
export const MIN_PLAN_DENOMINATOR = 11;
export const MIN_PLANS_FOR_DENOMINATOR = 3;
export const MAX_PLAN_SHARE = 0.7;

/**
 * The multi-payer view's rule (seed 004, "share only rates and not numerator or denominator which
 * would reveal a plan's portion of the practice's panel"). The pooled rate R and the plan rates
 * r_i satisfy R = Σ s_i r_i with Σ s_i = 1, s_i a plan's share: with two plans that solves for
 * both shares, so with two plans the pooled rate is left out and only the slices are shown. With
 * three or more there is always a family of solutions. The pooled denominator D adds only
 * Σ d_i = D, which with three or more plans still leaves a plan's d_i unknown; it is published
 * only then, only when no plan is most of it (a dominant plan's d_i ≈ D) and only when no
 * plan's rate is withheld. Rates are rounded
 * to whole percent, the seed's whole-number benchmarks, which blurs every equation further. Pure.
 */
export function multiPayerMeasure(measure: string, inverse: boolean, counts: readonly PlanCount[]): MultiPayerMeasure {
  const contributing = counts.filter((c) => c.denominator > 0);
  const plans = contributing
    .map((c) => (c.denominator >= MIN_PLAN_DENOMINATOR ? { payer: c.payer, rate: pct(c.numerator / c.denominator) } : { payer: c.payer }))
    .sort((a, b) => a.payer.localeCompare(b.payer));
  const num = contributing.reduce((t, c) => t + c.numerator, 0);
  const den = contributing.reduce((t, c) => t + c.denominator, 0);
  const out: MultiPayerMeasure = { measure, inverse, plans, plansContributing: contributing.length };
  const slicesShown = plans.filter((p) => p.rate !== undefined).length;
  // Two plans' rates beside the pooled rate solve for the shares; a lone plan's rate is the pooled rate.
  if (den > 0 && !(contributing.length === 2 && slicesShown > 0) && den >= MIN_PLAN_DENOMINATOR) out.pooledRate = pct(num / den);
  const dominant = contributing.some((c) => c.denominator > MAX_PLAN_SHARE * den);
  // A withheld (small) plan beside D would be pinned to a few values by D − Σ the others: then no D.
  const allShown = slicesShown === contributing.length;
  if (contributing.length >= MIN_PLANS_FOR_DENOMINATOR && !dominant && allShown) out.pooledDenominator = den;
  return out;
}

/** Each plan's members' facts: the organization's attributed members under each plan. */
export type MembersByPlan = ReadonlyMap<string, readonly PersonFacts[]>;

/** The provider organization's measures across all its plans on one measurement period. */
export function multiPayerView(byPlan: MembersByPlan, period: MeasurementPeriod): MultiPayerMeasure[] {
  return QUALITY_MEASURES.map((m) => {
    const counts: PlanCount[] = [...byPlan].map(([payer, people]) => ({ payer, ...measureCounts(m, people, period) }));
    return multiPayerMeasure(m.id, m.inverse, counts);
  });
}

const pct = (x: number) => Math.round(x * 100);

/**
 * The organization's cost and utilization over all its plans together, for the view's cost
 * opportunities: sums only, so no plan's figures are in it. Quality is left out (it has its own rule).
 */
export function pooledFigures(perPlan: readonly QuarterFigures[], quarterEnd: string): QuarterFigures {
  const total = (f: (q: QuarterFigures) => number) => perPlan.reduce((t, q) => t + f(q), 0);
  const mm = total((q) => q.memberMonths);
  const medicalPaid = round2(total((q) => q.medicalPaid));
  const pharmacyPaid = round2(total((q) => q.pharmacyPaid));
  const per = (n: number) => (mm ? round2(n / mm) : null);
  const per1000 = (n: number) => (mm ? round2((n / mm) * 12 * 1000) : null);
  const admissions = total((q) => q.admissions);
  const edVisits = total((q) => q.edVisits);
  const readmissions = total((q) => q.readmissions);
  return {
    memberMonths: mm,
    medicalPaid,
    pharmacyPaid,
    inpatientPaid: round2(total((q) => q.inpatientPaid)),
    edPaid: round2(total((q) => q.edPaid)),
    medPmpm: per(medicalPaid),
    rxPmpm: per(pharmacyPaid),
    totalPmpm: per(medicalPaid + pharmacyPaid),
    admissions,
    edVisits,
    readmissions,
    admissionsPer1000: per1000(admissions),
    edVisitsPer1000: per1000(edVisits),
    readmissionsPer1000: per1000(readmissions),
    quality: [],
    paidThrough: perPlan.reduce((d, q) => (q.paidThrough < d ? q.paidThrough : d), quarterEnd),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
