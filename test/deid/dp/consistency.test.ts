import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consistentIntegers, projectToSum, roundToSum } from '../../../src/deid/dp/consistency.js';
import { covariance, estimate } from '../../../src/deid/dp/gls.js';
import { consistentTable } from '../../../src/deid/dp/transport.js';

const vectors = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    x: fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: n, maxLength: n }),
    v: fc.array(fc.double({ min: 0.01, max: 1e4, noNaN: true }), { minLength: n, maxLength: n }),
    total: fc.integer({ min: 0, max: 2_000_000 }),
  }),
);

describe('non-negative projection onto a sum (property)', () => {
  it('gives non-negative values with the given sum, each the input less λ times its variance, or 0', () => {
    fc.assert(
      fc.property(vectors, ({ x, v, total }) => {
        const y = projectToSum(x, v, total);
        expect(y.every((yi) => yi >= 0)).toBe(true);
        expect(y.reduce((s, yi) => s + yi, 0)).toBeCloseTo(total, 3);
        // Optimality (KKT): one λ for every positive cell, and no zero cell that would want to be positive.
        const lambdas = y.flatMap((yi, i) => (yi > 1e-9 ? [(x[i]! - yi) / v[i]!] : []));
        if (total > 0) {
          const lambda = lambdas[0]!;
          for (const l of lambdas) expect(Math.abs(l - lambda)).toBeLessThan(1e-6 * (1 + Math.abs(lambda)));
          y.forEach((yi, i) => {
            if (yi <= 1e-9) expect(x[i]! - lambda * v[i]!).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(x[i]!)));
          });
        }
      }),
    );
  });

  it('rounds to whole numbers keeping the sum and non-negativity', () => {
    fc.assert(
      fc.property(vectors, ({ x, v, total }) => {
        const ints = consistentIntegers(x, v, total);
        expect(ints.every((k) => Number.isInteger(k) && k >= 0)).toBe(true);
        expect(ints.reduce((s, k) => s + k, 0)).toBe(total);
      }),
    );
    expect(roundToSum([0.4, 0.4, 0.2], 1)).toEqual([1, 0, 0]);
    expect(roundToSum([1.5, 1.5], 3)).toEqual([2, 1]);
  });
});

describe('a two-way table with fixed margins (property)', () => {
  const tables = fc.record({ r: fc.integer({ min: 1, max: 4 }), c: fc.integer({ min: 1, max: 9 }) }).chain(({ r, c }) =>
    fc.record({
      x: fc.array(fc.array(fc.double({ min: -5e5, max: 5e5, noNaN: true }), { minLength: c, maxLength: c }), { minLength: r, maxLength: r }),
      v: fc.array(fc.array(fc.double({ min: 1, max: 1e4, noNaN: true }), { minLength: c, maxLength: c }), { minLength: r, maxLength: r }),
      rows: fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: r, maxLength: r }),
      split: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: c, maxLength: c }),
    }),
  );
  it('gives non-negative whole numbers adding up to every row and column margin', () => {
    fc.assert(
      fc.property(tables, ({ x, rows, split }) => {
        // Column margins with the same total as the rows.
        const total = rows.reduce((s, n) => s + n, 0);
        const weights = split.map((w) => w + 0.01);
        const cols = roundToSum(
          weights.map((w) => (total * w) / weights.reduce((s, u) => s + u, 0)),
          total,
        );
        const t = consistentTable(x, rows, cols);
        for (const row of t) for (const value of row) expect(Number.isInteger(value) && value >= 0).toBe(true);
        t.forEach((row, i) => expect(row.reduce((s, n) => s + n, 0)).toBe(rows[i]));
        cols.forEach((col, j) => expect(t.reduce((s, row) => s + row[j]!, 0)).toBe(col));
      }),
      { numRuns: 200 },
    );
  });
  it('meets the margins where raking alone crawls: a margin that needs a cell the noise put at 0', () => {
    const t = consistentTable(
      [
        [0, 0],
        [0, 1500.79],
        [0, 0],
      ],
      [0, 99_986, 99_964],
      [99_975, 99_975],
    );
    expect(t.map((row) => row[0]! + row[1]!)).toEqual([0, 99_986, 99_964]);
    expect([t[0]![0]! + t[1]![0]! + t[2]![0]!, t[0]![1]! + t[1]![1]! + t[2]![1]!]).toEqual([99_975, 99_975]);
  });
  it('stays at the estimates where they already fit', () => {
    expect(
      consistentTable(
        [
          [3, 1],
          [2, 4],
        ],
        [4, 6],
        [5, 5],
      ),
    ).toEqual([
      [3, 1],
      [2, 4],
    ]);
  });
});

describe('least squares under identities', () => {
  it('combines two measurements of one value by their precision, with the variance of the combination', () => {
    const measurements = [
      { terms: [0], variance: 1 },
      { terms: [0], variance: 4 },
    ];
    const cov = covariance(1, measurements, []);
    expect(cov[0]).toBeCloseTo(0.8, 12);
    expect(estimate(cov, 1, measurements, [10, 20])[0]).toBeCloseTo((10 / 1 + 20 / 4) / (1 / 1 + 1 / 4), 10);
  });

  it('makes two partitions of a population agree on its total, moving the noisier one more', () => {
    // Unknowns 0, 1 (partition A) and 2, 3 (partition B); a0 + a1 = b0 + b1.
    const measurements = [0, 1].map((i) => ({ terms: [i], variance: 1 })).concat([2, 3].map((i) => ({ terms: [i], variance: 9 })));
    const cov = covariance(4, measurements, [{ plus: [0, 1], minus: [2, 3] }]);
    const x = estimate(cov, 4, measurements, [50, 50, 70, 70]);
    expect(x[0]! + x[1]!).toBeCloseTo(x[2]! + x[3]!, 9);
    // Totals 100 (variance 2) and 140 (variance 18) combine to 104; A moves by 4 in all, B by 36.
    expect(x[0]! + x[1]!).toBeCloseTo(104, 9);
    expect(x[2]! + x[3]!).toBeCloseTo(104, 9);
    // The reconciled total's variance: 1 / (1/2 + 1/18) = 1.8.
    const v = (terms: number[]) => terms.reduce((s, i) => s + terms.reduce((t, j) => t + cov[i * 4 + j]!, 0), 0);
    expect(v([0, 1])).toBeCloseTo(1.8, 9);
    expect(() => covariance(2, [{ terms: [0], variance: 1 }], [])).toThrow(/do not determine/);
  });
});
