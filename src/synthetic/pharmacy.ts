/**
 * Maintenance prescriptions filled every ~90 days, so pharmacy claims (and
 * adherence-style measures) have a steady stream per treated condition.
 */
import { DRUG_INDICATION, type DrugKey } from './codes.js';
import { has } from './conditions.js';
import { LAST_DAY } from './dates.js';
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
};

export function planFills(rng: Rng, conditions: readonly ChronicCondition[], firstDay: number, adherence: Rng): PharmacyFill[] {
  const fills: PharmacyFill[] = [];
  for (const drug of Object.keys(DRUG_INDICATION) as DrugKey[]) {
    const roll = rng.next();
    const startOffset = rng.int(0, 60);
    let condition = has(conditions, DRUG_INDICATION[drug]);
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
