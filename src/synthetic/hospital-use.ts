/**
 * Emergency visits, admissions (with 30-day readmissions) and screening
 * mammography: the hospital side of a person's year. Rates follow the brief:
 * ~15% of people a year in the ED, ~6% admitted, ~15% of stays readmitted.
 */
import { HOSPITALS, cliniciansAt, type HospitalId } from './catalog.js';
import { ADMIT_CPT, type AcuteKey, DISPOSITIONS, type DispositionCode, ED_CPT } from './codes.js';
import { has } from './conditions.js';
import { LAST_DAY, WINDOW_YEARS, ageOnDay, dayOfYearStart, toWeekday } from './dates.js';
import type { ChronicCondition, Demographics, EdVisit, InpatientStay, Mammography } from './plan.js';
import type { Rng, Weighted } from './prng.js';

export interface HospitalContext {
  rng: Rng;
  demo: Demographics;
  firstDay: number;
  homeHospital: HospitalId;
  conditions: readonly ChronicCondition[];
  /** Steered person: guarantee an admission followed by a readmission. */
  forceReadmission?: boolean;
}

function otherHospital(h: HospitalId): HospitalId {
  return HOSPITALS.find((x) => x !== h) ?? h;
}

function pickHospital(rng: Rng, home: HospitalId, homeShare: number): HospitalId {
  return rng.chance(homeShare) ? home : otherHospital(home);
}

function edRate(age: number): number {
  return age < 5 ? 0.2 : age < 18 ? 0.1 : age < 45 ? 0.15 : age < 65 ? 0.14 : age < 75 ? 0.17 : 0.25;
}

function admitRate(age: number): number {
  return age < 18 ? 0.02 : age < 45 ? 0.035 : age < 65 ? 0.06 : age < 75 ? 0.11 : 0.18;
}

function edReason(rng: Rng, age: number, conditions: readonly ChronicCondition[]): AcuteKey | 'oud' | 'alcohol' {
  if (has(conditions, 'oud') && rng.chance(0.3)) return rng.chance(0.5) ? 'opioidOverdose' : 'oud';
  if (has(conditions, 'alcohol') && rng.chance(0.3)) return 'alcohol';
  if (age < 18) {
    return rng.weighted<AcuteKey>([
      ['uri', 20],
      ['asthma', 15],
      ['laceration', 20],
      ['ankleSprain', 15],
      ['gastroenteritis', 15],
      ['otitis', 15],
    ]);
  }
  return rng.weighted<AcuteKey>([
    ['chestPain', age >= 40 ? 20 : 8],
    ['abdominalPain', 18],
    ['ankleSprain', 10],
    ['laceration', 10],
    ['uti', 10],
    ['headache', 10],
    ['gastroenteritis', 8],
    ['uri', 6],
    ['asthma', 4],
  ]);
}

function admitReason(rng: Rng, age: number, conditions: readonly ChronicCondition[]): AcuteKey | 'alcohol' {
  const items: [AcuteKey | 'alcohol', number][] = [
    ['pneumonia', 20],
    ['sepsis', 12],
    ['aki', 8],
    ['appendicitis', age < 50 ? 15 : 4],
    ['heartFailure', age >= 60 ? 20 : 2],
    ['nstemi', age >= 45 ? 10 : 1],
    ['copd', age >= 55 ? 10 : 1],
    ['afib', age >= 60 ? 8 : 1],
  ];
  if (has(conditions, 'diabetes')) items.push(['hyperglycemia', 15]);
  if (has(conditions, 'oud')) items.push(['opioidOverdose', 15]);
  if (has(conditions, 'alcohol')) items.push(['alcohol', 10]);
  return rng.weighted(items);
}

function losWeights(): Weighted<number> {
  return [
    [1, 12],
    [2, 20],
    [3, 20],
    [4, 15],
    [5, 10],
    [6, 8],
    [7, 6],
    [8, 4],
    [9, 3],
    [10, 2],
  ];
}

function disposition(rng: Rng): DispositionCode {
  return rng.weighted(DISPOSITIONS.map(([code, , w]) => [code, w] as const));
}

function stay(rng: Rng, day: number, los: number, hospital: HospitalId, dx: InpatientStay['dx'], readmission: boolean): InpatientStay {
  return {
    kind: 'inpatient',
    day,
    los,
    hospital,
    practitioner: rng.pick(cliniciansAt(hospital, ['hospitalist'])).id,
    admitCpt: rng.weighted(ADMIT_CPT),
    dx,
    disposition: disposition(rng),
    readmission,
  };
}

