import type { MeasurementPeriod, QualityMeasure } from '../metrics/quality/index.js';
import type { PersonFacts } from '../metrics/person.js';
import type { Population } from './measures.js';

/** DEQM gaps-status codes. */
export const GAP_STATUSES = ['open-gap', 'closed-gap', 'prospective-gap', 'not-applicable'] as const;
export type GapStatus = (typeof GAP_STATUSES)[number];

/** One person on one measure: her gap status, the population counts and what was looked at. */
export interface GapEvaluation {
  status: GapStatus;
  populations: Record<Population, 0 | 1>;
  /** Only when she is scored: absent for not-applicable, whether outside the denominator or excluded. */
  score?: 0 | 1;
  /** Why not applicable: outside the initial population, or the exclusion that applied. */
  reason?: string;
  /** `Type/id` of the records evaluated, each with the populations it bears on (cqf-criteriaReference). */
  evidence: { ref: string; criteria: Population[] }[];
}

/**
 * Pure. A positive measure's gap is being outside the numerator; an inverse one's (HbA1c > 9%)
 * is being in it. A gap in a period that ends after `today` can still close: prospective.
 * `patientRef` is her Patient record, always evaluated (age, sex).
 */
export function evaluateGap(facts: PersonFacts, measure: QualityMeasure, period: MeasurementPeriod, today: string, patientRef: string): GapEvaluation {
  const result = measure.evaluate(facts, period);
  const patient = { ref: patientRef, criteria: ['initial-population' as Population] };
  if (!result.in) {
    return { status: 'not-applicable', reason: 'not in the initial population', populations: counts(0, 0, 0, 0), evidence: [patient] };
  }
  const diagnoses = new Set(facts.diagnoses.flatMap((d) => (d.ref ? [d.ref] : [])));
  const refs = [...new Set(measure.evidence(facts, period))].filter((r) => r !== patientRef);
  const criteriaOf = (ref: string): Population[] =>
    result.excluded !== undefined
      ? diagnoses.has(ref)
        ? ['initial-population', 'denominator', 'denominator-exclusion']
        : ['denominator-exclusion']
      : diagnoses.has(ref)
        ? ['initial-population', 'denominator']
        : ['numerator'];
  const evidence = [
    { ref: patientRef, criteria: ['initial-population', 'denominator'] as Population[] },
    ...refs.map((ref) => ({ ref, criteria: criteriaOf(ref) })),
  ];
  if (result.excluded !== undefined) {
    return { status: 'not-applicable', reason: result.excluded, populations: counts(1, 1, 1, 0), evidence };
  }
  const numerator = result.numerator ? 1 : 0;
  const gap = measure.inverse ? result.numerator : !result.numerator;
  const status: GapStatus = !gap ? 'closed-gap' : period.end > today.slice(0, 10) ? 'prospective-gap' : 'open-gap';
  return { status, populations: counts(1, 1, 0, numerator), score: numerator, evidence };
}

const counts = (ip: 0 | 1, d: 0 | 1, x: 0 | 1, n: 0 | 1): Record<Population, 0 | 1> => ({
  'initial-population': ip,
  denominator: d,
  'denominator-exclusion': x,
  numerator: n,
});
