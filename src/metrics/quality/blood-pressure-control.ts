import { ageOn } from '../person.js';
import { addMonths, dayBefore, diagnosesOf, enrolled, latestIn, refsOf, type QualityMeasure } from './measure.js';

const HYPERTENSION = ['I10'];
/** Pregnancy in the period changes blood-pressure targets; end-stage renal disease changes the treatment goal. */
const PREGNANCY = ['O', 'Z34'];
const ESRD = ['N18.6', 'Z99.2'];

/** The last day of the period's first six months (30 June of a calendar year). */
const firstHalfEnd = (start: string) => dayBefore(addMonths(start, 6));

/** Controlling high blood pressure: the last reading of the period below 140/90. */
export const bloodPressureControl: QualityMeasure = {
  id: 'blood-pressure-control',
  title: 'Controlling high blood pressure (< 140/90)',
  inverse: false,
  definition:
    'Denominator: people aged 18 to 85 on the last day of the measurement period (31 December) with hypertension (ICD-10-CM I10) diagnosed on or before the end of its first six months (30 June), enrolled at least 11 months. ' +
    'Exclusions: pregnancy (ICD-10-CM O codes, Z34) diagnosed in the period; end-stage renal disease or dialysis (N18.6, Z99.2) on or before its last day. ' +
    'Numerator: the last blood pressure reading of the period has systolic below 140 and diastolic below 90 mm Hg. No reading in the period is not controlled.',
  evaluate(person, period) {
    if (!person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 18 || age > 85 || diagnosesOf(person, HYPERTENSION, firstHalfEnd(period.start)).length === 0) return { in: false };
    if (diagnosesOf(person, PREGNANCY, period.end, period.start).length > 0) return { in: true, excluded: 'pregnancy in the year' };
    if (diagnosesOf(person, ESRD, period.end).length > 0) return { in: true, excluded: 'end-stage renal disease' };
    const last = latestIn(person.bloodPressure, period);
    return { in: true, numerator: last !== undefined && last.systolic < 140 && last.diastolic < 90 };
  },
  evidence(person, period) {
    const last = latestIn(person.bloodPressure, period);
    return [
      ...refsOf(diagnosesOf(person, HYPERTENSION, firstHalfEnd(period.start))),
      ...refsOf(diagnosesOf(person, PREGNANCY, period.end, period.start)),
      ...refsOf(diagnosesOf(person, ESRD, period.end)),
      ...refsOf(last ? [last] : []),
    ];
  },
};
