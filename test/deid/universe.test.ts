import { describe, expect, it } from 'vitest';
import { declareUniverse, fitToUniverse, OTHER, strataOf } from '../../src/deid/universe.js';
import { TABLES } from '../../src/metrics/tables.js';
import { tabulate } from '../../src/metrics/tabulate.js';
import { UNIVERSE_POLICY } from '../../src/release/dp-policy.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };
import { SOURCES } from '../../src/synthetic/catalog.js';
import { ZIPS } from '../../src/synthetic/geography.js';
import { generaliseZip } from '../../src/deid/safe-harbor.js';
import { ORGS, person, PLANS, testUniverse, YEAR } from '../helpers/dp.js';

describe('the declared cell universe', () => {
  const universe = testUniverse();

  it('has every declared stratum of every table and period, occupied or not', () => {
    const cells = fitToUniverse([], universe, { payers: 'declared' });
    for (const table of TABLES) {
      const strata = strataOf(universe, table);
      expect(cells.filter((c) => c.table === table.id && c.period === String(YEAR)).length).toBe(strata.length);
    }
    expect(
      cells
        .filter((c) => c.table === 'total')
        .map((c) => c.period)
        .sort(),
    ).toEqual([`${YEAR}`, `${YEAR}-Q1`, `${YEAR}-Q2`, `${YEAR}-Q3`, `${YEAR}-Q4`]);
    expect(
      strataOf(
        universe,
        TABLES.find((t) => t.id === 'segment_organization')!,
      ).length,
    ).toBe(3 * (ORGS.length + 2));
    expect(cells.every((c) => Object.keys(c.values).length === 0)).toBe(true);
  });

  it('counts anyone outside the service area, or attributed to an unregistered organization, under "other"', () => {
    const people = [
      person({ id: 'a', zip: '10001' }), // New York, outside the area
      person({ id: 'b', zip: 'nonsense' }), // MI-000
      person({ id: 'c', org: 'Organization/not-registered' }),
      person({ id: 'd', org: 'unattributed', age: 95, sex: 'x' }),
    ];
    const cells = fitToUniverse(tabulate(people, YEAR, zip3), universe, { payers: 'declared' });
    const value = (table: string, stratum: string) => cells.find((c) => c.key === `${YEAR}|${table}|${stratum}`)!.values.members;
    expect(value('geography', OTHER)).toBe(1);
    expect(value('geography', 'MI-000')).toBe(1);
    expect(value('organization', OTHER)).toBe(1);
    expect(value('organization', 'unattributed')).toBe(1);
    expect(value('sex', 'unknown')).toBe(1);
    expect(value('age_band', '90+')).toBe(1);
    // Nothing is lost: every one-way table still adds up to the total.
    for (const table of ['geography', 'organization', 'sex', 'age_band'])
      expect(cells.filter((c) => c.table === table && c.period === String(YEAR)).reduce((n, c) => n + (c.values.members ?? 0), 0)).toBe(4);
  });

  it('takes plans from the registry, not the people; suppression may keep the data’s plans', () => {
    const people = [person({ id: 'a', payer: 'Organization/some-plan' })];
    const declared = fitToUniverse(tabulate(people, YEAR, zip3), universe, { payers: 'declared' });
    expect([...declared.find((c) => c.key === `${YEAR}|segment|commercial`)!.payers]).toEqual([PLANS.commercial]);
    const data = fitToUniverse(tabulate(people, YEAR, zip3), universe, { payers: 'data' });
    expect([...data.find((c) => c.key === `${YEAR}|segment|commercial`)!.payers]).toEqual(['Organization/some-plan']);
    expect(data.find((c) => c.key === `${YEAR}|segment|commercial`)!.contributors.members).toBe(1);
    // A declared plan that is not registered as a payer does not count.
    const unregistered = declareUniverse({ policy: UNIVERSE_POLICY, providers: ORGS, payers: [PLANS.medicare], years: [YEAR] });
    expect(unregistered.plans).toEqual({ commercial: [], medicare: [PLANS.medicare], medicaid: [] });
  });

  it('declares the synthetic region: its plans per segment, and every ZIP3 it uses', () => {
    const payers = SOURCES.filter((s) => s.kind === 'payer').map((s) => `Organization/${s.organizationId}`);
    expect(Object.values(UNIVERSE_POLICY.plans).flat().sort()).toEqual(payers.sort());
    for (const z of ZIPS) expect(UNIVERSE_POLICY.geography.areas).toContain(`MI-${generaliseZip(z.zip, zip3)}`);
    expect(() => declareUniverse({ policy: { ...UNIVERSE_POLICY, geography: { areas: ['other'] } }, providers: [], payers: [], years: [YEAR] })).toThrow();
  });
});
