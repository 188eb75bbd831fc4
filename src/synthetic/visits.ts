/**
 * Ambulatory E&M visits: 0-6 a year, mostly at the person's PCP clinic and
 * sometimes at one other clinic (so plurality attribution sees real
 * competition and ties). Visits also carry the vitals and labs taken there.
 */
import { cliniciansAt, type ClinicId } from './catalog.js';
import { type AcuteKey, type DxKey, ESTABLISHED_CPT, NEW_PATIENT_CPT } from './codes.js';
import { ONGOING, has, isActive } from './conditions.js';
import { LAST_DAY, WINDOW_YEARS, ageOnDay, dayOfYearStart, isoToDay, toWeekday } from './dates.js';
import type { ChronicCondition, Demographics, OfficeVisit } from './plan.js';
import type { Rng, Weighted } from './prng.js';

export interface VisitContext {
  rng: Rng;
  demo: Demographics;
  firstDay: number;
  pcpClinic: ClinicId;
  pcpPractitioner: string;
  secondaryClinic: ClinicId;
  conditions: readonly ChronicCondition[];
  /** Per-person glycaemic control: the centre of their HbA1c readings. */
  a1cCentre: number;
  /** Per-person blood pressure centre, [systolic, diastolic]. */
  bpCentre: readonly [number, number];
  /** Adult body weight in kg (children grow toward it). */
  adultKg: number;
}

const VISITS_BY_AGE: readonly (readonly [number, Weighted<number>])[] = [
  [
    2,
    [
      [0, 2],
      [1, 5],
      [2, 15],
      [3, 25],
      [4, 25],
      [5, 15],
      [6, 13],
    ],
  ],
  [
    18,
    [
      [0, 12],
      [1, 24],
      [2, 26],
      [3, 18],
      [4, 11],
      [5, 6],
      [6, 3],
    ],
  ],
  [
    45,
    [
      [0, 12],
      [1, 22],
      [2, 26],
      [3, 18],
      [4, 12],
      [5, 6],
      [6, 4],
    ],
  ],
  [
    65,
    [
      [0, 7],
      [1, 15],
      [2, 24],
      [3, 24],
      [4, 16],
      [5, 8],
      [6, 6],
    ],
  ],
  [
    200,
    [
      [0, 3],
      [1, 8],
      [2, 17],
      [3, 25],
      [4, 22],
      [5, 14],
      [6, 11],
    ],
  ],
];

/** Rough growth curve up to adulthood, then the person's own adult weight. */
function weightAt(ageYears: number, adultKg: number): number {
  const child = ageYears < 1 ? 3.5 + 6.5 * ageYears : ageYears < 13 ? 8 + 2.4 * ageYears : 39 + (ageYears - 13) * 6;
  return Math.min(adultKg, child * (adultKg / 80));
}

function acuteReason(rng: Rng, age: number): AcuteKey {
  if (age < 2)
    return rng.weighted<AcuteKey>([
      ['wellChild', 50],
      ['otitis', 25],
      ['uri', 25],
    ]);
  if (age < 18) {
    return rng.weighted<AcuteKey>([
      ['wellChild', 35],
      ['uri', 20],
      ['pharyngitis', 15],
      ['otitis', 10],
      ['cough', 10],
      ['asthma', 5],
      ['ankleSprain', 5],
    ]);
  }
  return rng.weighted<AcuteKey>([
    ['wellAdult', 30],
    ['uri', 15],
    ['backPain', 12],
    ['pharyngitis', 6],
    ['cough', 8],
    ['hyperlipidemia', age >= 40 ? 12 : 2],
    ['uti', 6],
    ['headache', 5],
    ['abdominalPain', 6],
  ]);
}

interface Fixed {
  day: number;
  dx: DxKey;
}

/** Visits the story requires: new diagnoses, prenatal care, the chlamydia visit. */
function fixedVisits(conditions: readonly ChronicCondition[]): Fixed[] {
  const out: Fixed[] = [];
  for (const c of conditions) {
    if (c.diagnosedDay === undefined) continue;
    if (c.key === 'pregnancy') {
      const end = Math.min(LAST_DAY, (c.resolvedDay ?? LAST_DAY + 10) - 10);
      for (let d = c.diagnosedDay; d <= end; d += 45) out.push({ day: toWeekday(d, c.diagnosedDay, end), dx: 'pregnancy' });
    } else {
      out.push({ day: c.diagnosedDay, dx: c.key });
    }
  }
  return out;
}

function spreadPick<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  const out: T[] = [];
  for (let i = 0; i < count; i++) {
    const item = items[Math.floor(((i + 0.5) * items.length) / count)];
    if (item !== undefined) out.push(item);
  }
  return out;
}

