import { ageOn } from '../person.js';
import { confirmedHypertension, frailtyExclusion, hospice, type Exclusion } from './exclusions.js';
import { diagnosesOf, enrolled, latestIn, refsOf, type MeasurementPeriod, type QualityMeasure } from './measure.js';
import type { PersonFacts } from '../person.js';

/** Pregnancy in the period changes blood-pressure targets; end-stage renal disease changes the treatment goal. */
const PREGNANCY = ['O', 'Z34'];
const ESRD = ['N18.6', 'Z99.2'];

/** CMS165: from 81, frailty alone excludes; from 66 to 80 it takes an advanced illness too. */
const FRAILTY_ALONE_FROM = 81;

/** Controlling high blood pressure (≈ CMS165): the last reading of the period below 140/90. */
export const bloodPressureControl: QualityMeasure = {
  id: 'blood-pressure-control',
  title: 'Controlling high blood pressure (< 140/90)',
  inverse: false,
  definition:
    'Denominator: people aged 18 to 85 on the last day of the measurement period (31 December), enrolled at least 11 months, with hypertension (ICD-10-CM I10) confirmed by outpatient visits on at least two different days ' +
    '(an ambulatory, virtual or home encounter with hypertension as its reason, or a professional or outpatient claim diagnosing it) between the first day of the year before the period and the end of its first six months (30 June): ' +
    'the two visits of HEDIS CBP, cut at 30 June as CMS165 cuts its diagnosis. ' +
    'Exclusions, following CMS165 (eCQM Controlling High Blood Pressure) and its Hospice and AdvancedIllnessandFrailty libraries: ' +
    'hospice care in the period (a hospice service or encounter, HCPCS Q5001-Q5010, S9126, T2042-T2046, CPT 99377-99378, SNOMED CT 385763009, or an inpatient discharge to hospice); ' +
    'pregnancy (ICD-10-CM O codes, Z34) diagnosed in the period; end-stage renal disease or dialysis (N18.6, Z99.2) on or before its last day; ' +
    'aged 66 to 80 with frailty in the period (a frailty diagnosis such as R54, R26, W19, Z74.0, Z99.3, Z91.81, L89, or a frailty encounter or device on a claim) and an advanced illness in the period or the year before (such as C25, C71, G30, I50, J43, K70.3, N18.5); ' +
    'aged 81 or older with frailty in the period. ' +
    'Dementia medications and long-term nursing-home residence, which CMS165 also counts, are not read. ' +
    'Numerator: the last blood pressure reading of the period has systolic below 140 and diastolic below 90 mm Hg. No reading in the period is not controlled.',
  evaluate(person, period) {
    if (!person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 18 || age > 85 || confirmedHypertension(person, period).length === 0) return { in: false };
    const excluded = exclusionOf(person, period);
    if (excluded) return { in: true, excluded: excluded.reason };
    const last = latestIn(person.bloodPressure, period);
    return { in: true, numerator: last !== undefined && last.systolic < 140 && last.diastolic < 90 };
  },
  evidence(person, period) {
    const hypertension = refsOf(confirmedHypertension(person, period));
    const excluded = exclusionOf(person, period);
    if (excluded) return [...hypertension, ...refsOf(excluded.facts)];
    const last = latestIn(person.bloodPressure, period);
    return [...hypertension, ...refsOf(last ? [last] : [])];
  },
};

function exclusionOf(person: PersonFacts, period: MeasurementPeriod): Exclusion | undefined {
  const pregnancy = diagnosesOf(person, PREGNANCY, period.end, period.start);
  const esrd = diagnosesOf(person, ESRD, period.end);
  return (
    hospice(person, period) ??
    (pregnancy.length > 0 ? { reason: 'pregnancy in the year', facts: pregnancy } : undefined) ??
    (esrd.length > 0 ? { reason: 'end-stage renal disease', facts: esrd } : undefined) ??
    frailtyExclusion(person, period, FRAILTY_ALONE_FROM)
  );
}
