import { AGE_BANDS } from '../../deid/index.js';
import { TABLES } from '../../metrics/tables.js';
import { MEASURES } from './measures.js';
import { REASON_CODES } from './reasons.js';
import { COLUMNS, type MetricRow } from './rows.js';

/** A Frictionless Table Schema field. */
export interface Field {
  name: string;
  type: 'string' | 'number';
  description: string;
  constraints?: { required?: boolean; unique?: boolean; enum?: readonly string[]; pattern?: string; minimum?: number };
}

/**
 * Every column of metrics.csv (and metrics.json's rows), described once: the data package's
 * Table Schema and the data dictionary are both built from this. Enumerations come from the
 * definitions the figures are computed from, never typed out twice.
 */
const FIELDS: Record<keyof MetricRow, Omit<Field, 'name'>> = {
  cell_id: {
    type: 'string',
    description:
      'Stable id of this number: period:table:dimension=value;…:measure (values percent-encode % : ; = , and spaces). The same stratum and measure have the same id in every release, so releases join on it. The primary key.',
    constraints: { required: true, unique: true },
  },
  period: { type: 'string', description: 'Calendar year (2025) or quarter (2025-Q3).', constraints: { required: true, pattern: '^\\d{4}(-Q[1-4])?$' } },
  table: { type: 'string', description: 'Which table the row belongs to.', constraints: { required: true, enum: TABLES.map((t) => t.id) } },
  segment: { type: 'string', description: 'Market segment: commercial, medicare or medicaid; empty when the table is not by segment.' },
  organization: {
    type: 'string',
    description: 'Attributed primary-care organization (FHIR reference), or unattributed; empty when the table is not by organization.',
  },
  geography: {
    type: 'string',
    description: 'State and three-digit ZIP, as MI-496 (ZIP3 000 where 20,000 people or fewer share it); empty when the table is not by geography.',
  },
  age_band: { type: 'string', description: `Age on 31 December: ${AGE_BANDS.join(', ')} or unknown; empty when the table is not by age band.` },
  sex: { type: 'string', description: 'Administrative sex: female, male, other or unknown; empty when the table is not by sex.' },
  measure: {
    type: 'string',
    description: 'What the number is: see the data dictionary (dictionary.csv).',
    constraints: { required: true, enum: MEASURES.map((m) => m.id) },
  },
  kind: { type: 'string', description: 'count, sum (USD) or rate.', constraints: { required: true, enum: ['count', 'sum', 'rate'] } },
  value: { type: 'number', description: 'The published value; empty when suppressed or not applicable.' },
  interval_low: {
    type: 'number',
    description: 'Lower end of the 95% interval for the true value of a noised (differentially private) number; empty for exact numbers and withheld ones.',
  },
  interval_high: { type: 'number', description: 'Upper end of the same 95% interval; empty for exact numbers and withheld ones.' },
  status: {
    type: 'string',
    description: 'published, suppressed, or not-applicable (a rate with nobody in its denominator).',
    constraints: { required: true, enum: ['published', 'suppressed', 'not-applicable'] },
  },
  reason: {
    type: 'string',
    description: 'Why a value is withheld (see the dictionary); empty unless status is suppressed.',
    constraints: { enum: REASON_CODES },
  },
  noise_sd: {
    type: 'number',
    description:
      'Standard deviation of the discrete Gaussian noise left in the value after reconciliation (differential-privacy releases only); empty otherwise.',
  },
};

export const METRICS_FIELDS: readonly Field[] = COLUMNS.map((name) => ({ name, ...FIELDS[name] }));

/** The Table Schema of metrics.csv: typed columns, enumerations, and the stable cell id as primary key. */
export function metricsSchema() {
  return { fields: METRICS_FIELDS, primaryKey: ['cell_id'], missingValues: [''] };
}
