import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { newSecret } from './sign.js';
import { backendClients, notificationEvents, subscriptionEvents, subscriptions } from '../db/schema.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type SubscriptionEventRow = typeof subscriptionEvents.$inferSelect;
export type NotificationEventRecord = typeof notificationEvents.$inferSelect;

export interface SubscriptionFilter {
  name: string;
  /** ORed. */
  values: string[];
}

export const filtersOf = (row: Pick<SubscriptionRow, 'filters'>): SubscriptionFilter[] => JSON.parse(row.filters) as SubscriptionFilter[];
export const headersOf = (row: Pick<SubscriptionRow, 'headers'>): string[] => JSON.parse(row.headers) as string[];

/** The outbox's last position: a subscription created now hears only of events after it. */
export async function outboxHead(db: Database): Promise<number> {
  const row = await db.orm.get<{ seq: number | null }>(sql`SELECT MAX(seq) AS seq FROM notification_events`);
  return row?.seq ?? 0;
}

type SubscriptionInsert = typeof subscriptions.$inferInsert;

/**
 * A subscription row stored ready to deliver (active), without the API's handshake: for the
 * development seed, whose receiver is in this process, and for benchmarks and tests. What it
 * does not name takes the API's defaults: id-only, no filter or header, 10 s timeout, 20 events
 * per notification, a new secret.
 */
export function readySubscription(
  fields: Pick<SubscriptionInsert, 'id' | 'organization' | 'owner' | 'topic' | 'endpoint' | 'startSeq'> & Partial<SubscriptionInsert>,
  now: string,
): SubscriptionInsert {
  return {
    dua: null,
    filters: '[]',
    headers: '[]',
    payload: 'id-only',
    heartbeatSeconds: null,
    timeoutSeconds: 10,
    maxCount: 20,
    status: 'active',
    secret: newSecret(),
    versionId: 1,
    resource: '{}',
    created: now,
    updated: now,
    ...fields,
  };
}

export async function insertSubscription(db: Database, row: SubscriptionInsert): Promise<void> {
  await db.orm.insert(subscriptions).values(row);
}

export async function getSubscription(db: Database, id: string): Promise<SubscriptionRow | undefined> {
  const [row] = await db.orm.select().from(subscriptions).where(eq(subscriptions.id, id));
  return row;
}

/** The subscriptions a backend client owns, or every one an operator sees. */
export async function listSubscriptions(db: Database, owner?: string): Promise<SubscriptionRow[]> {
  const q = db.orm.select().from(subscriptions);
  return owner === undefined ? q.orderBy(asc(subscriptions.created)) : q.where(eq(subscriptions.owner, owner)).orderBy(asc(subscriptions.created));
}

export async function updateSubscription(db: Database, id: string, set: Partial<SubscriptionInsert>): Promise<void> {
  await db.orm.update(subscriptions).set(set).where(eq(subscriptions.id, id));
}

export async function deleteSubscription(db: Database, id: string): Promise<void> {
  await db.atomic([
    db.orm.delete(subscriptionEvents).where(eq(subscriptionEvents.subscriptionId, id)),
    db.orm.delete(subscriptions).where(eq(subscriptions.id, id)),
  ]);
}

/**
 * Subscriptions that are numbered events of these topics now: active, failing (their backlog
 * is kept for when they return), or waiting for a handshake (a subscriber changing its endpoint
 * must not lose what happens meanwhile; nothing is sent before the handshake succeeds).
 */
export async function subscriptionsForTopics(db: Database, topics: readonly string[]): Promise<SubscriptionRow[]> {
  if (topics.length === 0) return [];
  return db.orm
    .select()
    .from(subscriptions)
    .where(and(inArray(subscriptions.topic, [...topics]), inArray(subscriptions.status, ['requested', 'active', 'error'])));
}

/** Of these owners, the registered backend clients that are not active (suspended): their subscriptions are told nothing. */
export async function inactiveClients(db: Database, owners: readonly string[]): Promise<Set<string>> {
  if (owners.length === 0) return new Set();
  const rows = await db.orm
    .select({ clientId: backendClients.clientId, status: backendClients.status })
    .from(backendClients)
    .where(inArray(backendClients.clientId, [...new Set(owners)]));
  return new Set(rows.filter((r) => r.status !== 'active').map((r) => r.clientId));
}

