import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SAVINGS_FORMULA, settle, settleContract } from '../../src/performance/savings.js';
import { FIXTURE_CONTRACT } from './fixtures.js';

const fixture = { benchmarkPmpm: 500, actualPmpm: 480, memberMonths: 12_000, minimumSavingsRate: 0.02, sharingRate: 0.5, qualityGatePassed: true };

describe('shared savings (the stated formula)', () => {
  it("earns exactly 120,000 on the issue's fixture: (500 − 480) × 12,000 × 50%", () => {
    expect(settle(fixture)).toEqual({ amount: 120_000, savingsRate: 0.04, outcome: 'shared-savings' });
    expect(settleContract(FIXTURE_CONTRACT, 480, 12_000, true).amount).toBe(120_000);
  });

  it('earns 0 when the quality gate fails, however much was saved', () => {
    expect(settle({ ...fixture, qualityGatePassed: false })).toMatchObject({ amount: 0, outcome: 'quality-gate-failed' });
    expect(settleContract(FIXTURE_CONTRACT, 100, 12_000, false).amount).toBe(0);
  });

  it('earns 0 below the minimum savings rate, and the first dollar once it is met exactly', () => {
    // 1.9% saved: under the 2% MSR.
    expect(settle({ ...fixture, actualPmpm: 490.5 })).toMatchObject({ amount: 0, outcome: 'within-corridor' });
    // Exactly 2% (10 of 500): the MSR is met, and all of the saving is shared, not only what is beyond it.
    expect(settle({ ...fixture, actualPmpm: 490 }).amount).toBe(60_000);
  });

  it('never pays an upside-only contract anything negative, even far over the benchmark', () => {
    expect(settle({ ...fixture, actualPmpm: 900 }).amount).toBe(0);
    expect(settleContract(FIXTURE_CONTRACT, 900, 12_000, true).amount).toBe(0);
  });

  it('charges a two-sided (3B) contract the deficit beyond the MSR at the downside rate, capped, whatever the gate', () => {
    const twoSided = { ...fixture, downside: { sharingRate: 0.4, cap: 100_000 } };
    // (530 − 500) × 1,000 × 40% = 12,000.
    expect(settle({ ...twoSided, actualPmpm: 530, memberMonths: 1_000, qualityGatePassed: false })).toMatchObject({
      amount: -12_000,
      outcome: 'shared-deficit',
    });
    // 100 × 12,000 × 40% = 480,000, capped at 100,000.
    expect(settle({ ...twoSided, actualPmpm: 600 }).amount).toBe(-100_000);
    // A 1% loss is inside the corridor.
    expect(settle({ ...twoSided, actualPmpm: 505 }).amount).toBe(0);
  });

  it('is never negative for 3A and never less for a lower actual cost (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 2000, noNaN: true }),
        fc.double({ min: 0, max: 4000, noNaN: true }),
        fc.double({ min: 0, max: 4000, noNaN: true }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.double({ min: 0, max: 0.2, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (benchmarkPmpm, a, b, memberMonths, minimumSavingsRate, sharingRate, qualityGatePassed) => {
          const base = { benchmarkPmpm, memberMonths, minimumSavingsRate, sharingRate, qualityGatePassed };
          const [low, high] = a <= b ? [a, b] : [b, a];
          const atLow = settle({ ...base, actualPmpm: low }).amount;
          const atHigh = settle({ ...base, actualPmpm: high }).amount;
          expect(atLow).toBeGreaterThanOrEqual(0);
          expect(atHigh).toBeGreaterThanOrEqual(0);
          expect(atLow).toBeGreaterThanOrEqual(atHigh);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('states the formula in words', () => {
    expect(SAVINGS_FORMULA).toContain('(benchmark PMPM − actual PMPM) × member-months × sharing rate');
    expect(SAVINGS_FORMULA).toContain('quality gate');
  });
});
