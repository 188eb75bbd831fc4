import type { Database } from '../db/database.js';

/**
 * A bounded cache of rows that requests look up again and again (the person behind a Patient id,
 * a person's linked records, a directory entry), valid while the database's generation stands
 * still: any write by this process or commit by another empties it, so a re-link or a new
 * directory entry is seen by the very next request, exactly as without the cache. Where the
 * database offers no generation (D1, read by many isolates), nothing is cached.
 *
 * The oldest entry goes first once `max` are held (insertion order; a write empties the cache
 * anyway, so recency bookkeeping would cost more than it saves), or once their weights (their
 * characters: a row's text, an id list's ids) would pass `maxWeight`. A count alone does not
 * bound memory when one entry may be a megabyte (a directory entry is whatever its source sent).
 */
export class RowCache<V> {
  private readonly entries = new Map<string, V>();
  private readonly weights = new Map<string, number>();
  private weight = 0;
  private seen = -1;

  constructor(
    private readonly db: Database,
    readonly max: number,
    private readonly budget?: { weigh: (value: V) => number; maxWeight: number },
  ) {}

  /**
   * The cached value, or `load`'s, kept. `generation` is the caller's reading of the database's
   * (a request reads it once, src/gate/context.ts), taken before loading, so a write landing
   * meanwhile empties the cache at the next look.
   */
  async get(key: string, load: () => Promise<V>, generation = this.db.generation?.()): Promise<V> {
    if (generation === undefined) return load();
    if (generation !== this.seen) {
      this.entries.clear();
      this.weights.clear();
      this.weight = 0;
      this.seen = generation;
    }
    if (this.entries.has(key)) return this.entries.get(key)!;
    const value = await load();
    if (this.seen === generation && !this.entries.has(key)) this.keep(key, value);
    return value;
  }

  private keep(key: string, value: V): void {
    const w = this.budget ? this.budget.weigh(value) : 0;
    // Heavier than the whole budget: answered, never kept.
    if (this.budget && w > this.budget.maxWeight) return;
    while (this.entries.size > 0 && (this.entries.size >= this.max || (this.budget && this.weight + w > this.budget.maxWeight))) {
      const oldest = this.entries.keys().next().value!;
      this.weight -= this.weights.get(oldest) ?? 0;
      this.entries.delete(oldest);
      this.weights.delete(oldest);
    }
    this.entries.set(key, value);
    if (this.budget) {
      this.weights.set(key, w);
      this.weight += w;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** The weight held now (characters), for tests of the bound. */
  get held(): number {
    return this.weight;
  }
}
