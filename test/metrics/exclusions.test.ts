import { describe, expect, it } from 'vitest';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { calendarYear, QUALITY_MEASURES, type MeasureResult } from '../../src/metrics/quality/index.js';

const measure = (id: string) => QUALITY_MEASURES.find((m) => m.id === id)!;
const bcs = measure('breast-cancer-screening');
const a1c = measure('hba1c-poor-control');
const cbp = measure('blood-pressure-control');
const y2025 = calendarYear(2025);
/** Why a result is what it is: the exclusion's reason, else whether she is in the denominator at all. */
const why = (r: MeasureResult) => (r.in ? (r.excluded ?? 'not excluded') : 'not in the denominator');

/** Born on 31 December: her age on the period's last day is exactly 2025 minus the year. */
const bornToBe = (age: number) => `${2025 - age}-12-31`;

/** A person covered all of 2024 and 2025, with nothing else on record. */
function person(over: Partial<PersonFacts>): PersonFacts {
  return {
    ...emptyFacts('p'),
    sex: 'female',
    birthDate: bornToBe(60),
    coverage: [{ person: 'p', segment: 'medicare', payer: 'Organization/payer', start: '2024-01-01', end: '2025-12-31' }],
    ...over,
  };
}

// Each measure's denominator, so an exclusion has someone to exclude.
const screenable = (over: Partial<PersonFacts>) => person({ mammograms: [{ date: '2025-03-01', ref: 'Procedure/m' }], ...over });
const diabetic = (over: Partial<PersonFacts>) => person({ diagnoses: [{ code: 'E11.9', date: '2020-01-01', ref: 'Condition/dm' }], ...over });
const hypertensive = (over: Partial<PersonFacts>) =>
  person({
    sex: 'male',
    visitDiagnoses: [
      { code: 'I10', date: '2024-03-01', ref: 'Encounter/v1' },
      { code: 'I10', date: '2024-09-01', ref: 'ExplanationOfBenefit/v2' },
    ],
    ...over,
  });
const withDx = (base: PersonFacts, ...dx: { code: string; date: string; ref?: string }[]) => ({ ...base, diagnoses: [...base.diagnoses, ...dx] });

describe('hospice (CMS125, CMS122, CMS165: hospice services in the measurement period)', () => {
  const hospiceAt = (date: string, code = 'Q5001') => ({ services: [{ code, date, ref: 'ExplanationOfBenefit/h' }] });
  it('excludes from all three a hospice claim line dated in the period, and lists it as evidence', () => {
    for (const [m, base] of [
      [bcs, screenable],
      [a1c, diabetic],
      [cbp, hypertensive],
    ] as const) {
      expect(m.evaluate(base(hospiceAt('2025-12-31')), y2025), m.id).toEqual({ in: true, excluded: 'hospice' });
      expect(m.evidence(base(hospiceAt('2025-12-31')), y2025), m.id).toContain('ExplanationOfBenefit/h');
    }
  });
  it('does not exclude for hospice the year before or after (31 December 2024, 1 January 2026)', () => {
    expect(bcs.evaluate(screenable(hospiceAt('2024-12-31')), y2025)).toEqual({ in: true, numerator: true });
    expect(a1c.evaluate(diabetic(hospiceAt('2026-01-01')), y2025)).toEqual({ in: true, numerator: true });
    expect(cbp.evaluate(hypertensive(hospiceAt('2024-12-31')), y2025)).toEqual({ in: true, numerator: false });
  });
  it('takes a discharge to hospice (HL7 hosp, SNOMED CT home hospice) and the SNOMED CT hospice care procedure', () => {
    for (const code of ['hosp', '428361000124107', '428371000124100', '385763009', 'T2042', '99377'])
      expect(a1c.evaluate(diabetic(hospiceAt('2025-06-01', code)), y2025), code).toEqual({ in: true, excluded: 'hospice' });
  });
  it('does not take an unrelated service code as hospice', () => {
    expect(a1c.evaluate(diabetic(hospiceAt('2025-06-01', '99213')), y2025)).toEqual({ in: true, numerator: true });
  });
});

