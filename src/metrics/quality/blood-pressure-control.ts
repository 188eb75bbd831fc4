import { ageOn } from '../person.js';
import { enrolled, hasDiagnosis, latestIn, yearEnd, type QualityMeasure } from './measure.js';

const HYPERTENSION = ['I10'];
/** Pregnancy in the year changes blood-pressure targets; end-stage renal disease changes the treatment goal. */
const PREGNANCY = ['O', 'Z34'];
const ESRD = ['N18.6', 'Z99.2'];

/** Controlling high blood pressure: the last reading of the year below 140/90. */
export const bloodPressureControl: QualityMeasure = {
  id: 'blood-pressure-control',
  title: 'Controlling high blood pressure (< 140/90)',
  inverse: false,
  definition:
    'Denominator: people aged 18 to 85 on 31 December of the year with hypertension (ICD-10-CM I10) diagnosed on or before 30 June of the year, enrolled at least 11 months. ' +
    'Exclusions: pregnancy (ICD-10-CM O codes, Z34) diagnosed in the year; end-stage renal disease or dialysis (N18.6, Z99.2) on or before 31 December. ' +
    'Numerator: the last blood pressure reading of the year has systolic below 140 and diastolic below 90 mm Hg. No reading in the year is not controlled.',
  evaluate(person, year) {
    if (!person.birthDate || !enrolled(person, year)) return { in: false };
    const age = ageOn(person.birthDate, yearEnd(year));
    if (age < 18 || age > 85 || !hasDiagnosis(person, HYPERTENSION, `${year}-06-30`)) return { in: false };
    if (hasDiagnosis(person, PREGNANCY, yearEnd(year), `${year}-01-01`)) return { in: true, excluded: 'pregnancy in the year' };
    if (hasDiagnosis(person, ESRD, yearEnd(year))) return { in: true, excluded: 'end-stage renal disease' };
    const last = latestIn(person.bloodPressure, year);
    return { in: true, numerator: last !== undefined && last.systolic < 140 && last.diastolic < 90 };
  },
};
