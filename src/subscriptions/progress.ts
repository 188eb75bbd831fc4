import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { subscriptions } from '../db/schema.js';
import { DELIVERY_LEASE_ID } from './lease.js';

/** What the operators see of delivery: per subscription, how far it got and why it is stuck; the outbox; who delivers. */
export interface DeliveryProgress {
  deliverer: { holder: string; expires: string } | null;
  outbox: { events: number; pending: number };
  subscriptions: {
    id: string;
    organization: string;
    topic: string;
    status: string;
    numbered: number;
    confirmed: number;
    backlog: number;
    failures: number;
    failingSince: string | null;
    nextAttemptAt: string | null;
    lastError: string | null;
    lastSentAt: string | null;
  }[];
}

/** Never the endpoint's headers or secret: the page is for seeing progress, not for copying credentials. */
export async function deliveryProgress(db: Database): Promise<DeliveryProgress> {
  const lease = await db.orm.get<{ holder: string; expires: string } | undefined>(
    sql`SELECT holder, expires FROM release_lock WHERE id = ${DELIVERY_LEASE_ID}`,
  );
  const outbox = await db.orm.get<{ events: number; pending: number | null }>(
    sql`SELECT COUNT(*) AS events, SUM(CASE WHEN dispatched = 0 THEN 1 ELSE 0 END) AS pending FROM notification_events`,
  );
  const rows = await db.orm.select().from(subscriptions).orderBy(subscriptions.created);
  return {
    deliverer: lease ?? null,
    outbox: { events: outbox?.events ?? 0, pending: outbox?.pending ?? 0 },
    subscriptions: rows.map((s) => ({
      id: s.id,
      organization: s.organization,
      topic: s.topic,
      status: s.status,
      numbered: s.eventsSinceStart,
      confirmed: s.confirmed,
      backlog: s.eventsSinceStart - s.confirmed,
      failures: s.failures,
      failingSince: s.failingSince,
      nextAttemptAt: s.nextAttemptAt,
      lastError: s.lastError,
      lastSentAt: s.lastSentAt,
    })),
  };
}
