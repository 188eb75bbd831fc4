import type { MetricRow } from '../../release/files/rows.js';

/** A value as a page shows it: a number (with its 95% interval where it was noised), or why there is none. */
export type Shown = { value: number; interval?: { low: number; high: number } } | { suppressed: string } | { none: true };

/**
 * Points a chart leaves out, grouped by why ('none': no one in the denominator), so that a missing
 * bar or a gap in a line is never read as a zero. Each point names its row and the columns left out
 * of it; `all` when the whole row is.
 */
export interface NotPlotted {
  reason: string;
  points: { row: string; columns: string[]; all: boolean }[];
}

export interface ChartSpec {
  type: 'bar' | 'line';
  stacked?: boolean;
  /** Category labels; an array is drawn on several lines (a wholly withheld row says so under its name). */
  labels: (string | string[])[];
  /** `derived`: not a published value but arithmetic on published ones (said beside the chart). */
  datasets: { label: string; data: (number | null)[]; derived?: true }[];
  notPlotted: NotPlotted[];
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

  // Each chart leads with its all-payer (total table) figure: the segment and organization tables
  // are where the disclosure audit withholds whole rows to protect a small neighbour, and which
  // rows it picks changes with the region, while the total is published at every size measured.
  const segments = ['commercial', 'medicare', 'medicaid'];
  const categories = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
  const pmpmOf = (label: string, table: string, match: (r: MetricRow) => boolean) => ({
    label,
    total: shown(find(year, table, 'paid_pmpm', match)),
    parts: categories.map((c) => shown(find(year, table, `paid_pmpm.${c}`, match))),
  });
  const pmpm = [pmpmOf(ALL_PAYERS, 'total', () => true), ...segments.map((segment) => pmpmOf(segment, 'segment', (r) => r.segment === segment))];
  // Without the remainder a segment with a withheld category would be a shorter bar, read as a
  // lower cost. It discloses nothing new: paid is the sum of its categories, an identity the
  // disclosure audit already grants its attacker (src/deid/relations.ts).
  const remainder = pmpm.map((p) => withheldRemainder(p.total, p.parts));
  const pmpmChart: ChartSpec = {
    type: 'bar',
    stacked: true,
    labels: pmpm.map((p) => p.label),
    datasets: [
      ...categories.map((c, i) => ({ label: c, data: pmpm.map((p) => value(p.parts[i]!)) })),
      ...(remainder.some((v) => v !== null) ? [{ label: WITHHELD_TOGETHER, data: remainder, derived: true as const }] : []),
    ],
    notPlotted: notPlotted(pmpm.map((p) => ({ row: p.label, cells: categories.map((c, i) => [c, p.parts[i]!] as const) }))),
  };

  // [measure, label, the label in a sentence]
  const measures = [
    ['breast-cancer-screening.rate', 'Breast cancer screening', 'breast cancer screening'],
    ['hba1c-poor-control.rate', 'HbA1c poor control (lower is better)', 'HbA1c poor control'],
    ['blood-pressure-control.rate', 'Blood pressure controlled', 'blood pressure controlled'],
  ] as const;
  const orgs = [...new Set(rows.filter((r) => r.period === year && r.table === 'organization').map((r) => r.organization))].sort((a, b) =>
    a === 'unattributed' ? 1 : b === 'unattributed' ? -1 : a.localeCompare(b),
  );
  const quality = [
    { label: ALL_ORGANIZATIONS, rates: measures.map(([m]) => shown(find(year, 'total', m), 100)) },
    ...orgs.map((org) => ({
      label: org === 'unattributed' ? 'Unattributed' : (orgNames.get(org) ?? org.replace(/^Organization\//, '')),
      rates: measures.map(([m]) =>
        shown(
          find(year, 'organization', m, (r) => r.organization === org),
          100,
        ),
      ),
    })),
  ];
  const qualityChart: ChartSpec = {
    type: 'bar',
    labels: quality.map((q) => (q.rates.every((r) => !('value' in r)) ? [q.label, '(not shown: see below)'] : q.label)),
    datasets: measures.map(([, label], i) => ({ label: `${label} (%)`, data: quality.map((q) => value(q.rates[i]!)) })),
    notPlotted: notPlotted(quality.map((q) => ({ row: q.label, cells: measures.map(([, , inSentence], i) => [inSentence, q.rates[i]!] as const) }))),
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
    notPlotted: notPlotted([
      { row: 'Inpatient admissions', cells: utilization.map((u) => [u.label, u.admissions] as const) },
      { row: 'ED visits', cells: utilization.map((u) => [u.label, u.ed] as const) },
    ]),
  };
  return { year, categories, pmpm, pmpmChart, measures: measures.map(([, l]) => l), quality, qualityChart, utilization, utilizationChart };
}

export const WITHHELD_TOGETHER = 'withheld categories, together';
export const ALL_PAYERS = 'all payers';
export const ALL_ORGANIZATIONS = 'All organizations';

/** A segment's published total less its published categories, when some category is withheld and the total is not. */
function withheldRemainder(total: Shown, parts: readonly Shown[]): number | null {
  if (!('value' in total) || parts.every((p) => 'value' in p)) return null;
  const shown = parts.reduce((sum, p) => sum + ('value' in p ? p.value : 0), 0);
  // Rates rounded to the cent can overshoot their total by a few cents; there is no negative cost.
  return Math.max(0, Math.round((total.value - shown) * 100) / 100);
}

/** The chart's rows, each with its columns' values, reduced to what is not plotted and why. */
function notPlotted(rows: readonly { row: string; cells: readonly (readonly [string, Shown])[] }[]): NotPlotted[] {
  const byReason = new Map<string, NotPlotted>();
  for (const { row, cells } of rows) {
    const missing = new Map<string, string[]>();
    for (const [column, s] of cells) {
      if ('value' in s) continue;
      const reason = 'suppressed' in s ? s.suppressed : 'none';
      missing.set(reason, [...(missing.get(reason) ?? []), column]);
    }
    for (const [reason, columns] of missing) {
      const group = byReason.get(reason) ?? { reason, points: [] };
      group.points.push({ row, columns, all: columns.length === cells.length });
      byReason.set(reason, group);
    }
  }
  return [...byReason.values()];
}
