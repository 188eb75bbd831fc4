import { describe, expect, it } from 'vitest';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { performance, type QuarterFigures } from '../../src/performance/compute.js';
import { opportunities } from '../../src/performance/opportunity.js';
import { OPPORTUNITY_EXTENSION, performanceReport } from '../../src/performance/report.js';
import { SAVINGS_FORMULA } from '../../src/performance/savings.js';
import { structureProblems } from '../helpers/validate.js';
import { FIXTURE_CONTRACT } from './fixtures.js';

const VBPR = 'http://hl7.org/fhir/us/davinci-vbpr';
const figures = (f: Partial<QuarterFigures>): QuarterFigures => ({
  memberMonths: 12_000,
  medicalPaid: 0,
  pharmacyPaid: 0,
  inpatientPaid: 0,
  edPaid: 0,
  medPmpm: 0,
  rxPmpm: 0,
  totalPmpm: 0,
  admissions: 0,
  edVisits: 0,
  readmissions: 0,
  admissionsPer1000: 0,
  edVisitsPer1000: 0,
  readmissionsPer1000: 0,
  quality: [],
  paidThrough: '2025-09-30',
  ...f,
});

describe('cost opportunity, from the same figures', () => {
  it('prices 10% fewer admissions at the period’s average paid per admission (hand-worked)', () => {
    // 80 admissions for $1,200,000: $15,000 each; 10% fewer = 8 × 15,000 = $120,000.
    const [o] = opportunities(FIXTURE_CONTRACT, figures({ admissions: 80, inpatientPaid: 1_200_000, admissionsPer1000: 80 }));
    expect(o).toMatchObject({ metric: 'inpatient-admission', improvementPercent: 10, savings: 120_000 });
    expect(o!.text).toBe(
      "By reducing admissions per 1,000 by 10% (from 80 to 72), at the period's average of $15,000.00 paid per admission, you would save $120,000.00.",
    );
    expect(o!.basis).toMatchObject({ count: 80, paid: 1_200_000, averagePaid: 15_000 });
  });

  it('prices bringing total cost PMPM down to the benchmark: (520 − 500) × 12,000 = $240,000', () => {
    const os = opportunities(FIXTURE_CONTRACT, figures({ totalPmpm: 520 }));
    expect(os).toHaveLength(1);
    expect(os[0]).toMatchObject({ metric: 'med-rx-cost-pmpm', savings: 240_000, improvementPercent: 3.85 });
  });

  it('coarse (the pooled multi-payer view): no average paid, savings to the thousand, so no count can be solved back', () => {
    const [o] = opportunities(FIXTURE_CONTRACT, figures({ admissions: 7, inpatientPaid: 84_350, admissionsPer1000: 7 }), undefined, { coarse: true });
    expect(o!.text).not.toMatch(/average/);
    expect(o!.text).toMatch(/save about \$[\d,]*000\.$/);
  });

  it('offers nothing where there is nothing to improve', () => {
    expect(opportunities(FIXTURE_CONTRACT, figures({ totalPmpm: 480 }))).toEqual([]);
  });
});

