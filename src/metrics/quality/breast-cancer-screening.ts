import { ageOn } from '../person.js';
import type { PersonFacts } from '../person.js';
import { bilateralMastectomy, frailtyExclusion, hospice, type Exclusion } from './exclusions.js';
import { addMonths, dayAfter, enrolled, refsOf, within, type MeasurementPeriod, type QualityMeasure } from './measure.js';

/** From 1 October two years before a calendar period: the 27 months ending on the period's end. */
const lookback = (end: string) => ({ start: dayAfter(addMonths(end, -27)), end });

/** Women 52–74 with a screening mammogram in the 27 months ending on the period's last day (≈ CMS125). */
export const breastCancerScreening: QualityMeasure = {
  id: 'breast-cancer-screening',
  title: 'Breast cancer screening',
  inverse: false,
  definition:
    'Denominator (CMS125v12 and later): women aged 52 to 74 on the last day of the measurement period (31 December), enrolled at least 11 months of it. ' +
    'Exclusions, following CMS125 (eCQM Breast Cancer Screening) and its Hospice and AdvancedIllnessandFrailty libraries: ' +
    'hospice care in the period (a hospice service or encounter, HCPCS Q5001-Q5010, S9126, T2042-T2046, CPT 99377-99378, SNOMED CT 385763009, or an inpatient discharge to hospice); ' +
    'a bilateral mastectomy on or before the last day (history of bilateral mastectomy ICD-10-CM Z90.13, ICD-10-PCS 0HTV0ZZ, a mastectomy CPT 19303, 19305-19307 with a bilateral site or modifier 50, ' +
    'evidence of both the left side (Z90.12, 0HTU0ZZ, or a mastectomy on the left) and the right (Z90.11, 0HTT0ZZ, or on the right), or two mastectomies of unrecorded side 14 or more days apart as HEDIS counts them); ' +
    'aged 66 or older with frailty in the period (a frailty diagnosis such as R54, R26, W19, Z74.0, Z99.3, Z91.81, L89, or a frailty encounter or device on a claim) and an advanced illness in the period or the year before (such as C25, C71, G30, I50, J43, K70.3, N18.5, N18.6). ' +
    'Dementia medications and long-term nursing-home residence, which CMS125 also counts, are not read. ' +
    'Numerator: a screening mammogram (CPT 77067) in the 27 months ending on the last day (from 1 October two years before).',
  evaluate(person, period) {
    if (person.sex !== 'female' || !person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 52 || age > 74) return { in: false };
    const excluded = exclusionOf(person, period);
    if (excluded) return { in: true, excluded: excluded.reason };
    return { in: true, numerator: person.mammograms.some((m) => within(m.date, lookback(period.end))) };
  },
  evidence(person, period) {
    const excluded = exclusionOf(person, period);
    if (excluded) return refsOf(excluded.facts);
    return refsOf(person.mammograms.filter((m) => within(m.date, lookback(period.end))));
  },
};

function exclusionOf(person: PersonFacts, period: MeasurementPeriod): Exclusion | undefined {
  return hospice(person, period) ?? bilateralMastectomy(person, period.end) ?? frailtyExclusion(person, period);
}
