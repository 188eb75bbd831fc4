import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cryptoWords, DEFAULT_CLIPPING, deidentify } from '../../../src/deid/index.js';
import { designsFor, measuredValues } from '../../../src/deid/dp/release.js';
import { planQueries } from '../../../src/deid/dp/workload.js';
import { epsilonOfRho, rhoOfEpsilon } from '../../../src/deid/dp/zcdp.js';
import { fitToUniverse } from '../../../src/deid/universe.js';
import { tabulate } from '../../../src/metrics/tabulate.js';
import { DP_WORKLOAD } from '../../../src/release/dp-policy.js';
import zip3 from '../../../policies/census-zip3.json' with { type: 'json' };
import { arbitraryFacts, dpSettings, person, testUniverse, YEAR } from '../../helpers/dp.js';

describe('zCDP accounting', () => {
  it('converts epsilon to the largest ρ whose ε(ρ, δ) = ρ + 2√(ρ ln 1/δ) is at most epsilon', () => {
    for (const epsilon of [0.01, 0.5, 1, 4, 20, 100])
      for (const delta of [1e-5, 1e-8, 1e-12]) {
        const rho = rhoOfEpsilon(epsilon, delta);
        expect(epsilonOfRho(rho, delta)).toBeLessThanOrEqual(epsilon);
        expect(epsilonOfRho(rho, delta)).toBeCloseTo(epsilon, 9);
      }
    // A worked value: ε = 1, δ = 1e-8 gives ρ ≈ 0.01322.
    expect(rhoOfEpsilon(1, 1e-8)).toBeCloseTo(0.013215, 5);
    expect(() => rhoOfEpsilon(0, 1e-8)).toThrow();
    expect(() => rhoOfEpsilon(1, 0)).toThrow();
  });

  it('the ρ of every noised query adds up to the release’s ρ, and its ε at δ is at most the requested epsilon', () => {
    for (const epsilon of [0.25, 1, 4])
      for (const years of [[2025], [2023, 2024, 2025]]) {
        const plan = planQueries({ epsilon, workload: DP_WORKLOAD, years, clipping: DEFAULT_CLIPPING });
        const spent = plan.queries.reduce((n, q) => n + q.rho, 0) + plan.population.rho;
        expect(spent).toBeLessThanOrEqual(plan.rho);
        expect(spent / plan.rho).toBeGreaterThan(1 - 1e-6);
        expect(plan.rhoSpent).toBeCloseTo(spent, 12);
        expect(epsilonOfRho(spent, DP_WORKLOAD.delta)).toBeLessThanOrEqual(epsilon);
        // Every query's σ is what its ρ says: ρ = Δ² / (2σ²).
        for (const q of plan.queries) expect(q.rho).toBeCloseTo((q.sensitivity * q.sensitivity) / (2 * q.sigma * q.sigma), 12);
        // The years share the budget equally.
        const perYear = years.map((y) => plan.queries.filter((q) => q.year === y).reduce((n, q) => n + q.rho, 0));
        for (const r of perYear) expect(r / perYear[0]!).toBeCloseTo(1, 9);
      }
  });

  it('a released DP cell set states the same accounting, and spends by the declared weights', () => {
    const cells = tabulate(
      Array.from({ length: 60 }, (_, i) => person({ id: `p${i}` })),
      YEAR,
      zip3,
    );
    const out = deidentify(cells, { privacy: dpSettings(1), words: cryptoWords() });
    const dp = out.privacy!;
    expect(dp).toMatchObject({ mechanism: 'discrete-gaussian', accounting: 'zCDP', epsilon: 1, delta: DP_WORKLOAD.delta });
    expect(dp.queries.reduce((n, q) => n + q.rho, 0) + dp.population.rho).toBeCloseTo(dp.rhoSpent, 12);
    expect(dp.rhoSpent).toBeLessThanOrEqual(dp.rho);
    expect(dp.epsilonSpent).toBeLessThanOrEqual(1);
    const rhoOf = (group: string, histogram: string) => dp.queries.filter((q) => q.group === group && q.histogram === histogram).reduce((n, q) => n + q.rho, 0);
    // Member-months by segment (weights 4 × 3) get three times what members by organization (2 × 2) get.
    expect(rhoOf('member_months', 'segment') / rhoOf('members', 'organization')).toBeCloseTo((4 * 3) / (2 * 2), 6);
    // The tables researchers need most get the most.
    expect(rhoOf('paid', 'segment')).toBeGreaterThan(rhoOf('paid', 'geography'));
    expect(rhoOf('member_months', 'total')).toBeGreaterThan(rhoOf('member_months', 'total_by_quarter'));
  });
});

describe('sensitivity (property)', () => {
  it('adding any one person moves no noised histogram by more than its stated L2 sensitivity', () => {
    const universe = testUniverse();
    const plan = planQueries({ epsilon: 1, workload: DP_WORKLOAD, years: [YEAR], clipping: DEFAULT_CLIPPING });
    const designs = designsFor(plan, universe);
    const base = [person({ id: 'a', segment: 'medicare', index: 2, readmissions: 1, bcs: 'num' }), person({ id: 'b', zip: '49503', age: 70, bcs: 'excl' })];
    const measured = (people: Parameters<typeof tabulate>[0]) => {
      const cells = new Map(fitToUniverse(tabulate(people, YEAR, zip3), universe, { payers: 'declared' }).map((c) => [c.key, c]));
      return designs.map((d) => measuredValues(d, cells, YEAR));
    };
    const before = measured(base);
    fc.assert(
      fc.property(arbitraryFacts, (target) => {
        if (!target) return;
        const after = measured([...base, target]);
        designs.forEach((d, i) => {
          const moved = new Map<string, number>();
          d.measurements.forEach(({ query }, j) => {
            const key = `${query.histogram}|${query.kind}`;
            moved.set(key, (moved.get(key) ?? 0) + (after[i]![j]! - before[i]![j]!) ** 2);
          });
          for (const [key, squared] of moved) {
            const query = d.measurements.find((m) => `${m.query.histogram}|${m.query.kind}` === key)!.query;
            expect(Math.sqrt(squared), `${d.group.id} ${key}`).toBeLessThanOrEqual(query.sensitivity + 1e-9);
          }
        });
      }),
      { numRuns: 150 },
    );
  });
});
