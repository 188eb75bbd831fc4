/**
 * The prescriptions behind the pharmacy fills: one course per drug a person
 * fills, written by their PCP a few days before the first fill. A course whose
 * last fill runs out before the window ends was stopped.
 */
import { type DrugKey, SPECIALIST_PRESCRIBED } from './codes.js';
import { LAST_DAY } from './dates.js';
import type { PlannedEvent } from './plan.js';

export interface MedicationCourse {
  drug: DrugKey;
  firstFill: number;
  lastFill: number;
  fills: number;
  status: 'active' | 'stopped';
}

/** A 90-day supply with a fortnight's grace: later than that without a refill, the course has stopped. */
const SUPPLY_DAYS = 90;
const GRACE_DAYS = 14;

export const DOSAGE: Readonly<Record<DrugKey, { text: string; perDay: number; timesPerDay: number; form: 'tablet' | 'mL'; weekly?: true }>> = {
  metformin: { text: 'Take 1 tablet (500 mg) by mouth twice daily with meals', perDay: 2, timesPerDay: 2, form: 'tablet' },
  lisinopril: { text: 'Take 1 tablet (10 mg) by mouth once daily', perDay: 1, timesPerDay: 1, form: 'tablet' },
  sertraline: { text: 'Take 1 tablet (50 mg) by mouth once daily', perDay: 1, timesPerDay: 1, form: 'tablet' },
  buprenorphine: { text: 'Dissolve 2 tablets (16 mg / 4 mg) under the tongue once daily', perDay: 2, timesPerDay: 1, form: 'tablet' },
  atorvastatin: { text: 'Take 1 tablet (20 mg) by mouth once daily at bedtime', perDay: 1, timesPerDay: 1, form: 'tablet' },
  insulinGlargine: { text: 'Inject 30 units under the skin once daily at bedtime', perDay: 0.3, timesPerDay: 1, form: 'mL' },
  biktarvy: { text: 'Take 1 tablet by mouth once daily', perDay: 1, timesPerDay: 1, form: 'tablet' },
  semaglutide: { text: 'Inject 1 mg under the skin once weekly', perDay: 0.1, timesPerDay: 1, form: 'mL', weekly: true },
  adalimumab: { text: 'Inject 40 mg under the skin every other week', perDay: 1 / 14, timesPerDay: 1, form: 'mL' },
};

export function medicationCourses(events: readonly PlannedEvent[]): MedicationCourse[] {
  const byDrug = new Map<DrugKey, MedicationCourse>();
  for (const e of events) {
    if (e.kind !== 'fill' || SPECIALIST_PRESCRIBED.has(e.drug)) continue;
    const c = byDrug.get(e.drug);
    if (!c) byDrug.set(e.drug, { drug: e.drug, firstFill: e.day, lastFill: e.day, fills: 1, status: 'active' });
    else {
      c.lastFill = Math.max(c.lastFill, e.day);
      c.firstFill = Math.min(c.firstFill, e.day);
      c.fills += 1;
    }
  }
  const courses = [...byDrug.values()];
  for (const c of courses) c.status = c.lastFill + SUPPLY_DAYS + GRACE_DAYS < LAST_DAY ? 'stopped' : 'active';
  return courses;
}
