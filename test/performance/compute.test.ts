import { describe, expect, it } from 'vitest';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { validateContract } from '../../src/performance/contract.js';
import { performance, quarterFigures, trailingYear } from '../../src/performance/compute.js';
import { FIXTURE_CONTRACT } from './fixtures.js';

const LAKESHORE = 'Organization/payer-lakeshore-org';
const GREATLAKES = 'Organization/payer-greatlakes-ma-org';
const Q3 = { year: 2025, q: 3 };

const facts = (person: string, f: Partial<PersonFacts>): PersonFacts => ({
  ...emptyFacts(person),
  sex: 'female',
  birthDate: '1965-05-01',
  ...f,
});
const claim = (person: string, date: string, category: PersonFacts['claims'][number]['category'], paid: number) => ({
  person,
  date,
  category,
  paid,
  allowed: paid,
});

// A: Lakeshore all along, on the roster all quarter; two inpatient stays 15 days apart (one readmission).
const a = facts('A', {
  coverage: [{ person: 'A', segment: 'commercial', payer: LAKESHORE, start: '2024-01-01' }],
  claims: [
    claim('A', '2024-07-10', 'professional', 100),
    claim('A', '2025-07-03', 'professional', 300),
    claim('A', '2025-08-04', 'pharmacy', 60),
    claim('A', '2025-09-02', 'inpatient', 5000),
    claim('A', '2025-09-20', 'inpatient', 3000),
  ],
  stays: [
    { person: 'A', kind: 'inpatient', admit: '2025-09-02', discharge: '2025-09-05' },
    { person: 'A', kind: 'inpatient', admit: '2025-09-20', discharge: '2025-09-22' },
  ],
  mammograms: [{ date: '2025-03-01' }],
});
// B: on the roster all quarter, but Great Lakes covers her from September: that month and its claim are not Lakeshore's.
const b = facts('B', {
  birthDate: '1970-01-01',
  coverage: [
    { person: 'B', segment: 'commercial', payer: LAKESHORE, start: '2024-01-01', end: '2025-08-31' },
    { person: 'B', segment: 'medicare', payer: GREATLAKES, start: '2025-09-01' },
  ],
  claims: [claim('B', '2025-07-08', 'outpatient', 200), claim('B', '2025-09-25', 'inpatient', 1000)],
  stays: [{ person: 'B', kind: 'inpatient', admit: '2025-09-25', discharge: '2025-09-26' }],
});
// C: Lakeshore covers her, but she is on no roster of this organization: nothing of hers counts.
const c = facts('C', {
  coverage: [{ person: 'C', segment: 'commercial', payer: LAKESHORE, start: '2024-01-01' }],
  claims: [claim('C', '2025-07-01', 'inpatient', 10_000)],
});

const rosters = new Map([
  ['2024-07', new Set(['A'])],
  ['2025-07', new Set(['A', 'B'])],
  ['2025-08', new Set(['A', 'B'])],
  ['2025-09', new Set(['A', 'B'])],
]);

describe('quarterly figures (hand-worked)', () => {
  const f = quarterFigures(FIXTURE_CONTRACT, Q3, rosters, [a, b, c]);

  it('counts a member-month only when on that month’s roster and covered by the contract’s payer on the 15th', () => {
    // A 3 + B 2 (September is Great Lakes'); C is on no roster.
    expect(f.memberMonths).toBe(5);
  });

  it("counts only the payer's claims: medical 300 + 5,000 + 3,000 + 200 = 8,500, pharmacy 60, over 5 member-months", () => {
    expect(f.medicalPaid).toBe(8500);
    expect(f.pharmacyPaid).toBe(60);
    expect(f.medPmpm).toBe(1700);
    expect(f.rxPmpm).toBe(12);
    expect(f.totalPmpm).toBe(1712);
    expect(f.inpatientPaid).toBe(8000);
  });

  it('annualises utilization per 1,000: 2 admissions and 1 readmission over 5 member-months', () => {
    expect(f.admissions).toBe(2);
    expect(f.admissionsPer1000).toBe(4800);
    expect(f.readmissions).toBe(1);
    expect(f.readmissionsPer1000).toBe(2400);
    expect(f.edVisits).toBe(0);
  });

  it("takes paid-through from the claims counted: another payer's later claim does not move it", () => {
    expect(f.paidThrough).toBe('2025-09-20');
  });

  it('measures quality on the trailing 12 months ending the quarter, over the attributed members', () => {
    expect(trailingYear(Q3)).toEqual({ start: '2024-10-01', end: '2025-09-30' });
    const bcs = f.quality.find((q) => q.measure === 'breast-cancer-screening')!;
    // A screened, B not: 1 of 2, under the 70% target.
    expect(bcs).toMatchObject({ numerator: 1, denominator: 2, rate: 0.5, target: 0.7, met: false });
    // Nobody diabetic: no denominator, and a target without a denominator is not met.
    expect(f.quality.find((q) => q.measure === 'hba1c-poor-control')).toMatchObject({ denominator: 0, rate: null, met: false });
  });
});

describe('performance and settlement', () => {
  it('computes the baseline the same way for the same quarter a year earlier', () => {
    const p = performance(FIXTURE_CONTRACT, Q3, rosters, [a, b, c]);
    expect(p.baseline.memberMonths).toBe(1);
    expect(p.baseline.medPmpm).toBe(100);
  });

  it('pays nothing when the quality gate fails', () => {
    const p = performance(FIXTURE_CONTRACT, Q3, rosters, [a, b, c]);
    expect(p.qualityGatePassed).toBe(false);
    expect(p.qualityGatePercentage).toBe(0);
    expect(p.settlement.amount).toBe(0);
  });

  it('shares (2,000 − 1,712) × 5 × 50% = 720 under a 2,000 benchmark once the gate passes', () => {
    const easy = validateContract({ ...FIXTURE_CONTRACT, benchmarkPmpm: 2000, qualityTargets: [{ measure: 'breast-cancer-screening', rate: 0.5 }] });
    const p = performance(easy, Q3, rosters, [a, b, c]);
    expect(p.qualityGatePassed).toBe(true);
    expect(p.qualityGatePercentage).toBe(100);
    expect(p.settlement).toMatchObject({ amount: 720, outcome: 'shared-savings' });
  });
});
