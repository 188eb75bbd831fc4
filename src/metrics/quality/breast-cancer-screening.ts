import { ageOn } from '../person.js';
import { addMonths, dayAfter, diagnosesOf, enrolled, refsOf, within, type QualityMeasure } from './measure.js';

/** Acquired absence of both breasts, or of the left and the right: nothing left to screen. */
const BILATERAL_MASTECTOMY = ['Z90.13'];

/** From 1 October two years before a calendar period: the 27 months ending on the period's end. */
const lookback = (end: string) => ({ start: dayAfter(addMonths(end, -27)), end });

/** Women 50–74 with a screening mammogram in the 27 months ending on the period's last day. */
export const breastCancerScreening: QualityMeasure = {
  id: 'breast-cancer-screening',
  title: 'Breast cancer screening',
  inverse: false,
  definition:
    'Denominator: women aged 50 to 74 on the last day of the measurement period (31 December), enrolled at least 11 months of it. ' +
    'Exclusion: a bilateral mastectomy (ICD-10-CM Z90.13) recorded on or before the last day. ' +
    'Numerator: a screening mammogram (CPT 77067) in the 27 months ending on the last day (from 1 October two years before).',
  evaluate(person, period) {
    if (person.sex !== 'female' || !person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 50 || age > 74) return { in: false };
    if (diagnosesOf(person, BILATERAL_MASTECTOMY, period.end).length > 0) return { in: true, excluded: 'bilateral mastectomy' };
    return { in: true, numerator: person.mammograms.some((m) => within(m.date, lookback(period.end))) };
  },
  evidence(person, period) {
    return [...refsOf(diagnosesOf(person, BILATERAL_MASTECTOMY, period.end)), ...refsOf(person.mammograms.filter((m) => within(m.date, lookback(period.end))))];
  },
};