export function planOfficeVisits(ctx: VisitContext): OfficeVisit[] {
  const { rng, demo, conditions } = ctx;
  const fixed = fixedVisits(conditions);
  const diabetes = has(conditions, 'diabetes');
  const hypertension = has(conditions, 'hypertension');
  const visits: OfficeVisit[] = [];
  const seenAt = new Set<ClinicId>();
  const bornInWindow = ctx.firstDay > 0;
  if (!bornInWindow) seenAt.add(ctx.pcpClinic);

  for (const year of WINDOW_YEARS) {
    const yStart = Math.max(ctx.firstDay, dayOfYearStart(year));
    const yEnd = Math.min(LAST_DAY, dayOfYearStart(year + 1) - 1);
    if (yStart > yEnd) continue;
    const fraction = (yEnd - yStart + 1) / 365;
    const age = ageOnDay(demo.birthDate, yStart);
    const band = VISITS_BY_AGE.find(([limit]) => age < limit)?.[1] ?? [[0, 1]];
    const routine = Math.round(rng.weighted(band) * Math.min(1, fraction * 1.5));
    const a1cCount = diabetes && isActive(diabetes, yEnd) ? rng.int(2, 4) : 0;
    const anyOngoing = conditions.some((c) => ONGOING.includes(c.key) && isActive(c, yEnd));
    const yearFixed = fixed.filter((f) => f.day >= yStart && f.day <= yEnd);
    const total = Math.min(6, Math.max(routine, a1cCount, anyOngoing ? 1 : 0, yearFixed.length));
    const taken = new Set(yearFixed.map((f) => f.day));
    const extra: Fixed[] = [];
    for (const d of rng.distinctInts(Math.max(0, total - yearFixed.length), yStart, yEnd)) {
      const day = toWeekday(d, yStart, yEnd);
      if (taken.has(day)) continue;
      taken.add(day);
      extra.push({ day, dx: 'wellAdult' });
    }
    const planned = [...yearFixed.map((f) => ({ ...f, fixed: true })), ...extra.map((f) => ({ ...f, fixed: false }))].slice(0, 6).sort((a, b) => a.day - b.day);

    const yearVisits: OfficeVisit[] = [];
    // HbA1c is drawn at the PCP clinic, so enough of a diabetic's visits must be there.
    let labVisitsNeeded = a1cCount;
    for (const p of planned) {
      const ageNow = ageOnDay(demo.birthDate, p.day);
      const needsLab = diabetes !== undefined && isActive(diabetes, p.day) && labVisitsNeeded > 0;
      const clinic = p.fixed || needsLab || rng.chance(0.85) ? ctx.pcpClinic : ctx.secondaryClinic;
      if (needsLab && clinic === ctx.pcpClinic) labVisitsNeeded--;
      const atPcp = clinic === ctx.pcpClinic;
      let dx: DxKey = p.dx;
      if (!p.fixed) {
        const active = conditions.filter((c) => ONGOING.includes(c.key) && isActive(c, p.day));
        const chronicShare = atPcp ? 0.65 : 0.25;
        const chosen = active.length > 0 && rng.chance(chronicShare) ? rng.pick(active) : undefined;
        dx = chosen ? chosen.key : acuteReason(rng, ageNow);
      }
      const roster = cliniciansAt(clinic);
      const practitioner = atPcp && rng.chance(0.8) ? ctx.pcpPractitioner : rng.pick(roster).id;
      const isNew = !seenAt.has(clinic);
      seenAt.add(clinic);
      const cpt = rng.weighted(isNew ? NEW_PATIENT_CPT : ESTABLISHED_CPT);
      const visit: OfficeVisit = { kind: 'office', day: p.day, clinic, practitioner, cpt, dx };
      const hypertensive = hypertension !== undefined && isActive(hypertension, p.day);
      if (ageNow >= 18 && (hypertensive || rng.chance(0.8))) {
        const [s, d] = hypertensive ? ctx.bpCentre : [118, 76];
        const sys = Math.round(rng.normal(s, 7));
        visit.bp = [sys, Math.min(sys - 20, Math.round(rng.normal(d, 5)))];
      }
      const ageYears = (p.day - isoToDay(demo.birthDate)) / 365.25;
      visit.weightKg = Math.round(weightAt(ageYears, ctx.adultKg) * (1 + rng.normal(0, 0.01)) * 10) / 10;
      yearVisits.push(visit);
    }
    if (diabetes && a1cCount > 0) {
      const eligible = yearVisits.filter((v) => v.clinic === ctx.pcpClinic && isActive(diabetes, v.day));
      for (const v of spreadPick(eligible, a1cCount)) {
        v.hba1c = Math.round(Math.min(12, Math.max(5.5, rng.normal(ctx.a1cCentre, 0.45))) * 10) / 10;
      }
    }
    visits.push(...yearVisits);
  }
  return visits;
}
