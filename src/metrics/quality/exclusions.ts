import { ageOn, type PersonFacts } from '../person.js';
import * as codes from './codes.js';
import { addMonths, dayBefore, diagnosesOf, type MeasurementPeriod, within } from './measure.js';

/**
 * The denominator exclusions the eCQMs share (CMS125, CMS122, CMS165), as pure functions of a
 * person's facts. Each answers with the facts that decided it, empty when it does not apply, so a
 * measure's evidence lists exactly the records behind an exclusion.
 */
type Fact = { date: string; ref?: string };

/** An exclusion that applies: the reason a measure reports, and the facts behind it. */
export interface Exclusion {
  reason: string;
  facts: Fact[];
}

const has = (list: readonly string[]) => {
  const set = new Set(list);
  return (code: string) => set.has(code);
};
const isHospice = has(codes.HOSPICE_SERVICES);
const isFrailtyService = has(codes.FRAILTY_SERVICES);
const isBilateralProcedure = has(codes.BILATERAL_MASTECTOMY_PROCEDURES);
const isLeftProcedure = has(codes.LEFT_MASTECTOMY_PROCEDURES);
const isRightProcedure = has(codes.RIGHT_MASTECTOMY_PROCEDURES);
const isUnilateral = has(codes.UNILATERAL_MASTECTOMY_PROCEDURES);
const onLeft = has(codes.LEFT_SITES);
const onRight = has(codes.RIGHT_SITES);
const onBoth = has(codes.BOTH_SITES);

/** Hospice: a hospice service, encounter or discharge to hospice dated in the period (Hospice library, "Has Hospice Services"). */
export function hospice(person: PersonFacts, period: MeasurementPeriod): Exclusion | undefined {
  const facts = person.services.filter((s) => isHospice(s.code) && within(s.date, period));
  return facts.length > 0 ? { reason: 'hospice', facts } : undefined;
}

/** Signs of frailty in the period: a frailty diagnosis or symptom, or a frailty encounter or device on a claim or procedure. */
export function frailty(person: PersonFacts, period: MeasurementPeriod): Fact[] {
  return [
    ...diagnosesOf(person, codes.FRAILTY_DIAGNOSES, period.end, period.start),
    ...person.services.filter((s) => isFrailtyService(s.code) && within(s.date, period)),
  ];
}

/** An advanced illness diagnosed in the period or the year before it (AdvancedIllnessandFrailty library). */
export function advancedIllness(person: PersonFacts, period: MeasurementPeriod): Fact[] {
  return diagnosesOf(person, codes.ADVANCED_ILLNESS_DIAGNOSES, period.end, addMonths(period.start, -12));
}

/**
 * Frailty with advanced illness, from age 66 on the period's last day (all three eCQMs). With
 * `frailtyAloneFrom` (CMS165: 81), frailty alone is enough from that age on.
 */
export function frailtyExclusion(person: PersonFacts, period: MeasurementPeriod, frailtyAloneFrom?: number): Exclusion | undefined {
  if (!person.birthDate) return undefined;
  const age = ageOn(person.birthDate, period.end);
  if (age < 66) return undefined;
  const frail = frailty(person, period);
  if (frail.length === 0) return undefined;
  if (frailtyAloneFrom !== undefined && age >= frailtyAloneFrom) return { reason: `frailty, aged ${frailtyAloneFrom} or older`, facts: frail };
  const ill = advancedIllness(person, period);
  return ill.length > 0 ? { reason: 'frailty with advanced illness', facts: [...frail, ...ill] } : undefined;
}

/** HEDIS BCS: two unilateral mastectomies of unrecorded side count as both breasts only 14 or more days apart (one surgery billed twice is not two). */
const DAYS_BETWEEN_UNILATERAL = 14;
const daysBetween = (a: string, b: string) => Math.abs(Date.parse(`${a.slice(0, 10)}T00:00:00Z`) - Date.parse(`${b.slice(0, 10)}T00:00:00Z`)) / 86_400_000;

/**
 * Bilateral mastectomy recorded on or before `onOrBefore` (CMS125): a history of bilateral
 * mastectomy (Z90.13) or a bilateral procedure; a unilateral one with a bilateral site or modifier;
 * evidence of the left (Z90.12, a left mastectomy) and of the right (Z90.11, a right one); or two
 * unilateral mastectomies of unrecorded side 14 or more days apart. One side alone is not enough.
 */
export function bilateralMastectomy(person: PersonFacts, onOrBefore: string): Exclusion | undefined {
  const services = person.services.filter((s) => s.date <= onOrBefore);
  const unilateral = services.filter((s) => isUnilateral(s.code));
  const both: Fact[] = [
    ...diagnosesOf(person, codes.BILATERAL_MASTECTOMY_DIAGNOSES, onOrBefore),
    ...services.filter((s) => isBilateralProcedure(s.code)),
    ...unilateral.filter((s) => s.site !== undefined && onBoth(s.site)),
  ];
  if (both.length > 0) return { reason: 'bilateral mastectomy', facts: both };
  const left: Fact[] = [
    ...diagnosesOf(person, codes.LEFT_MASTECTOMY_DIAGNOSES, onOrBefore),
    ...services.filter((s) => isLeftProcedure(s.code) || (isUnilateral(s.code) && s.site !== undefined && onLeft(s.site))),
  ];
  const right: Fact[] = [
    ...diagnosesOf(person, codes.RIGHT_MASTECTOMY_DIAGNOSES, onOrBefore),
    ...services.filter((s) => isRightProcedure(s.code) || (isUnilateral(s.code) && s.site !== undefined && onRight(s.site))),
  ];
  if (left.length > 0 && right.length > 0) return { reason: 'bilateral mastectomy', facts: [...left, ...right] };
  const unsided = unilateral.filter((s) => s.site === undefined || !(onLeft(s.site) || onRight(s.site)));
  for (const a of unsided)
    for (const b of unsided) if (daysBetween(a.date, b.date) >= DAYS_BETWEEN_UNILATERAL) return { reason: 'bilateral mastectomy', facts: [a, b] };
  return undefined;
}

/** The last day of the period's first six months (30 June of a calendar year). */
export const firstHalfEnd = (period: MeasurementPeriod) => dayBefore(addMonths(period.start, 6));

/**
 * Hypertension confirmed by outpatient visits with a hypertension diagnosis on at least two
 * different days, from the first day of the year before the period to the end of its first six
 * months: HEDIS CBP's two visits over the year before and the measurement year, cut at 30 June as
 * CMS165 cuts its diagnosis, so the denominator is known while there is time to treat. Answers
 * the visits in the window when there are two days, else nothing.
 */
export function confirmedHypertension(person: PersonFacts, period: MeasurementPeriod): Fact[] {
  const window = { start: addMonths(period.start, -12), end: firstHalfEnd(period) };
  const visits = person.visitDiagnoses.filter((v) => within(v.date, window) && codes.HYPERTENSION_DIAGNOSES.some((p) => v.code.startsWith(p)));
  return new Set(visits.map((v) => v.date)).size >= 2 ? visits : [];
}