export function planInpatient(ctx: HospitalContext): InpatientStay[] {
  const { rng, demo, conditions } = ctx;
  const stays: InpatientStay[] = [];
  const overlaps = (from: number, to: number): boolean => stays.some((s) => from <= s.day + s.los && s.day <= to);
  const pregnancy = has(conditions, 'pregnancy');
  if (pregnancy?.resolvedDay !== undefined) {
    const los = rng.int(1, 3);
    const admit = pregnancy.resolvedDay;
    if (admit + los <= LAST_DAY) stays.push({ ...stay(rng, admit, los, ctx.homeHospital, 'delivery', false), disposition: 'home' });
  }
  const diabetic = has(conditions, 'diabetes') !== undefined;
  if (ctx.forceReadmission) {
    const admit = Math.max(ctx.firstDay, rng.int(60, 300));
    const age = ageOnDay(demo.birthDate, admit);
    stays.push(stay(rng, admit, 3, ctx.homeHospital, admitReason(rng, age, conditions), false));
    stays.push(stay(rng, admit + 3 + rng.int(5, 25), rng.int(2, 5), ctx.homeHospital, admitReason(rng, age, conditions), true));
  }
  for (const year of WINDOW_YEARS) {
    const yStart = Math.max(ctx.firstDay, dayOfYearStart(year));
    const yEnd = Math.min(LAST_DAY - 1, dayOfYearStart(year + 1) - 1);
    if (yStart > yEnd) continue;
    const age = ageOnDay(demo.birthDate, yStart);
    const roll = rng.next();
    const admit = rng.int(yStart, yEnd);
    const los = Math.min(rng.weighted(losWeights()), LAST_DAY - admit);
    const hospital = pickHospital(rng, ctx.homeHospital, 0.85);
    const dx = admitReason(rng, age, conditions);
    if (roll >= admitRate(age) * (diabetic ? 1.5 : 1) || los < 1 || overlaps(admit, admit + los)) continue;
    const index = stay(rng, admit, los, hospital, dx, false);
    stays.push(index);
    const discharge = admit + los;
    if (rng.chance(0.15)) {
      const readmit = discharge + rng.int(1, 30);
      const los2 = Math.min(rng.int(1, 7), LAST_DAY - readmit);
      if (los2 >= 1 && !overlaps(readmit, readmit + los2)) {
        const where = pickHospital(rng, hospital, 0.8);
        stays.push(stay(rng, readmit, los2, where, admitReason(rng, age, conditions), true));
      }
    }
  }
  return stays.sort((a, b) => a.day - b.day);
}

export function planEd(ctx: HospitalContext): EdVisit[] {
  const { rng, demo, conditions } = ctx;
  const risky = has(conditions, 'oud') || has(conditions, 'alcohol') ? 2 : 1;
  const out: EdVisit[] = [];
  for (const year of WINDOW_YEARS) {
    const yStart = Math.max(ctx.firstDay, dayOfYearStart(year));
    const yEnd = Math.min(LAST_DAY, dayOfYearStart(year + 1) - 1);
    if (yStart > yEnd) continue;
    const age = ageOnDay(demo.birthDate, yStart);
    const roll = rng.next();
    const count = rng.weighted([
      [1, 80],
      [2, 15],
      [3, 5],
    ]);
    if (roll >= edRate(age) * risky) continue;
    for (const day of rng.distinctInts(count, yStart, yEnd)) {
      const hospital = pickHospital(rng, ctx.homeHospital, 0.85);
      out.push({
        kind: 'ed',
        day,
        hospital,
        practitioner: rng.pick(cliniciansAt(hospital, ['emergency'])).id,
        cpt: rng.weighted(ED_CPT),
        dx: edReason(rng, ageOnDay(demo.birthDate, day), conditions),
      });
    }
  }
  return out;
}

export function planMammography(ctx: HospitalContext): Mammography[] {
  const { rng, demo } = ctx;
  const roll = rng.next();
  const candidate = toWeekday(rng.int(ctx.firstDay, LAST_DAY), ctx.firstDay, LAST_DAY);
  const again = rng.next();
  const gap = rng.int(365, 420);
  if (demo.gender !== 'female' || roll >= 0.6) return [];
  const eligible = (day: number): boolean => {
    const age = ageOnDay(demo.birthDate, day);
    return age >= 50 && age <= 74;
  };
  const days = [candidate];
  if (again < 0.2 && candidate + gap <= LAST_DAY) days.push(toWeekday(candidate + gap, candidate, LAST_DAY));
  const hospital = ctx.homeHospital;
  return days.filter(eligible).map((day) => ({
    kind: 'mammography',
    day,
    hospital,
    practitioner: rng.pick(cliniciansAt(hospital, ['radiology'])).id,
  }));
}
