/**
 * Maintenance prescriptions filled every ~90 days, so pharmacy claims (and
 * adherence-style measures) have a steady stream per treated condition.
 */
import { DRUG_INDICATION, type DrugKey, isChronic } from './codes.js';
import { has } from './conditions.js';
import { LAST_DAY, ageOnDay } from './dates.js';
import type { ChronicCondition, PharmacyFill } from './plan.js';
import type { Rng } from './prng.js';

const UPTAKE: Readonly<Record<DrugKey, number>> = {
  metformin: 0.85,
  lisinopril: 0.8,
  sertraline: 0.6,
  buprenorphine: 0.5,
  // Statins for most adults with diabetes (ADA); basal insulin and a GLP-1 agonist for a minority.
  atorvastatin: 0.6,
  insulinGlargine: 0.3,
  semaglutide: 0.3,
  // Nearly everyone diagnosed with HIV is on antiretroviral therapy (CDC: ~90% of those in care).
  biktarvy: 0.9,
  adalimumab: 0, // planned by planSpecialtyFills: its indication is not on the region's problem lists
};

/** Chance a course is stopped inside the window (side effects, remission, a switch), after its second fill or later. */
const STOPS: Readonly<Record<DrugKey, number>> = {
  metformin: 0.08,
  lisinopril: 0.08,
  sertraline: 0.3,
  buprenorphine: 0.25,
  atorvastatin: 0.15,
  insulinGlargine: 0.1,
  semaglutide: 0.2,
  biktarvy: 0.05,
  adalimumab: 0.1,
};

export function planFills(rng: Rng, conditions: readonly ChronicCondition[], firstDay: number, adherence: Rng): PharmacyFill[] {
  const fills: PharmacyFill[] = [];
  for (const drug of Object.keys(DRUG_INDICATION) as DrugKey[]) {
    const roll = rng.next();
    const startOffset = rng.int(0, 60);
    const indication = DRUG_INDICATION[drug];
    if (!isChronic(indication)) continue;
    let condition = has(conditions, indication);
    // Anxiety is also treated with sertraline when there is no depression diagnosis.
    if (!condition && drug === 'sertraline') condition = has(conditions, 'gad');
    if (!condition || roll >= UPTAKE[drug]) continue;
    const start = condition.diagnosedDay ?? firstDay + startOffset;
    const stopsAfter = adherence.chance(STOPS[drug]) ? adherence.int(2, 6) : Infinity;
    const stop = Math.min(LAST_DAY, condition.resolvedDay ?? LAST_DAY);
    let n = 0;
    for (let day = start; day <= stop && n < stopsAfter; day += rng.int(85, 95), n++) fills.push({ kind: 'fill', day, drug });
  }
  return fills;
}

/**
 * Share of adults on a specialty biologic (adalimumab standing in for the class). Calibration:
 * about 1% of adults, which with 84-day fills near list price brings commercial pharmacy toward
 * HCCI's share (docs/synthetic-calibration.md). One claim per fill, so claims volume barely moves.
 */
export const SPECIALTY_SHARE = 0.012;

export function planSpecialtyFills(rng: Rng, birthDate: string, firstDay: number): PharmacyFill[] {
  const roll = rng.next();
  const start = firstDay + rng.int(0, 300);
  if (roll >= SPECIALTY_SHARE || ageOnDay(birthDate, start) < 18) return [];
  const fills: PharmacyFill[] = [];
  for (let day = start; day <= LAST_DAY; day += rng.int(82, 88)) fills.push({ kind: 'fill', day, drug: 'adalimumab' });
  return fills;
}
