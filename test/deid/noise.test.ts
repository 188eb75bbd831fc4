import { describe, expect, it } from 'vitest';
import { cryptoWords, discreteLaplace, scaleOf, uniformBelow } from '../../src/deid/noise.js';
import { checkBudget } from '../../src/deid/privacy.js';

describe('discrete Laplace noise', () => {
  const words = cryptoWords();
  it('draws integers whose variance matches the distribution: 2e^(-1/b) / (1 - e^(-1/b))^2', () => {
    for (const b of [0.7, 3, 25]) {
      const n = 20_000;
      const xs = Array.from({ length: n }, () => discreteLaplace(scaleOf(b), words));
      expect(xs.every(Number.isInteger)).toBe(true);
      const mean = xs.reduce((s, x) => s + x, 0) / n;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n;
      const q = Math.exp(-1 / b);
      const expected = (2 * q) / (1 - q) ** 2;
      expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(expected / n));
      expect(variance / expected).toBeGreaterThan(0.9);
      expect(variance / expected).toBeLessThan(1.1);
    }
  });
  it('is symmetric and puts the right mass on zero: P(0) = (1 - q) / (1 + q)', () => {
    const b = 2;
    const n = 20_000;
    const xs = Array.from({ length: n }, () => discreteLaplace(scaleOf(b), words));
    const q = Math.exp(-1 / b);
    const zero = xs.filter((x) => x === 0).length / n;
    expect(Math.abs(zero - (1 - q) / (1 + q))).toBeLessThan(0.02);
    const pos = xs.filter((x) => x > 0).length;
    const neg = xs.filter((x) => x < 0).length;
    expect(Math.abs(pos - neg) / n).toBeLessThan(0.03);
  });
  it('samples uniform integers without modulo bias, also above 2^32', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[uniformBelow(3, words)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    const big = 2 ** 40 + 7;
    for (let i = 0; i < 1000; i++) {
      const x = uniformBelow(big, words);
      expect(Number.isInteger(x) && x >= 0 && x < big).toBe(true);
    }
    expect(() => uniformBelow(0, words)).toThrow();
  });
  it('never uses Math.random', () => {
    const original = Math.random;
    Math.random = () => {
      throw new Error('Math.random used');
    };
    try {
      expect(Number.isInteger(discreteLaplace(scaleOf(10), cryptoWords()))).toBe(true);
    } finally {
      Math.random = original;
    }
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
