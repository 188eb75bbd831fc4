import type { Database } from '../db/database.js';

/**
 * A bounded cache of rows that requests look up again and again (the person behind a Patient id,
 * a person's linked records, a directory entry), valid while the database's generation stands
 * still: any write by this process or commit by another empties it, so a re-link or a new
 * directory entry is seen by the very next request, exactly as without the cache. Where the
 * database offers no generation (D1, read by many isolates), nothing is cached.
 *
 * The oldest entry goes first once `max` are held (insertion order; entries are small and a
 * write empties the cache anyway, so recency bookkeeping would cost more than it saves).
 */
export class RowCache<V> {
  private readonly entries = new Map<string, V>();
  private seen = -1;

  constructor(
    private readonly db: Database,
    readonly max: number,
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
      this.seen = generation;
    }
    if (this.entries.has(key)) return this.entries.get(key)!;
    const value = await load();
    if (this.seen === generation) {
      if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
