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
};

export function planFills(rng: Rng, conditions: readonly ChronicCondition[], firstDay: number): PharmacyFill[] {
  const fills: PharmacyFill[] = [];
  for (const drug of Object.keys(DRUG_INDICATION) as DrugKey[]) {
    const roll = rng.next();
    const startOffset = rng.int(0, 60);
    let condition = has(conditions, DRUG_INDICATION[drug]);
    // Anxiety is also treated with sertraline when there is no depression diagnosis.
    if (!condition && drug === 'sertraline') condition = has(conditions, 'gad');
    if (!condition || roll >= UPTAKE[drug]) continue;
    const start = condition.diagnosedDay ?? firstDay + startOffset;
    const stop = Math.min(LAST_DAY, condition.resolvedDay ?? LAST_DAY);
    for (let day = start; day <= stop; day += rng.int(85, 95)) fills.push({ kind: 'fill', day, drug });
  }
  return fills;
}