describe('the VBPR performance MeasureReport', () => {
  const person: PersonFacts = {
    ...emptyFacts('A'),
    sex: 'female',
    birthDate: '1965-01-01',
    coverage: [{ person: 'A', segment: 'commercial', payer: FIXTURE_CONTRACT.payer, start: '2024-01-01' }],
    claims: [{ person: 'A', date: '2025-07-15', category: 'inpatient', paid: 900, allowed: 900 }],
    stays: [{ person: 'A', kind: 'inpatient', admit: '2025-07-10', discharge: '2025-07-12' }],
  };
  const rosters = new Map(['2025-07', '2025-08', '2025-09'].map((m) => [m, new Set(['A'])]));
  const p = performance(FIXTURE_CONTRACT, { year: 2025, q: 3 }, rosters, [person]);
  const r = performanceReport({
    id: 'perf-1',
    baseUrl: 'http://gw.test',
    contract: FIXTURE_CONTRACT,
    quarter: { year: 2025, q: 3 },
    performance: p,
    opportunities: opportunities(FIXTURE_CONTRACT, p.current),
    group: 'Group/roster-2025-09-abc',
    rosters: ['Group/roster-2025-07-abc/_history/1', 'Group/roster-2025-08-abc/_history/1', 'Group/roster-2025-09-abc/_history/2'],
    date: '2025-10-05T00:00:00Z',
  }) as Record<string, any>;
  const codes = r.group.map((g: any) => g.code.coding[0].code);

  it('has the profile’s fixed parts: category vbp, summary, the contract’s Measure, the roster subject with the organization', () => {
    expect(r.meta.profile).toEqual([`${VBPR}/StructureDefinition/vbp-performance-measurereport`]);
    expect(r.extension[0]).toEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/measurereport-category',
      valueCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/measurereport-category', code: 'vbp' }] },
    });
    expect(r.type).toBe('summary');
    expect(r.measure).toBe('http://gw.test/fhir/Measure/vbp-lakeshore-oak-2025');
    expect(r.subject).toEqual({
      reference: 'Group/roster-2025-09-abc',
      extension: [{ url: `${VBPR}/StructureDefinition/organization-subject`, valueReference: { reference: 'Organization/clinic-oak-org' } }],
    });
    expect(r.period).toEqual({ start: '2025-07-01', end: '2025-09-30' });
    expect(r.extension.find((e: any) => e.url.endsWith('/paid-through-date')).valueDate).toBe('2025-07-15');
  });

  it('has one group per metric, dollars as valueMoney, the baseline where there is one', () => {
    for (const code of [
      'member-months',
      'med-cost-pmpm',
      'rx-cost-pmpm',
      'inpatient-admission',
      'ed-visit',
      'readmission',
      'med-cost-pmpm-target',
      'quality-gate-performance-percentage',
      'shared-saving-deficit',
    ])
      expect(codes).toContain(code);
    const med = r.group.find((g: any) => g.code.coding[0].code === 'med-cost-pmpm');
    expect(med.measureScore.extension[0]).toEqual({ url: `${VBPR}/StructureDefinition/alternate-measurescore`, valueMoney: { value: 300, currency: 'USD' } });
    const mm = r.group.find((g: any) => g.code.coding[0].code === 'member-months');
    expect(mm.measureScore.value).toBe(3);
    // Q3 2024 she was on no roster: a baseline of 0 member-months, and no PMPM baseline at all.
    expect(mm.extension[0].extension[0]).toEqual({ url: 'baseline', valueInteger: 0 });
    expect(med.extension).toBeUndefined();
    const quality = r.group.filter((g: any) => g.id === 'breast-cancer-screening');
    expect(quality).toHaveLength(1);
    expect(quality[0].extension[0].valueCanonical).toBe('http://gw.test/fhir/Measure/breast-cancer-screening');
  });

  it('is a structurally valid R4 MeasureReport', () => {
    expect(structureProblems(r)).toEqual([]);
  });

  it('records the roster versions used, the formula, and the cost opportunities', () => {
    expect(r.evaluatedResource.map((e: any) => e.reference)).toEqual([
      'Group/roster-2025-07-abc/_history/1',
      'Group/roster-2025-08-abc/_history/1',
      'Group/roster-2025-09-abc/_history/2',
    ]);
    expect(JSON.stringify(r)).toContain(SAVINGS_FORMULA);
    expect(r.extension.filter((e: any) => e.url === OPPORTUNITY_EXTENSION).map((e: any) => e.valueString)).toEqual([
      "By reducing admissions per 1,000 by 10% (from 4000 to 3600), at the period's average of $900.00 paid per admission, you would save $90.00.",
    ]);
  });
});