/** Outbox events not yet dispatched, in commit order. */
export async function pendingEvents(db: Database, limit: number): Promise<NotificationEventRecord[]> {
  return db.orm.select().from(notificationEvents).where(eq(notificationEvents.dispatched, 0)).orderBy(asc(notificationEvents.seq)).limit(limit);
}

/** A subscription's numbered events after `after`, in order. */
export async function eventsAfter(db: Database, subscriptionId: string, after: number, limit: number): Promise<SubscriptionEventRow[]> {
  return db.orm
    .select()
    .from(subscriptionEvents)
    .where(and(eq(subscriptionEvents.subscriptionId, subscriptionId), gt(subscriptionEvents.eventNumber, after)))
    .orderBy(asc(subscriptionEvents.eventNumber))
    .limit(limit);
}

export async function eventsByIds(db: Database, ids: readonly string[]): Promise<Map<string, NotificationEventRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await db.orm
    .select()
    .from(notificationEvents)
    .where(inArray(notificationEvents.id, [...ids]));
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * The subscriptions deliverNext would do something for now, longest unserved first: events
 * waiting and no retry pending, a heartbeat due, or the end passed. Asked of the database
 * with only the ids coming back, since it runs at every tick (each commit and each freed slot).
 */
export async function dueSubscriptions(db: Database, now: Date, limit: number): Promise<{ id: string; failing: boolean }[]> {
  const at = now.toISOString();
  const rows = await db.orm.all<{ id: string; failures: number }>(sql`
    SELECT id, failures FROM subscriptions
    -- Failing after a handshake that succeeded (last_sent_at) is retried; a failed handshake is not
    -- delivered to at all: the subscriber must fix and PUT it.
    WHERE (status = 'active' OR (status = 'error' AND last_sent_at IS NOT NULL))
      AND (owner NOT IN (SELECT client_id FROM backend_clients WHERE status <> 'active'))
      AND ((end IS NOT NULL AND end <= ${at})
        OR ((next_attempt_at IS NULL OR next_attempt_at <= ${at})
          AND (confirmed < events_since_start
            OR (heartbeat_seconds > 0 AND (julianday(${at}) - julianday(COALESCE(last_sent_at, created))) * 86400 >= heartbeat_seconds))))
    -- Healthy endpoints first, then the longest unserved: failing ones cannot take every slot.
    ORDER BY failures > 0, COALESCE(last_sent_at, '') LIMIT ${limit}`);
  return rows.map((r) => ({ id: r.id, failing: r.failures > 0 }));
}

/**
 * Which of these outbox events are not finished: not numbered yet, or numbered for a live
 * subscription that has not confirmed them. A queue message about none of them is a repeat;
 * one about an event a killed pass numbered but never sent is not (red team 7).
 */
export async function unfinishedAmong(db: Database, ids: readonly string[]): Promise<Set<string>> {
  const unfinished = new Set<string>();
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += db.maxParams) {
    const rows = await db.orm.all<{ id: string }>(sql`
      SELECT e.id FROM notification_events e
      WHERE e.id IN (${sql.join(
        unique.slice(i, i + db.maxParams).map((id) => sql`${id}`),
        sql`, `,
      )})
        AND (e.dispatched = 0 OR EXISTS (
          SELECT 1 FROM subscription_events se JOIN subscriptions s ON s.id = se.subscription_id
          WHERE se.event_id = e.id AND se.delivered_at IS NULL AND s.status IN ('active', 'error')))`);
    for (const r of rows) unfinished.add(r.id);
  }
  return unfinished;
}

/** When the soonest retry of events still unconfirmed is due (a failed send scheduled it), if any. */
export async function nextRetryAt(db: Database): Promise<string | undefined> {
  const row = await db.orm.get<{ at: string | null }>(sql`
    SELECT MIN(next_attempt_at) AS at FROM subscriptions
    WHERE status IN ('active', 'error') AND next_attempt_at IS NOT NULL AND confirmed < events_since_start`);
  return row?.at ?? undefined;
}
