import { describe, expect, it } from 'vitest';
import {
  bernoulliExp,
  cryptoWords,
  discreteGaussian,
  discreteLaplace,
  rationalAtLeast,
  rationalValue,
  uniformBelow,
  uniformBelowBig,
} from '../../src/deid/noise.js';
import { checkBudget } from '../../src/deid/privacy.js';

/** The exact moments of the discrete Gaussian N_Z(0, σ²), summed over its support. */
function discreteGaussianMoments(sigma2: number) {
  let mass = 0;
  let second = 0;
  const reach = Math.ceil(12 * Math.sqrt(sigma2)) + 5;
  for (let y = -reach; y <= reach; y++) {
    const p = Math.exp(-(y * y) / (2 * sigma2));
    mass += p;
    second += y * y * p;
  }
  return { variance: second / mass, zero: 1 / mass };
}

const sample = (n: number, draw: () => number) => Array.from({ length: n }, draw);
const stats = (xs: readonly number[]) => {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { mean, variance: xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length };
};

describe('discrete Gaussian noise (Canonne, Kamath and Steinke 2020)', () => {
  const words = cryptoWords();
  it('draws integers with the distribution’s variance, from σ² = 0.5 to dollar-sized σ² = 10^13', () => {
    for (const sigma2 of [0.5, 3, 40, 2_500, 1e13]) {
      const n = 20_000;
      const xs = sample(n, () => discreteGaussian(rationalAtLeast(sigma2), words));
      expect(xs.every(Number.isSafeInteger)).toBe(true);
      const { mean, variance } = stats(xs);
      const expected = sigma2 > 1e4 ? sigma2 : discreteGaussianMoments(sigma2).variance;
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / n));
      expect(variance / expected, `σ² = ${sigma2}`).toBeGreaterThan(0.95);
      expect(variance / expected, `σ² = ${sigma2}`).toBeLessThan(1.05);
    }
  });

  it('puts the right mass on zero, P(0) = 1 / Σ exp(−y²/2σ²), and is symmetric', () => {
    for (const sigma2 of [0.5, 4]) {
      const n = 30_000;
      const xs = sample(n, () => discreteGaussian(rationalAtLeast(sigma2), words));
      const zero = xs.filter((x) => x === 0).length / n;
      expect(Math.abs(zero - discreteGaussianMoments(sigma2).zero)).toBeLessThan(0.012);
      const pos = xs.filter((x) => x > 0).length;
      const neg = xs.filter((x) => x < 0).length;
      expect(Math.abs(pos - neg) / n).toBeLessThan(0.02);
      // P(1) / P(0) = exp(−1 / (2σ²)): the shape, not just the spread.
      const one = xs.filter((x) => x === 1).length / n;
      expect(one / zero).toBeCloseTo(Math.exp(-1 / (2 * sigma2)), 1);
    }
  });

  it('samples with at least the σ² the accounting asked for, never less', () => {
    for (const x of [0.3, 1, 123.456, 7.7e12]) {
      const r = rationalAtLeast(x);
      expect(rationalValue(r)).toBeGreaterThanOrEqual(x);
      expect(rationalValue(r) / x).toBeLessThan(1 + 1e-5);
    }
    expect(() => rationalAtLeast(0)).toThrow();
  });

  it('never uses Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random used');
    };
    try {
      expect(Number.isInteger(discreteGaussian(rationalAtLeast(1e6), cryptoWords()))).toBe(true);
    } finally {
      Math.random = original;
    }
  });
});

describe('the exact building blocks', () => {
  const words = cryptoWords();
  it('Bernoulli(exp(−γ)) hits exp(−γ) for γ below and above 1', () => {
    for (const [num, den] of [
      [1n, 2n],
      [23n, 10n],
    ] as const) {
      const n = 20_000;
      const hits = sample(n, () => (bernoulliExp(num, den, words) ? 1 : 0)).reduce((s, x) => s + x, 0) / n;
      expect(Math.abs(hits - Math.exp(-Number(num) / Number(den)))).toBeLessThan(0.015);
    }
  });

  it('discrete Laplace (the proposal) has variance 2e^(-1/t) / (1 - e^(-1/t))^2', () => {
    const t = 3n;
    const n = 20_000;
    const { variance } = stats(sample(n, () => Number(discreteLaplace(t, words))));
    const q = Math.exp(-1 / 3);
    expect(variance / ((2 * q) / (1 - q) ** 2)).toBeGreaterThan(0.93);
    expect(variance / ((2 * q) / (1 - q) ** 2)).toBeLessThan(1.07);
  });

  it('samples uniform integers without modulo bias, below 2^32 and far above it', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[uniformBelow(3, words)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    // n = 3·2^30: a word taken modulo n would put 1/2 of its mass below 2^30 instead of 1/3.
    const n32 = 3 * 2 ** 30;
    const low32 = sample(20_000, () => (uniformBelow(n32, words) < 2 ** 30 ? 1 : 0)).reduce((s, x) => s + x, 0) / 20_000;
    expect(Math.abs(low32 - 1 / 3)).toBeLessThan(0.02);
    // The same at 64 bits: n = 3·2^62.
    const n64 = 3n << 62n;
    const low64 = sample(20_000, () => (uniformBelowBig(n64, words) < 1n << 62n ? 1 : 0)).reduce((s, x) => s + x, 0) / 20_000;
    expect(Math.abs(low64 - 1 / 3)).toBeLessThan(0.02);
    const big = (1n << 100n) + 7n;
    for (let i = 0; i < 1000; i++) {
      const x = uniformBelowBig(big, words);
      expect(x >= 0n && x < big).toBe(true);
    }
    expect(() => uniformBelow(0, words)).toThrow();
    expect(() => uniformBelowBig(0n, words)).toThrow();
  });
});

describe('privacy budget', () => {
  it('refuses a release that would pass the lifetime budget, and says by how much', () => {
    const ledger = [
      { release: 'v2', epsilon: 4 },
      { release: 'v3', epsilon: 5 },
    ];
    expect(checkBudget(ledger, 1, 10)).toEqual({ ok: true, spent: 9 });
    const refused = checkBudget(ledger, 1.5, 10);
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.message).toMatch(/9 of 10 already spent.*10\.5/);
  });
});
