import { ageOn } from '../person.js';
import { diagnosesOf, enrolled, latestIn, refsOf, type QualityMeasure } from './measure.js';

/** Type 1, type 2 and other specified diabetes. */
const DIABETES = ['E10', 'E11', 'E13'];

/**
 * HbA1c poor control (> 9%). Inverse: the numerator is the bad outcome. As in HEDIS, a person
 * with no test in the period counts as poorly controlled, so missing care never flatters a rate.
 */
export const hba1cPoorControl: QualityMeasure = {
  id: 'hba1c-poor-control',
  title: 'Hemoglobin A1c poor control (> 9%)',
  inverse: true,
  definition:
    'Denominator: people aged 18 to 75 on the last day of the measurement period (31 December) with diabetes (ICD-10-CM E10, E11, E13) diagnosed on or before it, enrolled at least 11 months. ' +
    'Numerator (lower is better): the last HbA1c result (LOINC 4548-4) in the period is above 9.0%, or there is no result in the period.',
  evaluate(person, period) {
    if (!person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 18 || age > 75 || diagnosesOf(person, DIABETES, period.end).length === 0) return { in: false };
    const last = latestIn(person.hba1c, period);
    return { in: true, numerator: last === undefined || last.percent > 9 };
  },
  evidence(person, period) {
    const last = latestIn(person.hba1c, period);
    return [...refsOf(diagnosesOf(person, DIABETES, period.end)), ...refsOf(last ? [last] : [])];
  },
};
