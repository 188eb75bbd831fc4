import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../src/release/files/rows.js';
import { ALL_ORGANIZATIONS, ALL_PAYERS, chartData, WITHHELD_TOGETHER } from '../../src/web/public/chart-data.js';
import { withheld } from '../helpers/withheld-rows.js';

const CATEGORIES = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
const MEASURES = ['breast-cancer-screening.rate', 'hba1c-poor-control.rate', 'blood-pressure-control.rate'];

function row(table: string, measure: string, value: number | null, at: Partial<MetricRow> = {}): MetricRow {
  return {
    cell_id: `${table}-${measure}-${at.segment ?? ''}-${at.organization ?? ''}`,
    period: '2025',
    table,
    segment: '',
    organization: '',
    geography: '',
    age_band: '',
    sex: '',
    measure,
    kind: 'rate',
    value,
    interval_low: null,
    interval_high: null,
    status: value === null ? 'suppressed' : 'published',
    reason: value === null ? 'disclosure-control' : '',
    noise_sd: null,
    ...at,
  };
}

/** PMPM rows of one table: the total, and each category's share (null: withheld). */
const pmpmRows = (table: string, total: number | null, parts: (number | null)[], at: Partial<MetricRow> = {}) => [
  row(table, 'paid_pmpm', total, at),
  ...CATEGORIES.map((c, i) => row(table, `paid_pmpm.${c}`, parts[i]!, at)),
];
const qualityRows = (table: string, rates: (number | null)[], at: Partial<MetricRow> = {}) => MEASURES.map((m, i) => row(table, m, rates[i]!, at));

/** A release as the disclosure audit leaves one: a segment missing two categories, an organization wholly withheld. */
const release: MetricRow[] = [
  ...pmpmRows('total', 150, [90, null, 35, 24, null]),
  ...pmpmRows('segment', 120, [66, 0.5, 31, 21, 1.5], { segment: 'commercial' }),
  ...pmpmRows('segment', 288, [205, null, 46, 34, null], { segment: 'medicare' }),
  ...pmpmRows('segment', null, [null, null, null, null, null], { segment: 'medicaid' }),
  ...qualityRows('total', [0.54, 0.22, 0.53]),
  ...qualityRows('organization', [0.48, 0.27, 0.52], { organization: 'Organization/birch' }),
  ...qualityRows('organization', [null, null, null], { organization: 'Organization/cedar' }),
];
const data = chartData(release, [2025], new Map([['Organization/birch', 'Birch Lane']]));

describe('the release page charts', () => {
  it('lead with the all-payer and all-organization figures of the total table', () => {
    expect(data.pmpmChart.labels[0]).toBe(ALL_PAYERS);
    expect(data.pmpmChart.datasets.find((d) => d.label === 'inpatient')!.data[0]).toBe(90);
    expect(data.qualityChart.labels[0]).toBe(ALL_ORGANIZATIONS);
    expect(data.qualityChart.datasets.map((d) => d.data[0])).toEqual([54, 22, 53]);
  });

  it('stack withheld categories as one derived part, so a bar is as tall as its published total', () => {
    const together = data.pmpmChart.datasets.find((d) => d.label === WITHHELD_TOGETHER)!;
    expect(together.derived).toBe(true);
    // all payers 150 - (90 + 35 + 24); commercial has nothing withheld; medicare 288 - (205 + 46 + 34); medicaid has no total to take from.
    expect(together.data).toEqual([1, null, 3, null]);
  });

  it('draw no derived part when no category is withheld', () => {
    const full = chartData(pmpmRows('segment', 120, [66, 0.5, 31, 21, 1.5], { segment: 'commercial' }), [2025], new Map());
    expect(full.pmpmChart.datasets.map((d) => d.label)).not.toContain(WITHHELD_TOGETHER);
  });

  it('say, per reason, every point they leave out; a wholly withheld row says so under its name', () => {
    expect(data.pmpmChart.notPlotted).toEqual([
      {
        reason: 'disclosure-control',
        points: [
          { row: ALL_PAYERS, columns: ['outpatient', 'pharmacy'], all: false },
          { row: 'medicare', columns: ['outpatient', 'pharmacy'], all: false },
          { row: 'medicaid', columns: CATEGORIES, all: true },
        ],
      },
    ]);
    const cedar = data.quality.findIndex((q) => q.label === 'cedar');
    expect(data.qualityChart.labels[cedar]).toEqual(['cedar', '(not shown: see below)']);
    expect(data.qualityChart.notPlotted[0]!.points).toEqual([{ row: 'cedar', columns: expect.any(Array), all: true }]);
  });
});

describe('withheld points in the charts', () => {
  it('are marked where they would be, with the reason in words, and carry no value and no interval', () => {
    const inpatient = data.pmpmChart.datasets.find((d) => d.label === 'outpatient')!;
    // all payers, commercial, medicare, medicaid: outpatient is withheld in all but commercial.
    expect(inpatient.data).toEqual([null, 0.5, null, null]);
    expect(inpatient.withheld).toEqual(['for disclosure control', null, 'for disclosure control', 'for disclosure control']);
    const cedar = data.quality.findIndex((q) => q.label === 'cedar');
    for (const d of data.qualityChart.datasets) {
      expect(d.data[cedar]).toBeNull();
      expect(d.withheld![cedar]).toBe('for disclosure control');
      expect(d.intervals?.[cedar] ?? null).toBeNull();
    }
  });

  it('a dataset with nothing withheld carries no markers', () => {
    expect(data.pmpmChart.datasets.find((d) => d.label === 'inpatient')!.withheld).toEqual([null, null, null, 'for disclosure control']);
    const full = chartData(pmpmRows('segment', 120, [66, 0.5, 31, 21, 1.5], { segment: 'commercial' }), [2025], new Map());
    for (const d of full.pmpmChart.datasets) expect(d.withheld, d.label).toBeUndefined();
  });

  it('attack: a withheld row that still carried its value, interval and noise changes nothing in the chart data', () => {
    const clean = JSON.stringify(chartData(release, [2025], new Map()));
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 8 }), (hidden) => {
        expect(JSON.stringify(chartData(withheld(release, hidden), [2025], new Map()))).toBe(clean);
      }),
    );
  });

  it('draws a published interval as an error bar, but none on a stacked part, whose interval is in the table', () => {
    const noisy = release.map((r) => (r.value === null ? r : { ...r, interval_low: r.value * 0.9, interval_high: r.value * 1.1 }));
    const d = chartData(noisy, [2025], new Map());
    expect(d.qualityChart.datasets[0]!.intervals![0]).toEqual([48.6, 59.4]);
    for (const s of d.pmpmChart.datasets) expect(s.intervals).toBeUndefined();
    expect(d.pmpmChart.intervalsInTable).toBe(true);
    expect(data.pmpmChart.intervalsInTable).toBeUndefined();
    expect(d.pmpm[0]!.total).toEqual({ value: 150, interval: { low: 135, high: 165 } });
  });
});
