/**
 * Integer noise for differential privacy: the discrete Gaussian, sampled exactly with integer
 * (BigInt) arithmetic from a cryptographic RNG (Canonne, Kamath and Steinke, "The Discrete
 * Gaussian for Differential Privacy", NeurIPS 2020, algorithms 1 to 3). No floating-point number
 * is ever sampled, so none of the floating-point attacks on textbook Laplace or Gaussian noise
 * (Mironov 2012; Jin et al. 2022) apply, and noisy counts stay integers. BigInt because the
 * acceptance test of a dollar sum's noise (σ² near 10^13) needs products far beyond 2^53.
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

/** Uniform integer in [0, n), n ≤ 2^32, by rejection so there is no modulo bias. */
export function uniformBelow(n: number, words: RandomWords): number {
  if (!Number.isSafeInteger(n) || n < 1 || n > TWO_32) throw new RangeError('uniformBelow needs an integer in [1, 2^32]');
  const limit = TWO_32 - (TWO_32 % n);
  for (;;) {
    const x = words();
    if (x < limit) return x % n;
  }
}

/**
 * Uniform BigInt in [0, n): draws exactly as many bits as n needs and rejects values ≥ n (fewer
 * than 2 draws on average), so every value has probability exactly 1/n.
 */
export function uniformBelowBig(n: bigint, words: RandomWords): bigint {
  if (n < 1n) throw new RangeError('uniformBelowBig needs n ≥ 1');
  if (n <= 0x100000000n) return BigInt(uniformBelow(Number(n), words));
  const bits = (n - 1n).toString(2).length;
  const wordCount = Math.ceil(bits / 32);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    let x = 0n;
    for (let i = 0; i < wordCount; i++) x = (x << 32n) | BigInt(words());
    x &= mask;
    if (x < n) return x;
  }
}

/** Bernoulli(num / den), exactly, for 0 ≤ num ≤ den. */
const bernoulli = (num: bigint, den: bigint, words: RandomWords) => uniformBelowBig(den, words) < num;

/** Bernoulli(exp(−num/den)) for any num/den ≥ 0, exactly (CKS algorithm 1). */
export function bernoulliExp(num: bigint, den: bigint, words: RandomWords): boolean {
  if (num < 0n || den <= 0n) throw new RangeError('bernoulliExp needs num ≥ 0 and den > 0');
  // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)): one coin per whole unit, then the fraction.
  const whole = num / den;
  for (let k = 0n; k < whole; k++) if (!bernoulliExpAtMostOne(1n, 1n, words)) return false;
  return bernoulliExpAtMostOne(num - whole * den, den, words);
}

/** Bernoulli(exp(−γ)) for γ = num/den in [0, 1]: the parity of the first K with Bernoulli(γ/K) false. */
function bernoulliExpAtMostOne(num: bigint, den: bigint, words: RandomWords): boolean {
  let k = 1n;
  while (bernoulli(num, den * k, words)) k++;
  return k % 2n === 1n;
}

/** Discrete Laplace with integer scale t: P(x) ∝ exp(−|x|/t) (CKS algorithm 2 with s = 1). */
export function discreteLaplace(t: bigint, words: RandomWords): bigint {
  if (t < 1n) throw new RangeError('discrete Laplace scale must be a positive integer');
  for (;;) {
    const u = uniformBelowBig(t, words);
    if (!bernoulliExp(u, t, words)) continue;
    let v = 0n;
    while (bernoulliExp(1n, 1n, words)) v++;
    const x = u + t * v;
    const negative = bernoulli(1n, 2n, words);
    if (negative && x === 0n) continue;
    return negative ? -x : x;
  }
}

/** A positive rational, as the exact sampler needs its parameter. */
export interface Rational {
  num: bigint;
  den: bigint;
}

const DEN = 1n << 20n;

/**
 * The smallest multiple of 2^-20 at or above x (and above x's own rounding error): the sampler's
 * σ² is never below the σ² the accounting asked for, so the privacy actually spent is at most
 * what the accounting states (more noise can only spend less).
 */
export function rationalAtLeast(x: number): Rational {
  if (!(x > 0) || !Number.isFinite(x)) throw new RangeError('σ² must be a positive number');
  return { num: BigInt(Math.ceil(x * (1 + 1e-12) * Number(DEN))), den: DEN };
}

export const rationalValue = (r: Rational) => Number(r.num) / Number(r.den);

/** ⌊√n⌋ for n ≥ 0, by Newton's method on BigInts. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // The float estimate is within a few units of the root; settle it exactly.
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/**
 * One draw of the discrete Gaussian with parameter σ² = num/den: P(x) ∝ exp(−x²/(2σ²)) over the
 * integers (CKS algorithm 3): a discrete Laplace proposal with scale t = ⌊σ⌋ + 1, accepted with
 * probability exp(−(|y| − σ²/t)² / (2σ²)), computed as one exact rational.
 */
export function discreteGaussian(sigma2: Rational, words: RandomWords): number {
  const { num: a, den: b } = sigma2;
  if (a <= 0n || b <= 0n) throw new RangeError('σ² must be positive');
  const t = isqrt(a / b) + 1n;
  for (;;) {
    const y = discreteLaplace(t, words);
    const abs = y < 0n ? -y : y;
    // (|y| − a/(b t))² / (2 a / b) = (|y| b t − a)² / (2 a b t²)
    const d = abs * b * t - a;
    if (bernoulliExp(d * d, 2n * a * b * t * t, words)) return Number(y);
  }
}
