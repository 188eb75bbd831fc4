import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysEndingOn, parseDay } from '../../src/web/clinician/day-field.js';
import { groupRecord } from '../../src/web/clinician/record.js';
import { gapRows, readableReport } from '../../src/web/clinician/reports.js';
import { latestResults, rangeFlag } from '../../src/web/clinician/results.js';
import { summarize } from '../../src/web/clinician/summary.js';

const LOINC = 'http://loinc.org';
const src = (s: string) => ({ source: `urn:source:${s}` });

function a1c(id: string, when: string, value: number, extra: Record<string, unknown> = {}) {
  return {
    resourceType: 'Observation',
    id,
    meta: src('oak'),
    status: 'final',
    category: [{ coding: [{ code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' }], text: 'Hemoglobin A1c' },
    effectiveDateTime: when,
    valueQuantity: { value, unit: '%', code: '%' },
    ...extra,
  };
}

function bp(id: string, when: string, s: number, d: number, ranges = false) {
  const q = (v: number) => ({ value: v, unit: 'mm[Hg]', code: 'mm[Hg]' });
  return {
    resourceType: 'Observation',
    id,
    meta: src('oak'),
    status: 'final',
    category: [{ coding: [{ code: 'vital-signs' }] }],
    code: { coding: [{ system: LOINC, code: '85354-9' }], text: 'Blood pressure' },
    effectiveDateTime: when,
    component: [
      { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: q(s), ...(ranges ? { referenceRange: [{ high: q(130) }] } : {}) },
      { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: q(d), ...(ranges ? { referenceRange: [{ high: q(80) }] } : {}) },
    ],
  };
}

const RANGE = { referenceRange: [{ low: { value: 4, unit: '%' }, high: { value: 5.6, unit: '%' } }] };

describe('the record summary', () => {
  it('shows the latest HbA1c with value, unit and reference range, flagged high from the range when the lab gave no interpretation', () => {
    const s = summarize([a1c('old', '2025-05-13', 7.8, RANGE), a1c('new', '2025-11-11T09:00:00Z', 8.1, RANGE)]);
    expect(s.results).toEqual([expect.objectContaining({ what: 'Hemoglobin A1c', value: '8.1%', range: '4–5.6%', flag: 'high', flagFrom: 'range' })]);
    expect(s.trends.hba1c.direction).toBe('rising');
    expect(s.trends.hba1c.sentence).toBe('HbA1c 8.1% on 11 Nov 2025, rising: up from 7.8% on 13 May 2025.');
  });

  it("prefers the lab's interpretation to our reading of the range, both ways", () => {
    const normal = { interpretation: [{ coding: [{ code: 'N' }] }] };
    const low = { interpretation: [{ coding: [{ code: 'L' }] }] };
    expect(latestResults([a1c('a', '2025-01-01', 9, { ...RANGE, ...normal })])[0]!.flag).toBeUndefined();
    expect(latestResults([a1c('a', '2025-01-01', 5, { ...RANGE, ...low })])[0]).toMatchObject({ flag: 'low', flagFrom: 'interpretation' });
  });

  it('writes a falling trend in words, and a single result as the only one', () => {
    expect(summarize([a1c('a', '2025-05-13', 7.8), a1c('b', '2025-11-11', 7.2)]).trends.hba1c.sentence).toBe(
      'HbA1c 7.2% on 11 Nov 2025, falling: down from 7.8% on 13 May 2025.',
    );
    expect(summarize([a1c('a', '2025-05-13', 7.8)]).trends.hba1c.sentence).toBe('HbA1c 7.8% on 13 May 2025, the only result in this record.');
    expect(summarize([]).trends.hba1c.sentence).toBe('No HbA1c result in this record.');
  });

  it('reads blood pressure from its components as "142/91 mmHg", flagged from the component ranges', () => {
    const s = summarize([bp('a', '2025-03-01', 128, 79), bp('b', '2025-09-01', 142, 91, true)]);
    expect(s.results[0]).toMatchObject({ what: 'Blood pressure', value: '142/91 mmHg', range: '≤ 130 / ≤ 80 mmHg', flag: 'high' });
    expect(s.trends.bloodPressure.points.map((p) => p.values)).toEqual([
      [128, 79],
      [142, 91],
    ]);
    expect(s.trends.bloodPressure.sentence).toMatch(/^Blood pressure 142\/91 mmHg on 1 Sep 2025, rising: up from 128\/79 mmHg/);
  });

  it('an entered-in-error result is neither the latest nor on the trend', () => {
    const s = summarize([a1c('a', '2025-05-13', 7.8), a1c('b', '2025-11-11', 12, { status: 'entered-in-error' })]);
    expect(s.results[0]!.value).toBe('7.8%');
    expect(s.trends.hba1c.points).toHaveLength(1);
  });

  it('lists only active problems, active medications with their last fill, allergies with criticality and reaction, and the latest dose of each vaccine', () => {
    const status = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }] });
    const fill = (id: string, day: string) => ({
      resourceType: 'ExplanationOfBenefit',
      id,
      meta: src('pharm'),
      type: { coding: [{ code: 'pharmacy' }] },
      billablePeriod: { start: day },
      item: [{ productOrService: { coding: [{ code: '860975', display: 'Metformin 500 mg' }] } }],
    });
    const s = summarize([
      {
        resourceType: 'Condition',
        id: 'c1',
        meta: src('oak'),
        clinicalStatus: status('active'),
        code: { text: 'Type 2 diabetes' },
        onsetDateTime: '2019-04-02',
      },
      { resourceType: 'Condition', id: 'c2', meta: src('oak'), clinicalStatus: status('resolved'), code: { text: 'Bronchitis' } },
      {
        resourceType: 'MedicationRequest',
        id: 'm1',
        meta: src('oak'),
        status: 'active',
        medicationCodeableConcept: { coding: [{ code: '860975' }], text: 'Metformin' },
        authoredOn: '2024-01-01',
      },
      { resourceType: 'MedicationRequest', id: 'm2', meta: src('oak'), status: 'stopped', medicationCodeableConcept: { text: 'Glipizide' } },
      ...['2025-01-05', '2025-02-05', '2025-03-05'].map((d, i) => fill(`f${i}`, d)),
      {
        resourceType: 'AllergyIntolerance',
        id: 'al',
        meta: src('oak'),
        clinicalStatus: { coding: [{ code: 'active' }] },
        criticality: 'high',
        code: { text: 'Penicillin' },
        reaction: [{ manifestation: [{ text: 'Hives' }] }],
      },
      {
        resourceType: 'Immunization',
        id: 'i1',
        meta: src('oak'),
        status: 'completed',
        vaccineCode: { coding: [{ code: '140' }], text: 'Influenza' },
        occurrenceDateTime: '2023-10-01',
      },
      {
        resourceType: 'Immunization',
        id: 'i2',
        meta: src('oak'),
        status: 'completed',
        vaccineCode: { coding: [{ code: '140' }], text: 'Influenza' },
        occurrenceDateTime: '2024-10-01',
      },
      {
        resourceType: 'Immunization',
        id: 'i3',
        meta: src('oak'),
        status: 'not-done',
        vaccineCode: { coding: [{ code: '33' }], text: 'Pneumococcal' },
        occurrenceDateTime: '2024-11-01',
      },
    ]);
    expect(s.problems.map((p) => [p.what, p.when, p.source])).toEqual([['Type 2 diabetes', '2019-04-02', 'urn:source:oak']]);
    expect(s.medications).toEqual([expect.objectContaining({ what: 'Metformin', detail: 'last filled 2025-03-05' })]);
    expect(s.allergies[0]).toMatchObject({ what: 'Penicillin', detail: 'criticality high; reaction: Hives' });
    expect(s.immunizations.map((i) => [i.what, i.when])).toEqual([['Influenza', '2024-10-01']]);
    expect(s.pharmacyFills).toEqual([{ drug: 'Metformin 500 mg', fills: 3, first: '2025-01-05', last: '2025-03-05', source: 'urn:source:pharm' }]);
    // The visits leave the fills out: they are one line per drug on their own.
    expect(groupRecord([{ resourceType: 'ExplanationOfBenefit', id: 'x', type: { coding: [{ code: 'pharmacy' }] } }]).visits).toEqual([]);
  });

  it('puts admissions and emergency visits before office visits among the recent encounters', () => {
    const enc = (id: string, cls: string, day: string) => ({ resourceType: 'Encounter', id, meta: src('oak'), class: { code: cls }, period: { start: day } });
    const s = summarize([enc('a', 'AMB', '2025-10-01'), enc('b', 'EMER', '2025-06-01'), enc('c', 'IMP', '2025-02-01'), enc('d', 'AMB', '2025-11-01')]);
    expect(s.encounters.map((e) => e.kind)).toEqual(['admission', 'emergency', 'visit', 'visit']);
  });

  it('a visit line shows a result with its value and range', () => {
    const r = groupRecord([a1c('a', '2025-11-11', 8.1, RANGE)]);
    expect(r.visits[0]!.items[0]!.what).toBe('Hemoglobin A1c 8.1% (range 4–5.6%), high');
  });
});

