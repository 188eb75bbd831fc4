import { ageOn } from '../person.js';
import { frailtyExclusion, hospice } from './exclusions.js';
import { diagnosesOf, enrolled, latestIn, refsOf, type QualityMeasure } from './measure.js';

/** Type 1, type 2 and other specified diabetes. */
const DIABETES = ['E10', 'E11', 'E13'];

/**
 * HbA1c poor control (> 9%), ≈ CMS122. Inverse: the numerator is the bad outcome. As in HEDIS, a
 * person with no test in the period counts as poorly controlled, so missing care never flatters a rate.
 */
export const hba1cPoorControl: QualityMeasure = {
  id: 'hba1c-poor-control',
  title: 'Hemoglobin A1c poor control (> 9%)',
  inverse: true,
  definition:
    'Denominator: people aged 18 to 75 on the last day of the measurement period (31 December) with diabetes (ICD-10-CM E10, E11, E13) diagnosed on or before it, enrolled at least 11 months. ' +
    'Exclusions, following CMS122 (eCQM Diabetes: Hemoglobin A1c Poor Control) and its Hospice and AdvancedIllnessandFrailty libraries: ' +
    'hospice care in the period (a hospice service or encounter, HCPCS Q5001-Q5010, S9126, T2042-T2046, CPT 99377-99378, SNOMED CT 385763009, or an inpatient discharge to hospice); ' +
    'aged 66 or older with frailty in the period (a frailty diagnosis such as R54, R26, W19, Z74.0, Z99.3, Z91.81, L89, or a frailty encounter or device on a claim) and an advanced illness in the period or the year before (such as C25, C71, G30, I50, J43, K70.3, N18.5, N18.6). ' +
    'Dementia medications and long-term nursing-home residence, which CMS122 also counts, are not read. ' +
    'Numerator (lower is better): the last HbA1c result (LOINC 4548-4) in the period is above 9.0%, or there is no result in the period.',
  evaluate(person, period) {
    if (!person.birthDate || !enrolled(person, period)) return { in: false };
    const age = ageOn(person.birthDate, period.end);
    if (age < 18 || age > 75 || diagnosesOf(person, DIABETES, period.end).length === 0) return { in: false };
    const excluded = hospice(person, period) ?? frailtyExclusion(person, period);
    if (excluded) return { in: true, excluded: excluded.reason };
    const last = latestIn(person.hba1c, period);
    return { in: true, numerator: last === undefined || last.percent > 9 };
  },
  evidence(person, period) {
    const diabetes = refsOf(diagnosesOf(person, DIABETES, period.end));
    const excluded = hospice(person, period) ?? frailtyExclusion(person, period);
    if (excluded) return [...diabetes, ...refsOf(excluded.facts)];
    const last = latestIn(person.hba1c, period);
    return [...diabetes, ...refsOf(last ? [last] : [])];
  },
};
