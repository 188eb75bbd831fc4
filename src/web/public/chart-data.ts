import type { MetricRow } from '../../release/files/rows.js';

/** A value as a page shows it: a number (with its 95% interval where it was noised), or why there is none. */
export type Shown = { value: number; interval?: { low: number; high: number } } | { suppressed: string } | { none: true };

export interface ChartSpec {
  type: 'bar' | 'line';
  stacked?: boolean;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

/** Rows of one release, indexed for the page's three charts. Pure. */
export function chartData(rows: readonly MetricRow[], years: readonly number[], orgNames: ReadonlyMap<string, string>) {
  const round2 = (x: number) => Math.round(x * 100) / 100;
  const year = String(Math.max(...years));
  const find = (period: string, table: string, measure: string, match: (r: MetricRow) => boolean = () => true) =>
    rows.find((r) => r.period === period && r.table === table && r.measure === measure && match(r));
  const shown = (r: MetricRow | undefined, scale = 1): Shown =>
    !r || r.status === 'not-applicable'
      ? { none: true }
      : r.status === 'suppressed'
        ? { suppressed: r.reason }
        : {
            value: round2(r.value! * scale),
            // Releases from before intervals were published have no such columns.
            ...(typeof r.interval_low === 'number' && typeof r.interval_high === 'number'
              ? { interval: { low: round2(r.interval_low * scale), high: round2(r.interval_high * scale) } }
              : {}),
          };
  const value = (s: Shown) => ('value' in s ? s.value : null);

  const segments = ['commercial', 'medicare', 'medicaid'];
  const categories = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
  const pmpm = segments.map((segment) => ({
    label: segment,
    total: shown(find(year, 'segment', 'paid_pmpm', (r) => r.segment === segment)),
    parts: categories.map((c) => shown(find(year, 'segment', `paid_pmpm.${c}`, (r) => r.segment === segment))),
  }));
  const pmpmChart: ChartSpec = {
    type: 'bar',
    stacked: true,
    labels: segments,
    datasets: categories.map((c, i) => ({ label: c, data: pmpm.map((p) => value(p.parts[i]!)) })),
  };

  const measures = [
    ['breast-cancer-screening.rate', 'Breast cancer screening'],
    ['hba1c-poor-control.rate', 'HbA1c poor control (lower is better)'],
    ['blood-pressure-control.rate', 'Blood pressure controlled'],
  ] as const;
  const orgs = [...new Set(rows.filter((r) => r.period === year && r.table === 'organization').map((r) => r.organization))].sort((a, b) =>
    a === 'unattributed' ? 1 : b === 'unattributed' ? -1 : a.localeCompare(b),
  );
  const quality = orgs.map((org) => ({
    label: org === 'unattributed' ? 'Unattributed' : (orgNames.get(org) ?? org.replace(/^Organization\//, '')),
    rates: measures.map(([m]) =>
      shown(
        find(year, 'organization', m, (r) => r.organization === org),
        100,
      ),
    ),
  }));
  const qualityChart: ChartSpec = {
    type: 'bar',
    labels: quality.map((q) => q.label),
    datasets: measures.map(([, label], i) => ({ label: `${label} (%)`, data: quality.map((q) => value(q.rates[i]!)) })),
  };

  const quarters = years.flatMap((y) => [1, 2, 3, 4].map((q) => `${y}-Q${q}`));
  const utilization = quarters.map((period) => ({
    label: period,
    admissions: shown(find(period, 'total', 'admissions_per_1000')),
    ed: shown(find(period, 'total', 'ed_visits_per_1000')),
  }));
  const utilizationChart: ChartSpec = {
    type: 'line',
    labels: quarters,
    datasets: [
      { label: 'Inpatient admissions per 1,000 member-years', data: utilization.map((u) => value(u.admissions)) },
      { label: 'ED visits per 1,000 member-years', data: utilization.map((u) => value(u.ed)) },
    ],
  };
  return { year, categories, pmpm, pmpmChart, measures: measures.map(([, l]) => l), quality, qualityChart, utilization, utilizationChart };
}
