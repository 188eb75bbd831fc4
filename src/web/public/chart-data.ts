import type { MetricRow } from '../../release/files/rows.js';
import { withheldWords } from './withheld.js';

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

export interface ChartDataset {
  label: string;
  data: (number | null)[];
  derived?: true;
  withheld?: (string | null)[];
  intervals?: ([number, number] | null)[];
}

export interface ChartSpec {
  type: 'bar' | 'line';
  stacked?: boolean;
  /** Category labels; an array is drawn on several lines (a wholly withheld row says so under its name). */
  labels: (string | string[])[];
  /**
   * `derived`: not a published value but arithmetic on published ones (said beside the chart).
   * `withheld`: per point, why it is withheld (in words), drawn as a marker of fixed size where the
   * point would be; `intervals`: per point, its published 95% interval, drawn as an error bar.
   */
  datasets: ChartDataset[];
  /** Stacked parts with intervals: an error bar per part would be misread against the stack, so the table gives them. */
  intervalsInTable?: true;
  notPlotted: NotPlotted[];
}

/** Rows of one release, indexed for the page's three charts. Pure. */
export function chartData(rows: readonly MetricRow[], years: readonly number[], orgNames: ReadonlyMap<string, string>) {
  const year = String(Math.max(...years));
  const find = (period: string, table: string, measure: string, match: (r: MetricRow) => boolean = () => true) =>
    rows.find((r) => r.period === period && r.table === table && r.measure === measure && match(r));

  // Each chart leads with its all-payer (total table) figure: the segment and organization tables
  // are where the disclosure audit withholds whole rows to protect a small neighbour, and which
  // rows it picks changes with the region, while the total is published at every size measured.
  const segments = ['commercial', 'medicare', 'medicaid'];
  const categories = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
  const pmpmOf = (label: string, table: string, match: (r: MetricRow) => boolean) => ({
    label,
    total: shownOf(find(year, table, 'paid_pmpm', match)),
    parts: categories.map((c) => shownOf(find(year, table, `paid_pmpm.${c}`, match))),
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
      // A stacked part has no error bar of its own: its interval is in the table.
      ...categories.map((c, i) =>
        series(
          c,
          pmpm.map((p) => p.parts[i]!),
          false,
        ),
      ),
      ...(remainder.some((v) => v !== null) ? [{ label: WITHHELD_TOGETHER, data: remainder, derived: true as const }] : []),
    ],
    ...(pmpm.some((p) => p.parts.some((s) => 'value' in s && s.interval)) ? { intervalsInTable: true as const } : {}),
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
    { label: ALL_ORGANIZATIONS, rates: measures.map(([m]) => shownOf(find(year, 'total', m), 100)) },
    ...orgs.map((org) => ({
      label: org === 'unattributed' ? 'Unattributed' : (orgNames.get(org) ?? org.replace(/^Organization\//, '')),
      rates: measures.map(([m]) =>
        shownOf(
          find(year, 'organization', m, (r) => r.organization === org),
          100,
        ),
      ),
    })),
  ];
  const qualityChart: ChartSpec = {
    type: 'bar',
    labels: quality.map((q) => (q.rates.every((r) => !('value' in r)) ? [q.label, '(not shown: see below)'] : q.label)),
    datasets: measures.map(([, label], i) =>
      series(
        `${label} (%)`,
        quality.map((q) => q.rates[i]!),
      ),
    ),
    notPlotted: notPlotted(quality.map((q) => ({ row: q.label, cells: measures.map(([, , inSentence], i) => [inSentence, q.rates[i]!] as const) }))),
  };

  const quarters = years.flatMap((y) => [1, 2, 3, 4].map((q) => `${y}-Q${q}`));
  const utilization = quarters.map((period) => ({
    label: period,
    admissions: shownOf(find(period, 'total', 'admissions_per_1000')),
    ed: shownOf(find(period, 'total', 'ed_visits_per_1000')),
  }));
  const utilizationChart: ChartSpec = {
    type: 'line',
    labels: quarters,
    datasets: [
      series(
        'Inpatient admissions per 1,000 member-years',
        utilization.map((u) => u.admissions),
      ),
      series(
        'ED visits per 1,000 member-years',
        utilization.map((u) => u.ed),
      ),
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

/**
 * A row as a page shows it, `scale` times (100 for a percentage), to `digits` decimals. A withheld row gives its reason
 * and nothing else: its value and interval fields are never read, so even a file that carried
 * them could not leak them through a page.
 */
export function shownOf(r: MetricRow | undefined, scale = 1, digits = 2): Shown {
  const round2 = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  if (!r || r.status === 'not-applicable') return { none: true };
  if (r.status === 'suppressed') return { suppressed: r.reason };
  if (r.status !== 'published' || typeof r.value !== 'number') return { none: true };
  return {
    value: round2(r.value * scale),
    // Releases from before intervals were published have no such columns.
    ...(typeof r.interval_low === 'number' && typeof r.interval_high === 'number'
      ? { interval: { low: round2(r.interval_low * scale), high: round2(r.interval_high * scale) } }
      : {}),
  };
}

/**
 * One dataset of a chart from the values a page shows. A withheld point carries its reason in
 * words and nothing else: no value, no interval, so a marker drawn from it can only ever be the
 * same fixed shape wherever it stands (test/web/chart-data.test.ts gives suppressed rows a value
 * and checks that none of it reaches the chart).
 */
export function series(label: string, points: readonly Shown[], withIntervals = true): ChartDataset {
  const d: ChartDataset = { label, data: points.map((s) => ('value' in s ? s.value : null)) };
  const withheld = points.map((s) => ('suppressed' in s ? withheldWords(s.suppressed) : null));
  if (withheld.some((w) => w !== null)) d.withheld = withheld;
  const intervals = points.map((s) => ('value' in s && s.interval ? ([s.interval.low, s.interval.high] as [number, number]) : null));
  if (withIntervals && intervals.some((i) => i !== null)) d.intervals = intervals;
  return d;
}

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
