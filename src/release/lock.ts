import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { releaseLock } from '../db/schema.js';

export type LockPurpose = 'publish' | 'budget';

export interface LockOptions {
  purpose: LockPurpose;
  /** Who is asking, in words ("publish by alex, pid 4242"): what another writer is told. */
  holder: string;
  /** How long to wait for another holder before giving up. */
  waitMs?: number;
  /** How long the lock stands without renewal: longer than the longest step between renewals. */
  ttlMs?: number;
  /** Wall-clock time (the lock is about real processes, not the release's own clock). */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HeldLock {
  /** Pushes the expiry out again; call between long steps. */
  renew(): Promise<void>;
}

/** Another writer holds the release ledger: who, since when, and when its lock runs out if it died. */
export class LedgerBusy extends Error {
  readonly code = 'ledger-busy';
  constructor(
    readonly purpose: LockPurpose,
    readonly holder: string,
    readonly since: string,
    readonly expires: string,
  ) {
    super(
      `${purpose === 'publish' ? 'another release is being published' : 'the privacy budget is being changed'} since ${since} (${holder}); try again when it has finished (a lock left by a stopped process runs out at ${expires})`,
    );
  }
}

export const DEFAULT_WAIT_MS = 30_000;
// A full release at 100k patients takes up to 5 minutes between renewals; twice that, so a slow
// but live publisher is not overtaken, while a dead one blocks others for minutes, not forever.
export const DEFAULT_TTL_MS = 10 * 60_000;
const POLL_MS = 200;

/**
 * Runs `work` holding the one lock on releases and the privacy ledger, shared by every process
 * and connection on the database. Taking it is one statement, an upsert that writes our token
 * only where the row is absent or expired: atomic on SQLite (under its write lock, with the
 * busy timeout) and on D1 alike, so no interactive transaction is needed. A second writer polls
 * until `waitMs`, then gets a LedgerBusy naming the holder. The lock only saves a wasted
 * computation and gives the clear message; correctness does not rest on it (an expired lock
 * can be overtaken), but on the release version's UNIQUE index and the ledger's triggers.
 */
export async function withLedgerLock<T>(db: Database, options: LockOptions, work: (lock: HeldLock) => Promise<T>): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const token = crypto.randomUUID();
  const deadline = now() + (options.waitMs ?? DEFAULT_WAIT_MS);
  for (;;) {
    const at = now();
    const acquired = new Date(at).toISOString();
    await db.orm
      .insert(releaseLock)
      .values({ id: 1, purpose: options.purpose, token, holder: options.holder, acquired, expires: new Date(at + ttl).toISOString() })
      .onConflictDoUpdate({
        target: releaseLock.id,
        set: {
          purpose: sql`excluded.purpose`,
          token: sql`excluded.token`,
          holder: sql`excluded.holder`,
          acquired: sql`excluded.acquired`,
          expires: sql`excluded.expires`,
        },
        // ISO instants in UTC compare as text.
        setWhere: sql`${releaseLock.expires} <= excluded.acquired`,
      });
    const [row] = await db.orm.select().from(releaseLock).where(eq(releaseLock.id, 1));
    if (row?.token === token) break;
    if (row && now() >= deadline) throw new LedgerBusy(row.purpose as LockPurpose, row.holder, row.acquired, row.expires);
    // Jitter, so waiting writers do not poll in step.
    await sleep(POLL_MS + Math.floor(Math.random() * POLL_MS));
  }
  const mine = and(eq(releaseLock.id, 1), eq(releaseLock.token, token));
  try {
    return await work({
      renew: async () => {
        await db.orm
          .update(releaseLock)
          .set({ expires: new Date(now() + ttl).toISOString() })
          .where(mine);
      },
    });
  } finally {
    await db.orm.delete(releaseLock).where(mine);
  }
}
