/** The gap rule by hand: positive and inverse measures, exclusions, prospective periods. */
import { describe, expect, it } from 'vitest';
import { evaluateGap } from '../../src/caregaps/evaluate.js';
import { findMeasure, measureResource } from '../../src/caregaps/measures.js';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { breastCancerScreening } from '../../src/metrics/quality/breast-cancer-screening.js';
import { hba1cPoorControl } from '../../src/metrics/quality/hba1c-poor-control.js';
import { calendarYear, QUALITY_MEASURES } from '../../src/metrics/quality/index.js';
import { expectValidFhir } from '../helpers/validate.js';

const Y2025 = calendarYear(2025);
const AFTER = '2026-02-01';
const woman = (extra: Partial<PersonFacts> = {}): PersonFacts => ({
  ...emptyFacts('p1'),
  birthDate: '1965-06-01',
  sex: 'female',
  coverage: [{ person: 'p1', segment: 'commercial', payer: 'Organization/payer', start: '2024-01-01' }],
  ...extra,
});

describe('evaluateGap', () => {
  it('positive measure: outside the numerator is an open gap with score 0, inside a closed one with its record as evidence', () => {
    const open = evaluateGap(woman(), breastCancerScreening, Y2025, AFTER, 'Patient/x');
    expect(open).toMatchObject({ status: 'open-gap', score: 0, populations: { 'initial-population': 1, denominator: 1, numerator: 0 } });
    const closed = evaluateGap(woman({ mammograms: [{ date: '2025-04-01', ref: 'Procedure/m1' }] }), breastCancerScreening, Y2025, AFTER, 'Patient/x');
    expect(closed.status).toBe('closed-gap');
    expect(closed.score).toBe(1);
    expect(closed.evidence).toContainEqual({ ref: 'Procedure/m1', criteria: ['numerator'] });
  });

  it('inverse measure: in the numerator (no result, or > 9%) is the gap; a controlled result closes it', () => {
    const diabetic = (hba1c: PersonFacts['hba1c']) => woman({ diagnoses: [{ code: 'E11.9', date: '2024-05-01', ref: 'Condition/d' }], hba1c });
    expect(evaluateGap(diabetic([]), hba1cPoorControl, Y2025, AFTER, 'Patient/x').status).toBe('open-gap');
    expect(evaluateGap(diabetic([{ date: '2025-05-01', percent: 9.4 }]), hba1cPoorControl, Y2025, AFTER, 'Patient/x').status).toBe('open-gap');
    const ok = evaluateGap(diabetic([{ date: '2025-05-01', percent: 7, ref: 'Observation/a' }]), hba1cPoorControl, Y2025, AFTER, 'Patient/x');
    expect(ok).toMatchObject({ status: 'closed-gap', score: 0, populations: { numerator: 0 } });
  });

  it('not applicable carries no score, whether outside the population or excluded, and says which', () => {
    const man = evaluateGap(woman({ sex: 'male' }), breastCancerScreening, Y2025, AFTER, 'Patient/x');
    expect(man).toMatchObject({ status: 'not-applicable', reason: 'not in the initial population' });
    expect(man.score).toBeUndefined();
    const excluded = evaluateGap(
      woman({ diagnoses: [{ code: 'Z90.13', date: '2020-01-01', ref: 'Condition/z' }] }),
      breastCancerScreening,
      Y2025,
      AFTER,
      'Patient/x',
    );
    expect(excluded).toMatchObject({ status: 'not-applicable', reason: 'bilateral mastectomy', populations: { 'denominator-exclusion': 1 } });
    expect(excluded.score).toBeUndefined();
  });

  it('a gap in a period that has not ended is prospective; a closed gap stays closed', () => {
    expect(evaluateGap(woman(), breastCancerScreening, Y2025, '2025-06-30', 'Patient/x').status).toBe('prospective-gap');
    const screened = woman({ mammograms: [{ date: '2025-04-01' }] });
    expect(evaluateGap(screened, breastCancerScreening, Y2025, '2025-06-30', 'Patient/x').status).toBe('closed-gap');
    // The period's last day is still in it.
    expect(evaluateGap(woman(), breastCancerScreening, Y2025, '2025-12-31', 'Patient/x').status).toBe('open-gap');
  });
});

describe('Measure resources', () => {
  it('are valid R4, proportion scored, the inverse one decreasing, and found by id, url|version and eCQM identifier', () => {
    for (const m of QUALITY_MEASURES) expectValidFhir(measureResource(m), m.id);
    expect(measureResource(hba1cPoorControl).improvementNotation.coding[0]!.code).toBe('decrease');
    expect(measureResource(breastCancerScreening).improvementNotation.coding[0]!.code).toBe('increase');
    expect(findMeasure('measureUrl', 'http://consent-gateway.example.org/fhir/Measure/hba1c-poor-control|2025.1')).toBe(hba1cPoorControl);
    expect(findMeasure('measureIdentifier', 'https://ecqi.healthit.gov/ecqm/measures|CMS125')).toBe(breastCancerScreening);
    expect(findMeasure('measureId', 'nope')).toBeUndefined();
  });
});