describe('frailty with advanced illness (CMS125, CMS122, CMS165: aged 66 or older)', () => {
  const frailIll = { code: 'R54', date: '2025-05-01', ref: 'Condition/frail' };
  const ill = { code: 'I50.9', date: '2024-02-01', ref: 'Condition/hf' };
  it('excludes at 66 but not at 65 on the last day (CMS122)', () => {
    expect(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(66) }), frailIll, ill), y2025)).toEqual({ in: true, excluded: 'frailty with advanced illness' });
    expect(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(65) }), frailIll, ill), y2025)).toEqual({ in: true, numerator: true });
    // Turning 66 on 1 January 2026 is still 65 on 31 December 2025.
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: '1960-01-01' }), frailIll, ill), y2025))).toBe('not excluded');
  });
  it('excludes at 66 for breast cancer screening (CMS125), with the frailty and illness records as evidence', () => {
    const p = withDx(screenable({ birthDate: bornToBe(66) }), frailIll, ill);
    expect(bcs.evaluate(p, y2025)).toEqual({ in: true, excluded: 'frailty with advanced illness' });
    expect(bcs.evidence(p, y2025).sort()).toEqual(['Condition/frail', 'Condition/hf']);
    expect(bcs.evaluate(withDx(screenable({ birthDate: bornToBe(65) }), frailIll, ill), y2025)).toEqual({ in: true, numerator: true });
  });
  it('needs both: frailty alone or illness alone does not exclude at 70', () => {
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(70) }), frailIll), y2025))).toBe('not excluded');
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(70) }), ill), y2025))).toBe('not excluded');
  });
  it('takes frailty only in the period, an advanced illness in the period or the year before', () => {
    const at70 = diabetic({ birthDate: bornToBe(70) });
    expect(why(a1c.evaluate(withDx(at70, { ...frailIll, date: '2024-12-31' }, ill), y2025))).toBe('not excluded');
    expect(why(a1c.evaluate(withDx(at70, frailIll, { ...ill, date: '2024-01-01' }), y2025))).toBe('frailty with advanced illness');
    expect(why(a1c.evaluate(withDx(at70, frailIll, { ...ill, date: '2023-12-31' }), y2025))).toBe('not excluded');
  });
  it('takes a frailty device or encounter on a claim (a wheelchair, E1130) as frailty', () => {
    const p = withDx(diabetic({ birthDate: bornToBe(70), services: [{ code: 'E1130', date: '2025-08-01', ref: 'ExplanationOfBenefit/wc' }] }), ill);
    expect(a1c.evaluate(p, y2025)).toEqual({ in: true, excluded: 'frailty with advanced illness' });
    expect(a1c.evidence(p, y2025)).toContain('ExplanationOfBenefit/wc');
  });
  it('does not take a code that only shares a prefix with a listed one (K72.0 acute hepatic failure is not K72.1 chronic)', () => {
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(70) }), frailIll, { code: 'K72.00', date: '2025-01-01' }), y2025))).toBe('not excluded');
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(70) }), frailIll, { code: 'K72.10', date: '2025-01-01' }), y2025))).toBe(
      'frailty with advanced illness',
    );
  });
});

describe('frailty alone from 81 (CMS165 only)', () => {
  const frail = { code: 'Z99.3', date: '2025-04-01', ref: 'Condition/wheelchair' };
  it('excludes frailty alone at 81, not at 80', () => {
    expect(cbp.evaluate(withDx(hypertensive({ birthDate: bornToBe(81) }), frail), y2025)).toEqual({ in: true, excluded: 'frailty, aged 81 or older' });
    expect(cbp.evaluate(withDx(hypertensive({ birthDate: bornToBe(80) }), frail), y2025)).toEqual({ in: true, numerator: false });
  });
  it('at 80 still excludes frailty with advanced illness', () => {
    expect(cbp.evaluate(withDx(hypertensive({ birthDate: bornToBe(80) }), frail, { code: 'G30.9', date: '2025-01-10' }), y2025)).toEqual({
      in: true,
      excluded: 'frailty with advanced illness',
    });
  });
  it('CMS122 has no frailty-alone rule: a frail diabetic of 75 without advanced illness stays in', () => {
    expect(why(a1c.evaluate(withDx(diabetic({ birthDate: bornToBe(75) }), frail), y2025))).toBe('not excluded');
  });
});

