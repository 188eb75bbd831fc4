import { METRICS_FIELDS, type Field } from './columns.js';
import { MEASURES, QUARTERLY_TABLES } from './measures.js';
import { REASONS } from './reasons.js';
import { toCsv } from './rows.js';

/** One row of dictionary.csv: a column of metrics.csv, a measure, or a code a column carries. */
export interface DictionaryRow {
  element: 'column' | 'measure' | 'reason' | 'status';
  name: string;
  kind: string;
  unit: string;
  definition: string;
  numerator: string;
  denominator: string;
  multiplier: string;
  decimals: string;
  periods: string;
}

export const DICTIONARY_COLUMNS: readonly (keyof DictionaryRow)[] = [
  'element',
  'name',
  'kind',
  'unit',
  'definition',
  'numerator',
  'denominator',
  'multiplier',
  'decimals',
  'periods',
];

const STATUS_TEXT = {
  published: 'The value is published.',
  suppressed: 'The value is withheld; the reason column says why.',
  'not-applicable': 'A rate with nobody in its denominator: there is nothing to publish.',
};

const empty = { kind: '', unit: '', numerator: '', denominator: '', multiplier: '', decimals: '', periods: '' };

/**
 * The data dictionary: every column of metrics.csv, every measure with its kind, unit,
 * definition (numerator and denominator for rates) and the periods it is published for, and
 * every status and reason code. Built from the same definitions as the files, so it cannot
 * describe a measure the release does not carry.
 */
export function dictionaryRows(): DictionaryRow[] {
  const quarters = `year; also quarter in ${QUARTERLY_TABLES.join(', ')}`;
  return [
    ...METRICS_FIELDS.map((f: Field) => ({ ...empty, element: 'column' as const, name: f.name, kind: f.type, definition: f.description })),
    ...MEASURES.map((m) => ({
      element: 'measure' as const,
      name: m.id,
      kind: m.kind,
      unit: m.unit,
      definition: m.definition,
      numerator: m.numerator ?? '',
      denominator: m.denominator ?? '',
      multiplier: m.per !== undefined ? String(m.per) : '',
      decimals: m.digits !== undefined ? String(m.digits) : m.kind === 'sum' ? '2' : '',
      periods: m.quarterly ? quarters : 'year',
    })),
    ...Object.entries(STATUS_TEXT).map(([name, definition]) => ({ ...empty, element: 'status' as const, name, definition })),
    ...Object.entries(REASONS).map(([name, definition]) => ({ ...empty, element: 'reason' as const, name, definition })),
  ];
}

export const dictionaryCsv = () => toCsv(DICTIONARY_COLUMNS, dictionaryRows());

/** The dictionary's own Table Schema, for the data package. */
export function dictionarySchema() {
  return {
    fields: DICTIONARY_COLUMNS.map((name) => ({ name, type: 'string' })),
    primaryKey: ['element', 'name'],
    missingValues: [''],
  };
}
