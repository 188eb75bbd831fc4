import type { PublishedCell, PublishedValue } from '../../deid/index.js';
import { RATES } from '../../metrics/tables.js';
import { cellId } from './cell-id.js';
import { measureDef, publishedFor } from './measures.js';

/** One published number in long form: the shape of metrics.csv and metrics.json (see columns.ts). */
export interface MetricRow {
  cell_id: string;
  period: string;
  table: string;
  segment: string;
  organization: string;
  geography: string;
  age_band: string;
  sex: string;
  measure: string;
  kind: 'count' | 'sum' | 'rate';
  value: number | null;
  interval_low: number | null;
  interval_high: number | null;
  status: PublishedValue['status'];
  reason: string;
  /** Differential privacy: the standard deviation of the noise left in the value. */
  noise_sd: number | null;
}

export const COLUMNS: readonly (keyof MetricRow)[] = [
  'cell_id',
  'period',
  'table',
  'segment',
  'organization',
  'geography',
  'age_band',
  'sex',
  'measure',
  'kind',
  'value',
  'interval_low',
  'interval_high',
  'status',
  'reason',
  'noise_sd',
];

/** The rows of a release: every quantity and rate of every cell that the period computes. */
export function rowsOf(cells: readonly PublishedCell[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const c of cells) {
    const base = {
      period: c.period,
      table: c.table,
      segment: c.stratum.segment ?? '',
      organization: c.stratum.organization ?? '',
      geography: c.stratum.geography ?? '',
      age_band: c.stratum.age_band ?? '',
      sex: c.stratum.sex ?? '',
    };
    const push = (measure: string, v: PublishedValue) => {
      if (!publishedFor(c.period, measure)) return;
      rows.push({ cell_id: cellId(c.period, c.table, c.stratum, measure), ...base, measure, kind: measureDef(measure)?.kind ?? 'count', ...valueOf(v) });
    };
    for (const [measure, v] of Object.entries(c.quantities)) push(measure, v);
    for (const rate of RATES) {
      const v = c.rates[rate.id];
      if (v) push(rate.id, v);
    }
  }
  return rows;
}

/**
 * The one place a published value's noise fields are read. A suppressed value shows its reason
 * and nothing else: no interval, however the de-identification describes it internally.
 */
function valueOf(v: PublishedValue) {
  const shown = v.status === 'published';
  return {
    value: shown ? v.value : null,
    interval_low: shown ? (v.interval?.low ?? null) : null,
    interval_high: shown ? (v.interval?.high ?? null) : null,
    status: v.status,
    reason: v.status === 'suppressed' ? (v.reason ?? '') : '',
    noise_sd: shown ? (v.noiseSd ?? null) : null,
  };
}

/** RFC 4180 CSV: a field is quoted when it holds a comma, quote or line break. */
export function toCsv<T>(columns: readonly (keyof T)[], rows: readonly T[]): string {
  const field = (x: unknown) => {
    const s = x === null || x === undefined ? '' : String(x);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}
