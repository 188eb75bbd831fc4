import { describe, expect, it } from 'vitest';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { calendarYear, QUALITY_MEASURES } from '../../src/metrics/quality/index.js';

const measure = (id: string) => QUALITY_MEASURES.find((m) => m.id === id)!;

/** A person covered all of 2024 and 2025 by one commercial plan, with nothing else on record. */
function person(over: Partial<PersonFacts>): PersonFacts {
  return {
    ...emptyFacts('p'),
    sex: 'female',
    birthDate: '1960-05-01',
    coverage: [{ person: 'p', segment: 'commercial', payer: 'Organization/payer', start: '2024-01-01', end: '2025-12-31' }],
    ...over,
  };
}

describe('breast cancer screening', () => {
  const bcs = measure('breast-cancer-screening');
  it('counts a woman of 65 screened 20 months before year end (inside the 27-month window)', () => {
    expect(bcs.evaluate(person({ mammograms: [{ date: '2024-04-30' }] }), calendarYear(2025))).toEqual({ in: true, numerator: true });
  });
  it('does not count a mammogram 28 months before year end (30 September two years before)', () => {
    expect(bcs.evaluate(person({ mammograms: [{ date: '2023-09-30' }] }), calendarYear(2025))).toEqual({ in: true, numerator: false });
    expect(bcs.evaluate(person({ mammograms: [{ date: '2023-10-01' }] }), calendarYear(2025))).toEqual({ in: true, numerator: true });
  });
  it('leaves out men, women of 51 and of 75 on 31 December (CMS125v12 starts at 52)', () => {
    expect(bcs.evaluate(person({ sex: 'male' }), calendarYear(2025)).in).toBe(false);
    expect(bcs.evaluate(person({ birthDate: '1974-01-01' }), calendarYear(2025)).in).toBe(false); // 51
    expect(bcs.evaluate(person({ birthDate: '1973-12-31' }), calendarYear(2025)).in).toBe(true); // 52 on 31 December
    expect(bcs.evaluate(person({ birthDate: '1950-12-31' }), calendarYear(2025)).in).toBe(false); // 75
  });
  it('excludes a bilateral mastectomy, with the reason', () => {
    expect(bcs.evaluate(person({ diagnoses: [{ code: 'Z90.13', date: '2019-02-01' }] }), calendarYear(2025))).toEqual({
      in: true,
      excluded: 'bilateral mastectomy',
    });
  });
  it('needs 11 months of enrollment: covered from 1 March (10 months) is out, from 1 February (11) is in', () => {
    const from = (start: string) => person({ coverage: [{ person: 'p', segment: 'commercial', payer: 'x', start }] });
    expect(bcs.evaluate(from('2025-03-01'), calendarYear(2025)).in).toBe(false);
    expect(bcs.evaluate(from('2025-02-01'), calendarYear(2025)).in).toBe(true);
  });
});

describe('HbA1c poor control (inverse)', () => {
  const a1c = measure('hba1c-poor-control');
  const diabetic = (over: Partial<PersonFacts>) => person({ diagnoses: [{ code: 'E11.9', date: '2020-01-01' }], ...over });
  it('is an inverse measure', () => expect(a1c.inverse).toBe(true));
  it('uses the last result of the year: 10.1 then 8.2 is controlled', () => {
    expect(
      a1c.evaluate(
        diabetic({
          hba1c: [
            { date: '2025-02-01', percent: 10.1 },
            { date: '2025-09-01', percent: 8.2 },
          ],
        }),
        calendarYear(2025),
      ),
    ).toEqual({ in: true, numerator: false });
    expect(
      a1c.evaluate(
        diabetic({
          hba1c: [
            { date: '2025-02-01', percent: 8.2 },
            { date: '2025-09-01', percent: 9.1 },
          ],
        }),
        calendarYear(2025),
      ),
    ).toEqual({ in: true, numerator: true });
  });
  it('9.0 exactly is not above 9', () => {
    expect(a1c.evaluate(diabetic({ hba1c: [{ date: '2025-06-01', percent: 9.0 }] }), calendarYear(2025))).toEqual({ in: true, numerator: false });
  });
  it('counts no test in the year as poor control (a 2024 result does not carry over)', () => {
    expect(a1c.evaluate(diabetic({ hba1c: [{ date: '2024-11-01', percent: 6.5 }] }), calendarYear(2025))).toEqual({ in: true, numerator: true });
  });
  it('leaves out people without diabetes, or diagnosed after the year, or aged 76', () => {
    expect(a1c.evaluate(person({}), calendarYear(2025)).in).toBe(false);
    expect(a1c.evaluate(person({ diagnoses: [{ code: 'E11.9', date: '2026-01-02' }] }), calendarYear(2025)).in).toBe(false);
    expect(a1c.evaluate(diabetic({ birthDate: '1949-06-01' }), calendarYear(2025)).in).toBe(false);
    expect(a1c.evaluate(person({ diagnoses: [{ code: 'E10.9', date: '2025-03-01' }] }), calendarYear(2025)).in).toBe(true);
  });
});

