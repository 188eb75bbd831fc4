/**
 * Integer noise for differential privacy: the discrete Laplace distribution, sampled exactly
 * with integer arithmetic from a cryptographic RNG (Canonne, Kamath and Steinke, "The Discrete
 * Gaussian for Differential Privacy", 2020, algorithms 1 and 2). No floating-point sampling is
 * involved, so none of the floating-point attacks on textbook Laplace noise (Mironov 2012)
 * apply, and the published values stay integers.
 */

/** A source of uniform 32-bit words. Web Crypto exists in Node 20 and in Workers alike. */
export type RandomWords = () => number;

export function cryptoWords(): RandomWords {
  const buffer = new Uint32Array(1024);
  let next = buffer.length;
  return () => {
    if (next === buffer.length) {
      crypto.getRandomValues(buffer);
      next = 0;
    }
    return buffer[next++]!;
  };
}

const TWO_32 = 2 ** 32;
const TWO_53 = 2 ** 53;

/** Uniform integer in [0, n), n ≤ 2^53, by rejection so there is no modulo bias. */
export function uniformBelow(n: number, words: RandomWords): number {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('uniformBelow needs a positive safe integer');
  if (n <= TWO_32) {
    const limit = TWO_32 - (TWO_32 % n);
    for (;;) {
      const x = words();
      if (x < limit) return x % n;
    }
  }
  const limit = TWO_53 - (TWO_53 % n);
  for (;;) {
    const x = (words() & 0x1fffff) * TWO_32 + words();
    if (x < limit) return x % n;
  }
}

const bernoulli = (num: number, den: number, words: RandomWords) => uniformBelow(den, words) < num;

/** Bernoulli(exp(-num/den)) for 0 ≤ num/den ≤ 1, exactly. */
function bernoulliExpFraction(num: number, den: number, words: RandomWords): boolean {
  let k = 1;
  while (bernoulli(num, den * k, words)) k++;
  return k % 2 === 1;
}

export interface Scale {
  /** The scale is t / s: P(x) ∝ exp(-|x| · s / t). */
  t: number;
  s: number;
}

/** A rational close to the wanted scale; the published scale is the exact one used. */
export function scaleOf(value: number): Scale {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError('noise scale must be positive');
  return value >= 1e6 ? { t: Math.round(value), s: 1 } : { t: Math.max(1, Math.round(value * 1000)), s: 1000 };
}

export const scaleValue = (scale: Scale) => scale.t / scale.s;

/** One draw of discrete Laplace noise with the given scale. */
export function discreteLaplace(scale: Scale, words: RandomWords): number {
  const { t, s } = scale;
  for (;;) {
    const u = uniformBelow(t, words);
    if (!bernoulliExpFraction(u, t, words)) continue;
    let v = 0;
    while (bernoulliExpFraction(1, 1, words)) v++;
    const y = Math.floor((u + t * v) / s);
    const negative = bernoulli(1, 2, words);
    if (negative && y === 0) continue;
    return negative ? -y : y;
  }
}
