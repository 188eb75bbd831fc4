/**
 * Vaccines given at the person's clinic, following the CDC adult and child
 * schedules loosely: influenza each autumn (uptake by age, near CDC FluVaxView
 * coverage), a pneumococcal conjugate once at 65+, Tdap every ten years, and
 * recombinant zoster from 50. CVX codes.
 */
import { WINDOW_YEARS, ageOnDay, dayOfYearStart, toWeekday } from './dates.js';
import type { Rng } from './prng.js';

export type VaccineKey = 'influenza' | 'pcv20' | 'tdap' | 'zoster';

export const VACCINES: Readonly<Record<VaccineKey, readonly [string, string]>> = {
  influenza: ['150', 'Influenza, injectable, quadrivalent, preservative free'],
  pcv20: ['216', 'Pneumococcal conjugate vaccine 20-valent (PCV20), polysaccharide CRM197 conjugate'],
  tdap: ['115', 'Tetanus toxoid, reduced diphtheria toxoid, and acellular pertussis vaccine, adsorbed'],
  zoster: ['187', 'Zoster vaccine recombinant'],
};

export interface PlannedImmunization {
  vaccine: VaccineKey;
  day: number;
}

function fluUptake(age: number): number {
  if (age < 1) return 0;
  if (age < 18) return 0.5;
  if (age < 50) return 0.33;
  if (age < 65) return 0.45;
  return 0.7;
}

/** Offices the person attends in the season (Sep-Dec) get the shot; otherwise a nurse visit in October. */
export function planImmunizations(rng: Rng, birthDate: string, firstDay: number, officeDays: readonly number[]): PlannedImmunization[] {
  const out: PlannedImmunization[] = [];
  for (const year of WINDOW_YEARS) {
    const seasonStart = dayOfYearStart(year) + 243; // ~1 September
    const seasonEnd = dayOfYearStart(year + 1) - 1;
    const roll = rng.next();
    const nurseDay = toWeekday(seasonStart + 30 + rng.int(0, 40), seasonStart, seasonEnd);
    if (nurseDay < firstDay || roll >= fluUptake(ageOnDay(birthDate, nurseDay))) continue;
    const atVisit = officeDays.find((d) => d >= seasonStart && d <= seasonEnd);
    out.push({ vaccine: 'influenza', day: atVisit ?? nurseDay });
  }
  const someDay = Math.max(firstDay, toWeekday(dayOfYearStart(WINDOW_YEARS[0]) + rng.int(20, 700), firstDay, dayOfYearStart(WINDOW_YEARS[1] + 1) - 1));
  const age = ageOnDay(birthDate, someDay);
  const visit = officeDays.find((d) => Math.abs(d - someDay) < 60) ?? someDay;
  if (age >= 65 && rng.chance(0.3)) out.push({ vaccine: 'pcv20', day: visit });
  if (age >= 11 && rng.chance(0.12)) out.push({ vaccine: 'tdap', day: visit });
  if (age >= 50 && rng.chance(0.15)) out.push({ vaccine: 'zoster', day: visit });
  return out.sort((a, b) => a.day - b.day);
}
