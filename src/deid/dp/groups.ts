import type { Clipping } from '../../metrics/contributions.js';
import { QUALITY_MEASURES } from '../../metrics/quality/index.js';
import { SERVICE_CATEGORIES } from '../../metrics/tables.js';

/**
 * The quantities of a cell as differential privacy measures them: in groups of **parts**, each
 * person in at most one part, so that a numerator can never exceed its denominator and a sum
 * always equals its parts. A readmission rate is readmissions ÷ (readmissions + index stays not
 * followed by one): both parts are noised and made non-negative, so the rate stays in [0, 1].
 * Every published quantity of the group is a sum of its parts.
 */
export interface QuantityGroup {
  id: string;
  parts: readonly string[];
  /** Published quantity → the parts it adds up. */
  published: Readonly<Record<string, readonly string[]>>;
  /** Month-level (counted per covered month, also per quarter) or person-level (once a year). */
  monthly: boolean;
  /** Dollar sums, rounded to whole dollars before noise. */
  dollars: boolean;
  /** Also measured as one histogram of the sum of the parts (paid, besides its categories). */
  total?: string;
  /** The exact parts of a cell, from its tabulated values. */
  partsOf(values: Readonly<Record<string, number>>): number[];
  /**
   * Most that one person can add, in L1 over all parts and all cells of one table of one period:
   * the bound the clipping guarantees, before rounding.
   */
  bound(clip: Clipping): number;
}

const get = (values: Readonly<Record<string, number>>, q: string) => values[q] ?? 0;
const single = (id: string, monthly: boolean, bound: QuantityGroup['bound'], dollars = false): QuantityGroup => ({
  id,
  parts: [id],
  published: { [id]: [id] },
  monthly,
  dollars,
  partsOf: (v) => [get(v, id)],
  bound,
});

const NOT_READMITTED = 'index_admissions.not_readmitted';
const CATEGORIES = SERVICE_CATEGORIES.map((c) => `paid.${c}`);

export const QUANTITY_GROUPS: readonly QuantityGroup[] = [
  single('members', false, () => 1),
  // At most 12 covered months a year (and at most 3 in a quarter: see sensitivity()).
  single('member_months', true, () => 12),
  {
    id: 'paid',
    parts: CATEGORIES,
    published: { paid: CATEGORIES, ...Object.fromEntries(CATEGORIES.map((c) => [c, [c]])) },
    monthly: true,
    dollars: true,
    total: 'paid',
    partsOf: (v) => CATEGORIES.map((c) => get(v, c)),
    // Paid is clipped per person-year, its categories scaled down with it.
    bound: (clip) => clip.dollars,
  },
  single('allowed', true, (clip) => clip.dollars, true),
  single('admissions', true, (clip) => clip.admissions),
  single('ed_visits', true, (clip) => clip.edVisits),
  {
    id: 'readmissions',
    parts: [NOT_READMITTED, 'readmissions'],
    published: { index_admissions: [NOT_READMITTED, 'readmissions'], readmissions: ['readmissions'] },
    monthly: true,
    dollars: false,
    partsOf: (v) => [get(v, 'index_admissions') - get(v, 'readmissions'), get(v, 'readmissions')],
    // Index stays are clipped with admissions.
    bound: (clip) => clip.admissions,
  },
  ...QUALITY_MEASURES.map((m): QuantityGroup => ({
    id: m.id,
    parts: [`${m.id}.not_met`, `${m.id}.numerator`, `${m.id}.exclusions`],
    published: {
      [`${m.id}.denominator`]: [`${m.id}.not_met`, `${m.id}.numerator`],
      [`${m.id}.numerator`]: [`${m.id}.numerator`],
      [`${m.id}.exclusions`]: [`${m.id}.exclusions`],
    },
    monthly: false,
    dollars: false,
    partsOf: (v) => [get(v, `${m.id}.denominator`) - get(v, `${m.id}.numerator`), get(v, `${m.id}.numerator`), get(v, `${m.id}.exclusions`)],
    // A person is excluded, or in the denominator (met or not): exactly one part, once a year.
    bound: () => 1,
  })),
];

/**
 * L2 sensitivity of one histogram: how far one person can move the vector of every noised value
 * of one table of one period, after clipping. Contributions are non-negative, so L2 ≤ L1; member-
 * months per quarter are tighter (at most 3 in each of 4 quarters: √(4 · 3²) = 6). Dollars are
 * rounded to whole dollars before noise, which can move each of the `touched` values a person is
 * in by up to 1 more: hence + √touched.
 */
export function sensitivity(group: QuantityGroup, clip: Clipping, table: { quarterly: boolean; segments: boolean }, kind: 'parts' | 'total'): number {
  const l1 = group.bound(clip);
  const l2 = group.id === 'member_months' && table.quarterly ? 6 : l1;
  if (!group.dollars) return l2;
  // Cells a person can be in: a month-level person is in up to 3 segments in a year, and in 4 quarters.
  const cells = table.quarterly ? 4 : table.segments && group.monthly ? 3 : 1;
  const touched = cells * (kind === 'parts' ? group.parts.length : 1);
  return l2 + Math.sqrt(touched);
}