describe('reading a reference range', () => {
  it('flags exactly the values outside low..high (inclusive bounds are in range)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -100, max: 100, noNaN: true }),
        fc.double({ min: -200, max: 200, noNaN: true }),
        (a, b, v) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const flag = rangeFlag({ value: v }, [{ low: { value: low }, high: { value: high } }]);
          expect(flag).toBe(v > high ? 'high' : v < low ? 'low' : undefined);
        },
      ),
    );
  });
});

describe('a day typed into a form', () => {
  it('accepts every real day up to today and refuses every later one', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }), (d) => {
        const day = d.toISOString().slice(0, 10);
        const got = parseDay(day, '2026-12-02');
        expect('day' in got).toBe(day <= '2026-12-02');
      }),
    );
  });
  it('refuses what is not a calendar day', () => {
    for (const bad of ['2025-02-30', '2025-13-01', '25-01-01', '2025-1-1', 'tomorrow', '2025-01-01T00:00', "2025-01-01' OR 1=1", ''])
      expect(parseDay(bad, '2026-12-02')).toHaveProperty('error');
  });
  it('counts back whole days', () => {
    expect(daysEndingOn('2025-03-02', 3)).toEqual(['2025-03-02', '2025-03-01', '2025-02-28']);
  });
});

describe('stored reports as tables', () => {
  it('reads each DEQM document as patient, measure and gap status', () => {
    const doc = {
      resourceType: 'Bundle',
      entry: [
        {
          resource: {
            resourceType: 'Composition',
            id: 'c',
            subject: { reference: 'Patient/p1' },
            section: [{ title: 'Diabetes: HbA1c poor control', entry: [{ reference: 'DetectedIssue/d1' }] }],
          },
        },
        {
          resource: {
            resourceType: 'DetectedIssue',
            id: 'd1',
            modifierExtension: [
              {
                url: 'http://hl7.org/fhir/us/davinci-deqm/StructureDefinition/extension-gapStatus',
                valueCodeableConcept: { coding: [{ code: 'open-gap', display: 'Open Gap' }] },
              },
            ],
          },
        },
      ],
    };
    expect(gapRows([doc])).toEqual([{ patient: 'p1', measure: 'Diabetes: HbA1c poor control', status: 'Open Gap' }]);
  });
  it('reads a MeasureReport group by group', () => {
    const r = readableReport({
      status: 'complete',
      period: { start: '2025-07-01', end: '2025-09-30' },
      group: [{ code: { text: 'BP control' }, population: [{ code: { text: 'denominator' }, count: 40 }], measureScore: { value: 0.62549 } }],
    });
    expect(r.groups).toEqual([{ name: 'BP control', populations: [{ name: 'denominator', count: 40 }], score: '0.625' }]);
  });
});

describe('medications from pharmacy claims', () => {
  const fill = (id: string, day: string, drug: string) => ({
    resourceType: 'ExplanationOfBenefit',
    id,
    meta: src('pharm'),
    type: { coding: [{ code: 'pharmacy' }] },
    billablePeriod: { start: day },
    item: [{ productOrService: { coding: [{ code: drug, display: drug }] } }],
  });
  it('lists drugs still being filled that no prescription names, and leaves out those stopped long before the last claim', () => {
    const s = summarize([
      fill('a', '2025-12-01', 'Lisinopril 10 mg'),
      fill('b', '2025-11-01', 'Lisinopril 10 mg'),
      fill('c', '2024-01-01', 'Amoxicillin 500 mg'),
      fill('d', '2025-12-10', 'Metformin 500 mg'),
      { resourceType: 'MedicationRequest', id: 'm', meta: src('oak'), status: 'active', medicationCodeableConcept: { text: 'Metformin' } },
    ]);
    expect(s.dispensed.map((f) => [f.drug, f.fills])).toEqual([['Lisinopril 10 mg', 2]]);
  });
});
