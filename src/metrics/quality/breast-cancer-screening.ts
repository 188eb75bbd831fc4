import { ageOn } from '../person.js';
import { enrolled, hasDiagnosis, yearEnd, type QualityMeasure } from './measure.js';

/** Acquired absence of both breasts, or of the left and the right: nothing left to screen. */
const BILATERAL_MASTECTOMY = ['Z90.13'];

/** Women 50–74 with a screening mammogram in the 27 months ending 31 December. */
export const breastCancerScreening: QualityMeasure = {
  id: 'breast-cancer-screening',
  title: 'Breast cancer screening',
  inverse: false,
  definition:
    'Denominator: women aged 50 to 74 on 31 December of the year, enrolled at least 11 months of it. ' +
    'Exclusion: a bilateral mastectomy (ICD-10-CM Z90.13) recorded on or before 31 December. ' +
    'Numerator: a screening mammogram (CPT 77067) from 1 October two years before the year to 31 December of the year (27 months).',
  evaluate(person, year) {
    if (person.sex !== 'female' || !person.birthDate || !enrolled(person, year)) return { in: false };
    const age = ageOn(person.birthDate, yearEnd(year));
    if (age < 50 || age > 74) return { in: false };
    if (hasDiagnosis(person, BILATERAL_MASTECTOMY, yearEnd(year))) return { in: true, excluded: 'bilateral mastectomy' };
    const from = `${year - 2}-10-01`;
    return { in: true, numerator: person.mammograms.some((d) => d >= from && d <= yearEnd(year)) };
  },
};
