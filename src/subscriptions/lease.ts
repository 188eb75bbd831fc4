import { and, eq, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { releaseLock } from '../db/schema.js';

/**
 * The delivery lease: only one process numbers and sends notifications at a time, so two
 * gateways on one database never interleave one subscription's events. It is a row of the
 * release lock table (id 2; the release ledger's lock is id 1 and only ever reads its own row),
 * taken with the same compare-and-set upsert as src/release/lock.ts: written where the row is
 * absent, expired, or already ours. A process that dies holding it is overtaken when it expires.
 */
export const DELIVERY_LEASE_ID = 2;

export interface Lease {
  /** Takes or renews the lease if it is free or ours; true while we hold it. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
  /** Who holds it and until when, for the operators' page. */
  holder(): Promise<{ holder: string; expires: string } | undefined>;
}

export function deliveryLease(db: Database, holder: string, ttlMs: number, now: () => number = Date.now): Lease {
  const token = crypto.randomUUID();
  let held = false;
  let renewAt = 0;
  const mine = and(eq(releaseLock.id, DELIVERY_LEASE_ID), eq(releaseLock.token, token));
  return {
    async hold() {
      const at = now();
      // Renew at a third of the lease: a write per tick would compete with ingest for the write lock.
      if (held && at < renewAt) return true;
      const acquired = new Date(at).toISOString();
      await db.orm
        .insert(releaseLock)
        .values({ id: DELIVERY_LEASE_ID, purpose: 'deliver', token, holder, acquired, expires: new Date(at + ttlMs).toISOString() })
        .onConflictDoUpdate({
          target: releaseLock.id,
          set: { purpose: sql`excluded.purpose`, token: sql`excluded.token`, holder: sql`excluded.holder`, expires: sql`excluded.expires` },
          // ISO instants in UTC compare as text.
          setWhere: or(sql`${releaseLock.expires} <= excluded.acquired`, eq(releaseLock.token, token)),
        });
      const [row] = await db.orm.select().from(releaseLock).where(eq(releaseLock.id, DELIVERY_LEASE_ID));
      held = row?.token === token;
      renewAt = at + ttlMs / 3;
      return held;
    },
    async release() {
      held = false;
      await db.orm.delete(releaseLock).where(mine);
    },
    async holder() {
      const [row] = await db.orm.select().from(releaseLock).where(eq(releaseLock.id, DELIVERY_LEASE_ID));
      return row ? { holder: row.holder, expires: row.expires } : undefined;
    },
  };
}

/** The release lock row that records the one delayed wake-up a woken deliverer has asked for. */
export const WAKE_ID = 3;

/**
 * Whether to ask for a wake-up at `at` (a failed send's retry): true when no wake-up is pending
 * at or before it. Compare-and-set on one row, so however many passes see the same retry, one
 * delayed message is sent for it, and an earlier retry still gets its own. The row's `expires`
 * is when the wake-up fires; once that has passed, the next one may be asked for.
 */
export async function claimWake(db: Database, at: Date, now: Date): Promise<boolean> {
  const token = crypto.randomUUID();
  await db.orm
    .insert(releaseLock)
    .values({ id: WAKE_ID, purpose: 'wake', token, holder: 'queue', acquired: now.toISOString(), expires: at.toISOString() })
    .onConflictDoUpdate({
      target: releaseLock.id,
      set: { token: sql`excluded.token`, acquired: sql`excluded.acquired`, expires: sql`excluded.expires` },
      setWhere: or(sql`${releaseLock.expires} <= excluded.acquired`, sql`${releaseLock.expires} > excluded.expires`),
    });
  const [row] = await db.orm.select({ token: releaseLock.token }).from(releaseLock).where(eq(releaseLock.id, WAKE_ID));
  return row?.token === token;
}
