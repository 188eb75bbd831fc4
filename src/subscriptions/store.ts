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
