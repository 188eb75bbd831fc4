import { QUALITY_MEASURES } from '../../metrics/quality/index.js';
import { isSum, MONTH_QUANTITIES, QUANTITIES, RATES, SERVICE_CATEGORIES, TABLES } from '../../metrics/tables.js';

/** What a published measure is: the dictionary's row for it, and what the schema enumerates. */
export interface MeasureDef {
  id: string;
  kind: 'count' | 'sum' | 'rate';
  unit: string;
  definition: string;
  /** For a rate: the measures it divides, and the multiplier. */
  numerator?: string;
  denominator?: string;
  per?: number;
  /** Decimals a published rate is rounded to. */
  digits?: number;
  /** Computed per calendar quarter too (month-level quantities, and the rates built only from them). */
  quarterly: boolean;
}

const CATEGORY_TEXT: Record<(typeof SERVICE_CATEGORIES)[number], string> = {
  inpatient: 'institutional inpatient claims',
  outpatient: 'institutional claims that are neither inpatient nor emergency department',
  professional: 'professional claims',
  ed: 'institutional claims with an emergency-department revenue code (045x)',
  pharmacy: 'pharmacy claims',
};

const QUANTITY_TEXT: Record<string, { unit: string; definition: string }> = {
  members: { unit: 'people', definition: 'People covered in at least one month of the year, each counted once, in their primary segment.' },
  member_months: {
    unit: 'member-months',
    definition: 'Months of coverage: a person covered on the 15th of a month counts one member-month, in the segment of the plan covering them that day.',
  },
  paid: { unit: 'USD', definition: 'Paid amount (ExplanationOfBenefit benefit total) of claims starting in the period while the person was covered.' },
  allowed: { unit: 'USD', definition: 'Allowed amount (ExplanationOfBenefit eligible total) of claims starting in the period while the person was covered.' },
  ...Object.fromEntries(
    SERVICE_CATEGORIES.map((c) => [`paid.${c}`, { unit: 'USD', definition: `Paid amount of ${CATEGORY_TEXT[c]}; the categories add up to paid.` }]),
  ),
  admissions: { unit: 'admissions', definition: 'Inpatient admissions (Encounters of class IMP), counted in the month of admission.' },
  ed_visits: { unit: 'visits', definition: 'Emergency department visits (Encounters of class EMER), counted in the month of the visit.' },
  index_admissions: { unit: 'stays', definition: 'Inpatient stays discharged in the period: the index stays of the readmission measure.' },
  readmissions: {
    unit: 'stays',
    definition: 'Index stays followed by another admission within 30 days of discharge, counted in the month of the index discharge.',
  },
  ...Object.fromEntries(
    QUALITY_MEASURES.flatMap((m) => [
      [
        `${m.id}.denominator`,
        { unit: 'people', definition: `People eligible for "${m.title}" (continuously enrolled, in the measure's population) and not excluded.` },
      ],
      [
        `${m.id}.numerator`,
        { unit: 'people', definition: `People in the denominator of "${m.title}" who meet it${m.inverse ? ' (a bad outcome: lower is better)' : ''}.` },
      ],
      [`${m.id}.exclusions`, { unit: 'people', definition: `People in the population of "${m.title}" left out of its denominator by an exclusion.` }],
    ]),
  ),
};

const rateUnit = (per: number, denominator: string, numerator: string) =>
  denominator === 'member_months'
    ? per === 12_000
      ? 'per 1,000 member-years'
      : isSum(numerator)
        ? 'USD per member-month'
        : 'per member-month'
    : 'proportion (0 to 1)';

const quarterly = (q: string) => MONTH_QUANTITIES.includes(q);

/** Every published measure, quantities first, then rates, in the order of the tables' definitions. */
export const MEASURES: readonly MeasureDef[] = [
  ...QUANTITIES.map((id) => {
    const text = QUANTITY_TEXT[id];
    if (!text) throw new Error(`the data dictionary has no definition for ${id}`);
    return { id, kind: isSum(id) ? ('sum' as const) : ('count' as const), ...text, quarterly: quarterly(id) };
  }),
  ...RATES.map((r) => ({
    id: r.id,
    kind: 'rate' as const,
    unit: rateUnit(r.per, r.denominator, r.numerator),
    definition: `${r.label}: ${r.numerator} ÷ ${r.denominator}${r.per !== 1 ? ` × ${r.per.toLocaleString('en-US')}` : ''}, rounded to ${r.digits} decimals; published only where both are, or in a rate-only cell.`,
    numerator: r.numerator,
    denominator: r.denominator,
    per: r.per,
    digits: r.digits,
    quarterly: quarterly(r.numerator) && quarterly(r.denominator),
  })),
];

const byId = new Map(MEASURES.map((m) => [m.id, m]));
export const measureDef = (id: string): MeasureDef | undefined => byId.get(id);

/**
 * Whether a measure is published for a period: a quarter publishes only what is computed per
 * month (member-months, dollars, events and the rates built from them). Members and quality
 * counts are person-year figures; a quarter row would show them as 0.
 */
export const publishedFor = (period: string, measure: string): boolean => !period.includes('-Q') || byId.get(measure)?.quarterly === true;

/** The tables with quarters, for the dictionary's wording. */
export const QUARTERLY_TABLES = TABLES.filter((t) => t.quarterly).map((t) => t.id);
