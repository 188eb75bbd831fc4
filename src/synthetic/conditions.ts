/**
 * Which problem-list conditions a person has, and whether each was already
 * known before the window (prevalent) or first diagnosed inside it.
 * Prevalences follow the brief: diabetes ~10% of adults, hypertension ~30%
 * of adults 40+, and small but non-empty sensitive categories.
 */
import type { ChronicKey } from './codes.js';
import { LAST_DAY, ageOnDay, toWeekday } from './dates.js';
import type { ChronicCondition, Demographics } from './plan.js';
import type { Rng } from './prng.js';

function prevalence(key: ChronicKey, age: number, female: boolean): number {
  switch (key) {
    case 'diabetes':
      return age < 18 ? 0 : age < 45 ? 0.03 : age < 65 ? 0.12 : 0.2;
    case 'hypertension':
      return age < 30 ? 0 : age < 40 ? 0.06 : age < 60 ? 0.22 : 0.38;
    case 'oud':
      return age < 18 ? 0 : age < 65 ? 0.025 : 0.006;
    case 'alcohol':
      return age < 18 ? 0 : 0.02;
    case 'hiv':
      return age < 18 ? 0 : 0.005;
    case 'mdd':
    case 'gad':
      return age < 12 ? 0 : 0.08;
    case 'pregnancy':
      return female && age >= 18 && age <= 45 ? 0.03 : 0;
    case 'chlamydia':
      return female && age >= 18 && age <= 45 ? 0.02 : 0;
  }
}

const ORDER: readonly ChronicKey[] = ['diabetes', 'hypertension', 'oud', 'alcohol', 'hiv', 'mdd', 'gad', 'pregnancy', 'chlamydia'];

export function planConditions(rng: Rng, demo: Demographics, firstDay: number, forced: readonly ChronicKey[] = []): ChronicCondition[] {
  const age = ageOnDay(demo.birthDate, LAST_DAY);
  const female = demo.gender === 'female';
  const out: ChronicCondition[] = [];
  for (const key of ORDER) {
    // Always draw, so one condition's outcome never shifts the next one's draw.
    const roll = rng.next();
    const when = rng.next();
    const incident = rng.next();
    const force = forced.includes(key);
    if (!force && roll >= prevalence(key, age, female)) continue;
    const room = LAST_DAY - firstDay;
    if (key === 'pregnancy') {
      if (room < 60) continue;
      // A steered pregnancy ends inside the window so the delivery admission exists too.
      const start = toWeekday(firstDay + Math.floor(when * (force ? Math.max(1, room - 250) : room - 30)), firstDay, LAST_DAY);
      const delivery = start + 200 + Math.floor(incident * 21);
      out.push(delivery <= LAST_DAY ? { key, diagnosedDay: start, resolvedDay: delivery } : { key, diagnosedDay: start });
    } else if (key === 'chlamydia') {
      if (room < 30) continue;
      const day = toWeekday(firstDay + Math.floor(when * (room - 14)), firstDay, LAST_DAY);
      out.push({ key, diagnosedDay: day, resolvedDay: day + 14 });
    } else if (incident < 0.15 && room > 90) {
      // Diagnoses are made at clinic visits, which happen on weekdays.
      out.push({ key, diagnosedDay: toWeekday(firstDay + 14 + Math.floor(when * (room - 60)), firstDay, LAST_DAY) });
    } else {
      out.push({ key });
    }
  }
  return out;
}

/** Long-term problems that keep being managed at visits (unlike pregnancy or an infection). */
export const ONGOING: readonly ChronicKey[] = ['diabetes', 'hypertension', 'oud', 'alcohol', 'hiv', 'mdd', 'gad'];

export function isActive(c: ChronicCondition, day: number): boolean {
  return (c.diagnosedDay ?? -Infinity) <= day && day <= (c.resolvedDay ?? Infinity);
}

export function has(conditions: readonly ChronicCondition[], key: ChronicKey): ChronicCondition | undefined {
  return conditions.find((c) => c.key === key);
}