describe('bilateral mastectomy (CMS125)', () => {
  const mastectomy = (code: string, date: string, site?: string, ref = `Procedure/${code}-${date}`) => ({ code, date, ref, ...(site ? { site } : {}) });
  const excluded = (over: Partial<PersonFacts>) => bcs.evaluate(screenable(over), y2025);
  const EXCLUDED = { in: true, excluded: 'bilateral mastectomy' };
  const SCREENED = { in: true, numerator: true };
  it('history of bilateral mastectomy (Z90.13) any time before the end of the period', () => {
    expect(excluded({ diagnoses: [{ code: 'Z90.13', date: '2025-12-31' }] })).toEqual(EXCLUDED);
    expect(excluded({ diagnoses: [{ code: 'Z90.13', date: '2026-01-01' }] })).toEqual(SCREENED);
  });
  it('left absence only (Z90.12) is not bilateral; left and right (Z90.12 + Z90.11) is', () => {
    expect(excluded({ diagnoses: [{ code: 'Z90.12', date: '2020-01-01' }] })).toEqual(SCREENED);
    expect(excluded({ diagnoses: [{ code: 'Z90.11', date: '2020-01-01' }] })).toEqual(SCREENED);
    expect(
      excluded({
        diagnoses: [
          { code: 'Z90.12', date: '2020-01-01' },
          { code: 'Z90.11', date: '2022-01-01' },
        ],
      }),
    ).toEqual(EXCLUDED);
  });
  it('a left mastectomy procedure and a right absence combine (sides from different records)', () => {
    expect(excluded({ services: [mastectomy('19303', '2018-05-01', 'LT')], diagnoses: [{ code: 'Z90.11', date: '2021-01-01' }] })).toEqual(EXCLUDED);
    expect(excluded({ services: [mastectomy('0HTU0ZZ', '2018-05-01')], diagnoses: [{ code: 'Z90.11', date: '2021-01-01' }] })).toEqual(EXCLUDED);
  });
  it('one mastectomy with a bilateral modifier or site (CPT 19303-50, SNOMED CT both breasts), or ICD-10-PCS 0HTV0ZZ', () => {
    expect(excluded({ services: [mastectomy('19303', '2019-01-01', '50')] })).toEqual(EXCLUDED);
    expect(excluded({ services: [mastectomy('19307', '2019-01-01', '63762007')] })).toEqual(EXCLUDED);
    expect(excluded({ services: [mastectomy('0HTV0ZZ', '2019-01-01')] })).toEqual(EXCLUDED);
  });
  it('two mastectomies on the same side are not bilateral (left and left)', () => {
    expect(excluded({ services: [mastectomy('19303', '2018-01-01', 'LT'), mastectomy('19307', '2020-01-01', '80248007')] })).toEqual(SCREENED);
  });
  it('left on one date and right on another is bilateral', () => {
    expect(excluded({ services: [mastectomy('19303', '2018-01-01', 'LT'), mastectomy('19303', '2020-01-01', 'RT')] })).toEqual(EXCLUDED);
  });
  it('two of unrecorded side: 14 days apart are both breasts, 13 days apart is one surgery recorded twice', () => {
    expect(excluded({ services: [mastectomy('19303', '2020-01-01'), mastectomy('19303', '2020-01-15')] })).toEqual(EXCLUDED);
    expect(excluded({ services: [mastectomy('19303', '2020-01-01'), mastectomy('19303', '2020-01-14')] })).toEqual(SCREENED);
    expect(
      excluded({
        services: [mastectomy('19303', '2020-01-01', undefined, 'Procedure/a'), mastectomy('19303', '2020-01-01', undefined, 'ExplanationOfBenefit/a')],
      }),
    ).toEqual(SCREENED);
  });
  it('a mastectomy after the period does not count; the evidence lists the records that excluded', () => {
    expect(excluded({ services: [mastectomy('19303', '2026-01-02', '50')] })).toEqual(SCREENED);
    const p = screenable({
      services: [mastectomy('19303', '2018-01-01', 'LT', 'Procedure/l')],
      diagnoses: [{ code: 'Z90.11', date: '2021-01-01', ref: 'Condition/r' }],
    });
    expect(bcs.evidence(p, y2025).sort()).toEqual(['Condition/r', 'Procedure/l']);
  });
});

describe('two-visit hypertension confirmation (CMS165 / HEDIS CBP)', () => {
  const visits = (...dates: string[]) => person({ sex: 'male', visitDiagnoses: dates.map((date, i) => ({ code: 'I10', date, ref: `Encounter/v${i}` })) });
  it('one visit is not enough; two on different days are', () => {
    expect(cbp.evaluate(visits('2024-05-01'), y2025).in).toBe(false);
    expect(cbp.evaluate(visits('2024-05-01', '2025-02-01'), y2025).in).toBe(true);
  });
  it('the same day twice (an Encounter and its claim) is one visit', () => {
    expect(cbp.evaluate(visits('2024-05-01', '2024-05-01'), y2025).in).toBe(false);
  });
  it('counts visits from 1 January of the year before to 30 June of the period', () => {
    expect(cbp.evaluate(visits('2024-01-01', '2025-06-30'), y2025).in).toBe(true);
    expect(cbp.evaluate(visits('2023-12-31', '2025-06-30'), y2025).in).toBe(false);
    expect(cbp.evaluate(visits('2024-01-01', '2025-07-01'), y2025).in).toBe(false);
  });
  it('a problem-list diagnosis does not stand in for a visit', () => {
    expect(cbp.evaluate({ ...visits('2024-05-01'), diagnoses: [{ code: 'I10', date: '2024-06-01' }] }, y2025).in).toBe(false);
  });
  it('a visit for another diagnosis does not count', () => {
    const p = visits('2024-05-01');
    expect(cbp.evaluate({ ...p, visitDiagnoses: [...p.visitDiagnoses, { code: 'E11.9', date: '2024-07-01' }] }, y2025).in).toBe(false);
  });
  it('lists the confirming visits as evidence', () => {
    expect(cbp.evidence(visits('2024-05-01', '2025-02-01'), y2025).sort()).toEqual(['Encounter/v0', 'Encounter/v1']);
  });
});
