import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { multiPayerMeasure, MIN_PLAN_DENOMINATOR } from '../../src/performance/multi-payer.js';
import { multiPayerResource } from '../../src/performance/multi-payer-resource.js';
import { structureProblems } from '../helpers/validate.js';

const P = (payer: string, numerator: number, denominator: number) => ({ payer, numerator, denominator });
/** Every number the published view carries, however deep. */
const numbersIn = (x: unknown): number[] => (typeof x === 'number' ? [x] : typeof x === 'object' && x ? Object.values(x).flatMap(numbersIn) : []);

describe('the multi-payer view publishes rates, never what reveals a plan’s share (seed 004)', () => {
  it('never carries a plan’s numerator or denominator', () => {
    const counts = [P('Organization/a', 37, 62), P('Organization/b', 112, 173), P('Organization/c', 44, 90)];
    const view = multiPayerMeasure('breast-cancer-screening', false, counts);
    const published = numbersIn(view);
    for (const c of counts) {
      expect(published).not.toContain(c.numerator);
      expect(published).not.toContain(c.denominator);
    }
    expect(Object.keys(view.plans[0]!).sort()).toEqual(['payer', 'rate']);
    expect(view.plans.map((p) => p.rate)).toEqual([60, 65, 49]);
  });

  it('with two plans, leaves out the pooled rate: with it, the two rates would solve for each plan’s share', () => {
    // Attack: R = s·r1 + (1 − s)·r2 gives s = (R − r2)/(r1 − r2). Without R there is no equation.
    const view = multiPayerMeasure('m', false, [P('Organization/a', 30, 100), P('Organization/b', 140, 200)]);
    expect(view.pooledRate).toBeUndefined();
    expect(view.pooledDenominator).toBeUndefined();
    expect(view.plans.map((p) => p.rate)).toEqual([30, 70]);
    // By construction: two different panels publish the very same view, so nothing in it recovers a plan's denominator or share.
    const other = multiPayerMeasure('m', false, [P('Organization/a', 300, 1000), P('Organization/b', 14, 20)]);
    expect(other).toEqual(view);
  });

  it('publishes the pooled denominator only with three or more plans, none over 70% of it, every slice shown', () => {
    expect(multiPayerMeasure('m', false, [P('a', 30, 100), P('b', 40, 100), P('c', 50, 100)]).pooledDenominator).toBe(300);
    // One plan is 80%: its denominator would be about D.
    expect(multiPayerMeasure('m', false, [P('a', 300, 800), P('b', 40, 100), P('c', 50, 100)]).pooledDenominator).toBeUndefined();
    // A withheld small plan beside D: D − Σ others would pin it.
    const small = multiPayerMeasure('m', false, [P('a', 30, 100), P('b', 40, 100), P('c', 5, MIN_PLAN_DENOMINATOR - 1)]);
    expect(small.pooledDenominator).toBeUndefined();
    expect(small.plans.find((p) => p.payer === 'c')).toEqual({ payer: 'c' });
  });

  it('with three plans and the pooled denominator, the published linear system still has a family of solutions', () => {
    const panel = [P('a', 30, 100), P('b', 40, 100), P('c', 50, 100)];
    const view = multiPayerMeasure('m', false, panel);
    // Another panel with other plan denominators (120, 60, 120) publishes the same: 36/120, 24/60, 60/120.
    const shifted = multiPayerMeasure('m', false, [P('a', 36, 120), P('b', 24, 60), P('c', 60, 120)]);
    expect(shifted).toEqual(view);
  });

  it('is published as a structurally valid R4 MeasureReport whose strata carry rates only', () => {
    const m = multiPayerMeasure('m', false, [P('a', 30, 100), P('b', 40, 100), P('c', 50, 100)]);
    const r = multiPayerResource('http://gw.test', 'Organization/clinic-oak-org', { year: 2025, q: 3 }, [m], [], '2025-10-01T00:00:00Z') as Record<string, any>;
    expect(structureProblems(r)).toEqual([]);
    expect(r.group[0].measureScore.value).toBe(40);
    expect(r.group[0].stratifier[0].stratum.map((s: any) => Object.keys(s).sort())).toEqual([
      ['measureScore', 'value'],
      ['measureScore', 'value'],
      ['measureScore', 'value'],
    ]);
  });

  it('rounds rates to whole percent', () => {
    const view = multiPayerMeasure('m', false, [P('a', 1, 3 * 5), P('b', 2, 3 * 5), P('c', 2, 3 * 5)]);
    for (const p of view.plans) expect(Number.isInteger(p.rate)).toBe(true);
    expect(Number.isInteger(view.pooledRate)).toBe(true);
  });

  it('with two plans, scaling each plan’s panel independently never changes the view: no share is recoverable (property)', () => {
    const plan = fc.integer({ min: 1, max: 500 }).chain((d) => fc.tuple(fc.integer({ min: 0, max: d }), fc.constant(d)));
    fc.assert(
      fc.property(plan, plan, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), ([n1, d1], [n2, d2], k, m) => {
        const view = multiPayerMeasure('m', false, [P('a', n1, d1), P('b', n2, d2)]);
        const scaled = multiPayerMeasure('m', false, [P('a', k * n1, k * d1), P('b', m * n2, m * d2)]);
        // Scaling can lift a small plan over the cell size and show its rate: compare only where both show it.
        const shown = (v: typeof view) => v.plans.every((p) => p.rate !== undefined);
        if (shown(view) && shown(scaled)) expect(scaled).toEqual(view);
        expect(view.pooledDenominator).toBeUndefined();
        if (shown(view)) expect(view.pooledRate).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
