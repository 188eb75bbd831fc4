import type { PublishedCell, PublishedValue } from '../../deid/index.js';
import { RATES, isSum } from '../../metrics/tables.js';

/** One published number in long form: the shape of metrics.csv and metrics.json. */
export interface MetricRow {
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
  status: PublishedValue['status'];
  reason: string;
  /** Differential privacy: the noise's standard deviation, and the value's 95% interval. */
  noise_sd: number | null;
  interval_low: number | null;
  interval_high: number | null;
}

export const COLUMNS: readonly (keyof MetricRow)[] = [
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
  'status',
  'reason',
  'noise_sd',
  'interval_low',
  'interval_high',
];

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
    for (const [measure, v] of Object.entries(c.quantities)) rows.push({ ...base, measure, kind: isSum(measure) ? 'sum' : 'count', ...valueOf(v) });
    for (const rate of RATES) {
      const v = c.rates[rate.id];
      if (v) rows.push({ ...base, measure: rate.id, kind: 'rate', ...valueOf(v) });
    }
  }
  return rows;
}

const valueOf = (v: PublishedValue) => ({
  value: v.value,
  status: v.status,
  reason: v.reason ?? '',
  noise_sd: v.noiseSd ?? null,
  interval_low: v.interval?.low ?? null,
  interval_high: v.interval?.high ?? null,
});

/** RFC 4180 CSV: a field is quoted when it holds a comma, quote or line break. */
export function toCsv(rows: readonly MetricRow[]): string {
  const field = (x: unknown) => {
    const s = x === null || x === undefined ? '' : String(x);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [COLUMNS.join(','), ...rows.map((r) => COLUMNS.map((c) => field(r[c])).join(','))].join('\r\n') + '\r\n';
}
