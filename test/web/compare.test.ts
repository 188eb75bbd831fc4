import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dictionaryCsv } from '../../src/release/files/dictionary.js';
import type { MetricRow } from '../../src/release/files/rows.js';
import { compareReleases } from '../../src/web/public/compare.js';
import { readCompareQuery } from '../../src/web/public/compare-query.js';
import { parseCsv } from '../../src/web/public/csv.js';
import { withheld } from '../helpers/withheld-rows.js';

function row(id: string, value: number | null, at: Partial<MetricRow> = {}): MetricRow {
  return {
    cell_id: id,
    period: '2025',
    table: 'total',
    segment: '',
    organization: '',
    geography: '',
    age_band: '',
    sex: '',
    measure: id,
    kind: 'count',
    value,
    interval_low: null,
    interval_high: null,
    status: value === null ? 'suppressed' : 'published',
    reason: value === null ? 'disclosure-control' : '',
    noise_sd: null,
    ...at,
  };
}

// A cell published in both, one withheld only in b, one only in a, one in both, and cells only one release has.
const a = [row('both', 100), row('b-withheld', 40), row('a-withheld', null), row('neither', null), row('only-a', 7), row('other-table', 1, { table: 'sex' })];
const b = [row('both', 112.5), row('b-withheld', null, { reason: 'payer-confidential' }), row('a-withheld', 45), row('neither', null), row('only-b', 9)];

describe('the comparison of two releases', () => {
  const c = compareReleases(a, b, 'total');
  const byId = new Map(c.cells.map((x) => [x.cellId, x]));

  it('gives both values and the change for a cell published in both', () => {
    expect(byId.get('both')).toMatchObject({ a: { value: 100 }, b: { value: 112.5 }, change: 12.5 });
  });

  it('shows a cell withheld in one release as withheld there, with its reason, and gives no change', () => {
    expect(byId.get('b-withheld')).toMatchObject({ a: { value: 40 }, b: { suppressed: 'payer-confidential' }, change: null });
    expect(byId.get('a-withheld')).toMatchObject({ a: { suppressed: 'disclosure-control' }, b: { value: 45 }, change: null });
    expect(byId.get('neither')).toMatchObject({ a: { suppressed: 'disclosure-control' }, b: { suppressed: 'disclosure-control' }, change: null });
  });

  it('counts, and does not show, cells only one release carries; keeps to the table asked for', () => {
    expect([...byId.keys()].sort()).toEqual(['a-withheld', 'b-withheld', 'both', 'neither']);
    expect([c.onlyA, c.onlyB]).toEqual([1, 1]);
  });

  it('attack (differencing): whatever value a withheld cell hides, in either release, the comparison is the same', () => {
    const clean = JSON.stringify(c);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 4 }),
        (ha, hb) => {
          const leaked = compareReleases(withheld(a, ha), withheld(b, hb), 'total');
          expect(JSON.stringify(leaked)).toBe(clean);
          // No change is ever given where either side is not a published value.
          for (const x of leaked.cells) if (!('value' in x.a) || !('value' in x.b)) expect(x.change).toBeNull();
        },
      ),
    );
  });
});

describe('the comparison form', () => {
  const ids = ['v2', 'v1'];
  it('asks nothing of a visitor who has not chosen yet', () => {
    const q = readCompareQuery({}, ids);
    expect(q.errors).toEqual({});
    expect(q.valid).toBeUndefined();
  });
  it('accepts two different releases that exist, and a known table', () => {
    expect(readCompareQuery({ a: 'v1', b: 'v2', table: 'segment' }, ids).valid).toEqual({ a: 'v1', b: 'v2', table: 'segment' });
  });
  it('refuses, on the field, an unknown, a malformed, a missing or a repeated release, and an unknown table', () => {
    expect(readCompareQuery({ a: 'v9', b: 'v2' }, ids).errors).toEqual({ a: expect.stringMatching(/no release with that name/) });
    expect(readCompareQuery({ a: 'v1', b: "<script>'" }, ids).errors).toEqual({ b: expect.stringMatching(/no release with that name/) });
    expect(readCompareQuery({ b: 'v1' }, ids).errors).toEqual({ a: 'Choose a release.' });
    expect(readCompareQuery({ a: 'v1', b: 'v1' }, ids).errors).toEqual({ b: expect.stringMatching(/different/) });
    expect(readCompareQuery({ a: 'v1', b: 'v2', table: 'people' }, ids).errors).toEqual({ table: expect.any(String) });
  });
  it('keeps what was typed, cut short', () => {
    expect(readCompareQuery({ a: 'x'.repeat(500), b: 'v1' }, ids).typed.a).toHaveLength(40);
  });
});

describe('the data dictionary CSV, read back', () => {
  it('gives every row of the dictionary the release files write, quotes and commas included', () => {
    const rows = parseCsv(dictionaryCsv());
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.find((r) => r.element === 'reason' && r.name === 'payer-confidential')!.definition).toMatch(/one health plan's share/);
    expect(parseCsv('a,b\r\n"x, ""y""",\r\n')).toEqual([{ a: 'x, "y"', b: '' }]);
  });
});
