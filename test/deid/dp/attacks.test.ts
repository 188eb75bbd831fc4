import { describe, expect, it } from 'vitest';
import { cryptoWords, deidentify, type PublishedCell } from '../../../src/deid/index.js';
import { addNoise } from '../../../src/deid/dp/release.js';
import type { Segment } from '../../../src/metrics/cost-utilization.js';
import { tabulate } from '../../../src/metrics/tabulate.js';
import { RATES } from '../../../src/metrics/tables.js';
import zip3 from '../../../policies/census-zip3.json' with { type: 'json' };
import { dpSettings, ORGS, person, PLANS, YEAR } from '../../helpers/dp.js';

/**
 * The audit's findings against the differential-privacy mode, each as an attack on the output
 * (these failed before the redesign: rows came from the data, the plan count was exact, parts
 * were noised independently, and the budget was split evenly over about 400 histograms).
 */
const SEGMENTS: Segment[] = ['commercial', 'medicare', 'medicaid'];
const words = cryptoWords();
const base = Array.from({ length: 240 }, (_, i) =>
  person({ id: `p${i}`, segment: SEGMENTS[i % 3], org: ORGS[i % 3], zip: i % 2 ? '48911' : '49503', age: 20 + (i % 50), sex: i % 2 ? 'female' : 'male' }),
);
const release = (people: Parameters<typeof tabulate>[0], epsilon = 1) => deidentify(tabulate(people, YEAR, zip3), { privacy: dpSettings(epsilon), words });
const proportion = RATES.filter((r) => r.per === 1 && r.denominator !== 'member_months');

describe('a lone person in a stratum', () => {
  it('does not make a row appear: the rows are the same with and without them', () => {
    // Alone in ZIP3 498, aged 95, sex "other": before, each of these was a row only while they were there.
    const lone = person({ id: 'lone', segment: 'medicaid', org: ORGS[2], zip: '49855', age: 95, sex: 'other' });
    const rows = (cells: readonly PublishedCell[]) => cells.map((c) => c.key).sort();
    const without = rows(release(base).cells);
    const withLone = rows(release([...base, lone]).cells);
    expect(withLone).toEqual(without);
    expect(without).toContain(`${YEAR}|geography|MI-498`);
    expect(without).toContain(`${YEAR}|age_band|90+`);
    expect(without).toContain(`${YEAR}|sex|other`);
  });
});

describe('proportions', () => {
  it('never exceed 1: a readmission rate or a quality rate stays in [0, 1] in every cell', () => {
    // Every index stay readmitted, every screened member in the numerator: true rates of 1, where
    // numerator and denominator noised apart come out above 1 about half the time.
    const people = [...base, ...base, ...base].map((p, i) =>
      person({ id: `r${i}`, segment: p.segment, org: p.organization, index: 2, readmissions: 2, bcs: i % 2 ? 'num' : undefined }),
    );
    // The noisy values themselves, before any suppression: every numerator within its denominator.
    for (let run = 0; run < 3; run++)
      for (const cell of addNoise(tabulate(people, YEAR, zip3), dpSettings(50), words).cells)
        for (const rate of proportion) {
          if (cell.values[rate.denominator] === undefined) continue;
          expect(cell.values[rate.numerator]!, `${cell.key} ${rate.id}`).toBeLessThanOrEqual(cell.values[rate.denominator]!);
        }
    const published: { where: string; value: number; interval?: { low: number; high: number } }[] = [];
    for (let run = 0; run < 3; run++)
      for (const cell of release(people, 50).cells)
        for (const rate of proportion) {
          // Quarter cells carry only the month-based figures: no proportion to check there.
          const v = cell.rates[rate.id];
          if (v?.status !== 'published') continue;
          published.push({ where: `${cell.key} ${rate.id}`, value: v.value!, ...(v.interval ? { interval: v.interval } : {}) });
        }
    expect(published.length).toBeGreaterThan(0);
    expect(Math.max(...published.map((r) => r.value))).toBeLessThanOrEqual(1);
    expect(Math.min(...published.map((r) => r.value))).toBeGreaterThanOrEqual(0);
    // Rates shown without their parts (payer-confidential) carry no interval; every other one does.
    for (const { where, interval } of published.filter((r) => !r.where.includes('segment_organization'))) expect(interval, where).toBeDefined();
    for (const { where, value, interval } of published)
      if (interval) expect(0 <= interval.low && interval.low <= value && value <= interval.high && interval.high <= 1, where).toBe(true);
  });
});

describe('the payer-confidential rule', () => {
  it('reads the registered plans, never the people: the same cells are withheld whichever plans the people are in', () => {
    // The same people, once spread over three commercial plans in the data (which the rule, reading
    // exact data, took as three pooled plans), once in the one registered plan.
    const spread = base.map((p, i) =>
      p.segment === 'commercial' ? person({ id: p.person, segment: p.segment, org: p.organization, payer: `Organization/plan-${Math.floor(i / 3) % 3}` }) : p,
    );
    for (const people of [spread, base]) {
      // A generous epsilon, so that noise alone would let counts through.
      const out = release(people, 20);
      for (const cell of out.cells.filter((c) => c.table === 'segment_organization'))
        for (const [q, v] of Object.entries(cell.quantities)) expect(v.status, `${cell.key} ${q}`).toBe('suppressed');
    }
    const noisy = addNoise(tabulate(spread, YEAR, zip3), dpSettings(1), words).cells;
    for (const cell of noisy) {
      expect([...cell.payers].sort()).toEqual(cell.stratum.segment ? [PLANS[cell.stratum.segment as Segment]] : Object.values(PLANS).sort());
      expect(cell.contributors).toEqual({});
    }
  });
});

describe('utility', () => {
  it('at ε = 1, a population of 30,000 has segment PMPM and member-months within 10% (median relative error)', () => {
    const people = Array.from({ length: 30_000 }, (_, i) =>
      person({
        id: `u${i}`,
        segment: SEGMENTS[i % 3],
        org: ORGS[(i >> 2) % 3],
        age: i % 90,
        zip: i % 5 ? '48911' : '49503',
        paid: 2_000 + ((i * 7919) % 9_000),
      }),
    );
    const cells = tabulate(people, YEAR, zip3);
    const exact = new Map(cells.map((c) => [c.key, c]));
    const errors = { pmpm: [] as number[], mm: [] as number[] };
    for (let run = 0; run < 3; run++)
      for (const c of addNoise(cells, dpSettings(1), words).cells.filter((c) => c.table === 'segment')) {
        const e = exact.get(c.key)!.values;
        errors.mm.push(Math.abs(c.values.member_months! / e.member_months! - 1));
        errors.pmpm.push(Math.abs(c.values.paid! / c.values.member_months! / (e.paid! / e.member_months!) - 1));
      }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(median(errors.mm)).toBeLessThan(0.1);
    expect(median(errors.pmpm)).toBeLessThan(0.1);
  });
});
