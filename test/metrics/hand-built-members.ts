import type { Claim, CoverageSpan, Stay } from '../../src/metrics/cost-utilization.js';

/**
 * Three hand-built members in 2025, results worked out by hand:
 * - Ann: commercial all year (12 member-months).
 * - Bob: Medicaid January to June (6), then commercial from 1 July (6).
 * - Cy: Medicare from 20 March (covered on the 15th of April onwards: 9 member-months).
 * Commercial = 12 + 6 = 18, Medicaid = 6, Medicare = 9, all = 33 member-months.
 */
export const coverage: CoverageSpan[] = [
  { person: 'ann', segment: 'commercial', start: '2024-01-01' },
  { person: 'bob', segment: 'medicaid', start: '2024-06-01', end: '2025-06-30' },
  { person: 'bob', segment: 'commercial', start: '2025-07-01' },
  { person: 'cy', segment: 'medicare', start: '2025-03-20' },
];
export const claims: Claim[] = [
  { person: 'ann', date: '2025-02-03', category: 'professional', paid: 90, allowed: 120 },
  { person: 'ann', date: '2025-05-10', category: 'inpatient', paid: 9_000, allowed: 10_000 },
  { person: 'bob', date: '2025-03-01', category: 'ed', paid: 600, allowed: 800 }, // Medicaid month
  { person: 'bob', date: '2025-08-01', category: 'pharmacy', paid: 30, allowed: 40 }, // commercial month
  { person: 'cy', date: '2025-03-01', category: 'professional', paid: 500, allowed: 700 }, // before coverage: no denominator, not counted
  { person: 'cy', date: '2025-10-01', category: 'outpatient', paid: 810, allowed: 900 },
];
export const stays: Stay[] = [
  { person: 'ann', kind: 'inpatient', admit: '2025-05-10', discharge: '2025-05-14' },
  { person: 'ann', kind: 'inpatient', admit: '2025-06-01', discharge: '2025-06-03' }, // 18 days later: a readmission
  { person: 'ann', kind: 'inpatient', admit: '2025-09-01', discharge: '2025-09-02' }, // 90 days later: not one
  { person: 'bob', kind: 'ed', admit: '2025-03-01', discharge: '2025-03-01' },
];