describe('controlling high blood pressure', () => {
  const cbp = measure('blood-pressure-control');
  // Hypertension confirmed by two outpatient visits on different days in 2024 (CMS165 / HEDIS CBP).
  const twoVisits = [
    { code: 'I10', date: '2024-03-01' },
    { code: 'I10', date: '2024-09-01' },
  ];
  const hypertensive = (over: Partial<PersonFacts>) =>
    person({ sex: 'male', diagnoses: [{ code: 'I10', date: '2022-01-01' }], visitDiagnoses: twoVisits, ...over });
  it('needs both numbers below the line on the last reading: 138/88 yes, 140/80 no, 130/90 no', () => {
    const at = (systolic: number, diastolic: number) =>
      cbp.evaluate(
        hypertensive({
          bloodPressure: [
            { date: '2025-01-10', systolic: 150, diastolic: 95 },
            { date: '2025-10-10', systolic, diastolic },
          ],
        }),
        calendarYear(2025),
      );
    expect(at(138, 88)).toEqual({ in: true, numerator: true });
    expect(at(140, 80)).toEqual({ in: true, numerator: false });
    expect(at(130, 90)).toEqual({ in: true, numerator: false });
  });
  it('no reading in the year is not controlled', () => {
    expect(cbp.evaluate(hypertensive({}), calendarYear(2025))).toEqual({ in: true, numerator: false });
  });
  it('needs the second hypertension visit by 30 June', () => {
    const visits = (second: string) =>
      person({
        visitDiagnoses: [
          { code: 'I10', date: '2025-01-15' },
          { code: 'I10', date: second },
        ],
      });
    expect(cbp.evaluate(visits('2025-06-30'), calendarYear(2025)).in).toBe(true);
    expect(cbp.evaluate(visits('2025-07-01'), calendarYear(2025)).in).toBe(false);
  });
  it('does not take a problem-list hypertension alone: it must be confirmed at visits', () => {
    expect(cbp.evaluate(person({ diagnoses: [{ code: 'I10', date: '2022-01-01' }] }), calendarYear(2025)).in).toBe(false);
  });
  it('excludes pregnancy in the year and end-stage renal disease, with reasons', () => {
    expect(
      cbp.evaluate(
        hypertensive({
          sex: 'female',
          birthDate: '1990-01-01',
          diagnoses: [
            { code: 'I10', date: '2022-01-01' },
            { code: 'Z34.90', date: '2025-04-01' },
          ],
        }),
        calendarYear(2025),
      ),
    ).toEqual({ in: true, excluded: 'pregnancy in the year' });
    expect(
      cbp.evaluate(
        hypertensive({
          sex: 'female',
          birthDate: '1990-01-01',
          diagnoses: [
            { code: 'I10', date: '2022-01-01' },
            { code: 'Z34.90', date: '2024-04-01' },
          ],
        }),
        calendarYear(2025),
      ),
    ).toEqual({ in: true, numerator: false });
    expect(
      cbp.evaluate(
        hypertensive({
          diagnoses: [
            { code: 'I10', date: '2022-01-01' },
            { code: 'N18.6', date: '2023-01-01' },
          ],
        }),
        calendarYear(2025),
      ),
    ).toEqual({ in: true, excluded: 'end-stage renal disease' });
  });
  it('covers ages 18 to 85 on 31 December', () => {
    expect(cbp.evaluate(hypertensive({ birthDate: '1940-01-01' }), calendarYear(2025)).in).toBe(true); // 85
    expect(cbp.evaluate(hypertensive({ birthDate: '1939-12-31' }), calendarYear(2025)).in).toBe(false); // 86
  });
});
