import { ageOn } from '../person.js';
import { enrolled, hasDiagnosis, latestIn, yearEnd, type QualityMeasure } from './measure.js';

/** Type 1, type 2 and other specified diabetes. */
const DIABETES = ['E10', 'E11', 'E13'];

/**
 * HbA1c poor control (> 9%). Inverse: the numerator is the bad outcome. As in HEDIS, a person
 * with no test in the year counts as poorly controlled, so missing care never flatters a rate.
 */
export const hba1cPoorControl: QualityMeasure = {
  id: 'hba1c-poor-control',
  title: 'Hemoglobin A1c poor control (> 9%)',
  inverse: true,
  definition:
    'Denominator: people aged 18 to 75 on 31 December of the year with diabetes (ICD-10-CM E10, E11, E13) diagnosed on or before 31 December, enrolled at least 11 months. ' +
    'Numerator (lower is better): the last HbA1c result (LOINC 4548-4) in the year is above 9.0%, or there is no result in the year.',
  evaluate(person, year) {
    if (!person.birthDate || !enrolled(person, year)) return { in: false };
    const age = ageOn(person.birthDate, yearEnd(year));
    if (age < 18 || age > 75 || !hasDiagnosis(person, DIABETES, yearEnd(year))) return { in: false };
    const last = latestIn(person.hba1c, year);
    return { in: true, numerator: last === undefined || last.percent > 9 };
  },
};
