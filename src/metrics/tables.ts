import { QUALITY_MEASURES } from './quality/index.js';

/** What the published tables are broken down by. */
export type Dimension = 'segment' | 'organization' | 'geography' | 'age_band' | 'sex';

export interface TableDef {
  id: string;
  dims: readonly Dimension[];
  /** Also published per calendar quarter (month-level quantities only). */
  quarterly: boolean;
}

/**
 * The published tables. One-way tables plus one cross table: segment by attributed organization,
 * the "payer-by-practice" view whose counts fall under payer confidentiality. Two-way tables of
 * demographic strata are deliberately not published: they multiply rare combinations.
 */
export const TABLES: readonly TableDef[] = [
  { id: 'total', dims: [], quarterly: true },
  { id: 'segment', dims: ['segment'], quarterly: false },
  { id: 'organization', dims: ['organization'], quarterly: false },
  { id: 'geography', dims: ['geography'], quarterly: false },
  { id: 'age_band', dims: ['age_band'], quarterly: false },
  { id: 'sex', dims: ['sex'], quarterly: false },
  { id: 'segment_organization', dims: ['segment', 'organization'], quarterly: false },
];

export const SERVICE_CATEGORIES = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'] as const;

/**
 * Additive quantities: each is a count or a sum over people, so a table's cells add up to its
 * total. Person-level ones count each person once a year, in their primary segment; month-level
 * ones count each covered month in the segment covering it.
 */
export const PERSON_QUANTITIES: readonly string[] = [
  'members',
  ...QUALITY_MEASURES.flatMap((m) => [`${m.id}.denominator`, `${m.id}.numerator`, `${m.id}.exclusions`]),
];
export const MONTH_QUANTITIES: readonly string[] = [
  'member_months',
  'paid',
  'allowed',
  ...SERVICE_CATEGORIES.map((c) => `paid.${c}`),
  'admissions',
  'ed_visits',
  'index_admissions',
  'readmissions',
];
/** The three parts of each quality measure, by quantity name. */
export const QUALITY_QUANTITY_PARTS = QUALITY_MEASURES.map((m) => ({
  numerator: `${m.id}.numerator`,
  denominator: `${m.id}.denominator`,
  exclusions: `${m.id}.exclusions`,
}));
export const QUANTITIES: readonly string[] = [...PERSON_QUANTITIES, ...MONTH_QUANTITIES];

/** Dollar sums (the rest are counts of people, months or events). */
export const isSum = (q: string) => q === 'paid' || q === 'allowed' || q.startsWith('paid.');

export interface RateDef {
  id: string;
  numerator: string;
  denominator: string;
  /** Multiplier: 12,000 turns events per member-month into events per 1,000 member-years. */
  per: number;
  digits: number;
  label: string;
}

export const RATES: readonly RateDef[] = [
  { id: 'paid_pmpm', numerator: 'paid', denominator: 'member_months', per: 1, digits: 2, label: 'Total cost of care, paid, per member per month (USD)' },
  {
    id: 'allowed_pmpm',
    numerator: 'allowed',
    denominator: 'member_months',
    per: 1,
    digits: 2,
    label: 'Total cost of care, allowed, per member per month (USD)',
  },
  ...SERVICE_CATEGORIES.map((c) => ({
    id: `paid_pmpm.${c}`,
    numerator: `paid.${c}`,
    denominator: 'member_months',
    per: 1,
    digits: 2,
    label: `Paid per member per month, ${c} (USD)`,
  })),
  {
    id: 'admissions_per_1000',
    numerator: 'admissions',
    denominator: 'member_months',
    per: 12_000,
    digits: 1,
    label: 'Inpatient admissions per 1,000 member-years',
  },
  {
    id: 'ed_visits_per_1000',
    numerator: 'ed_visits',
    denominator: 'member_months',
    per: 12_000,
    digits: 1,
    label: 'Emergency department visits per 1,000 member-years',
  },
  { id: 'readmission_rate', numerator: 'readmissions', denominator: 'index_admissions', per: 1, digits: 4, label: '30-day all-cause readmission rate' },
  ...QUALITY_MEASURES.map((m) => ({
    id: `${m.id}.rate`,
    numerator: `${m.id}.numerator`,
    denominator: `${m.id}.denominator`,
    per: 1,
    digits: 4,
    label: `${m.title}${m.inverse ? ' (inverse: lower is better)' : ''}`,
  })),
];
