/**
 * Seeded pseudo-random numbers. Everything random in the generator flows from
 * here (or from a faker instance reseeded per person), so a (seed, person)
 * pair always yields the same draws no matter how many other people exist.
 */

/** 32-bit FNV-1a style mix of the parts, finished with a murmur3 avalanche. */
export function hashSeed(...parts: readonly (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u241f');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export type Weighted<T> = readonly (readonly [T, number])[];

/** mulberry32: tiny, fast, and good enough for synthetic data. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  uniform(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted<T>(items: Weighted<T>): T {
    let total = 0;
    for (const [, w] of items) total += w;
    let r = this.next() * total;
    for (const [value, w] of items) {
      r -= w;
      if (r < 0) return value;
    }
    const last = items[items.length - 1];
    if (!last) throw new RangeError('weighted pick from an empty list');
    return last[0];
  }

  /** Approximately normal (Irwin-Hall with 4 terms): cheap and bounded. */
  normal(mean: number, sd: number): number {
    const s = this.next() + this.next() + this.next() + this.next() - 2;
    return mean + s * sd * Math.sqrt(3);
  }

  /** `count` distinct integers from [lo, hi], ascending. */
  distinctInts(count: number, lo: number, hi: number): number[] {
    const span = hi - lo + 1;
    const n = Math.min(count, Math.max(0, span));
    const chosen = new Set<number>();
    while (chosen.size < n) chosen.add(this.int(lo, hi));
    return [...chosen].sort((a, b) => a - b);
  }
}

/** Per-person, per-purpose stream: adding draws in one purpose never shifts another. */
export function streamFor(seed: number, purpose: string, index: number): Rng {
  return new Rng(hashSeed(seed, purpose, index));
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
