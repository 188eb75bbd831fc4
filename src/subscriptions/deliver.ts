import { and, eq, gt, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { subscriptionEvents, subscriptions } from '../db/schema.js';
import { createGate, type GateDeps } from '../gate/index.js';
import { notificationBundle, type NotificationType, type PayloadContent } from './bundle.js';
import { recipientOfSubscription } from './recipient.js';
import { sendNotification, type SendResult } from './send.js';
import { eventsAfter, getSubscription, headersOf, type SubscriptionRow } from './store.js';
import { eventsToTell } from './tell.js';
import { TOPICS, type TopicCode } from './topics.js';

export interface DeliveryDeps extends GateDeps {
  /** The FHIR base URL, for the Subscription and focus references in a Bundle. */
  fhirBase: string;
  /** For tests that need a network they control; the real fetch otherwise. */
  fetcher?: typeof fetch;
  random?: () => number;
}

/** The first retry comes after a second, then doubles. */
export const FIRST_RETRY_MS = 1000;
/** Retries never wait longer than this, so an endpoint that comes back is found within a minute (half a minute, plus jitter). */
export const MAX_RETRY_MS = 30_000;
/** After this long failing without a break a subscription is `error`: still numbered, still probed, never dropped. */
export const ERROR_AFTER_MS = 72 * 3600_000;

/** How long to wait after the n-th failure in a row: exponential, capped, with jitter (half to all of it) so retries do not march in step. */
export function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, Math.min(failures - 1, 30)));
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

export type DeliveryOutcome = 'sent' | 'heartbeat' | 'failed' | 'idle' | 'waiting' | 'ended';

/**
 * One subscription, step after step (read afresh each time), until it has nothing more to send
 * now or `more` says stop. Says whether any step did something (sent, a heartbeat, a failure
 * recorded): a subscription found due whose first step does nothing is stuck, not caught up.
 */
export async function deliverWhileDue(deps: DeliveryDeps, id: string, more: () => boolean): Promise<{ acted: boolean }> {
  let acted = false;
  while (more()) {
    const sub = await getSubscription(deps.db, id);
    const outcome = sub ? await deliverNext(deps, sub) : 'ended';
    if (outcome === 'sent' || outcome === 'heartbeat' || outcome === 'failed') acted = true;
    if (outcome !== 'sent') break;
  }
  return { acted };
}

/**
 * One step of one subscription's delivery, strictly in order: the events after `confirmed` (up
 * to maxCount) in one Bundle, or a heartbeat when nothing was sent for heartbeatSeconds. A 2xx
 * moves `confirmed` to the last number sent, in one write with the events' deliveredAt; anything
 * else schedules a retry and sends the same events again then. A confirmed event is never sent
 * again; an unconfirmed one always is, after a restart too (the state is all in the row).
 */
export async function deliverNext(deps: DeliveryDeps, sub: SubscriptionRow): Promise<DeliveryOutcome> {
  const now = deps.clock();
  if (sub.status !== 'active' && sub.status !== 'error') return 'idle';
  if (sub.end !== null && now.toISOString() >= sub.end) {
    await deps.db.orm
      .update(subscriptions)
      .set({ status: 'off' })
      .where(and(eq(subscriptions.id, sub.id), inArray(subscriptions.status, ['active', 'error'])));
    return 'ended';
  }
  if (sub.nextAttemptAt !== null && now.toISOString() < sub.nextAttemptAt) return 'waiting';
  const numbered = await eventsAfter(deps.db, sub.id, sub.confirmed, Math.max(1, sub.maxCount));
  let type: NotificationType = 'event-notification';
  if (numbered.length === 0) {
    if (!heartbeatDue(sub, now)) return 'idle';
    type = 'heartbeat';
  }
  const payload = sub.payload as PayloadContent;
  const events = await eventsToTell(deps.db, createGate(deps, recipientOfSubscription(sub)), numbered, payload);
  const subscriptionUrl = `${deps.fhirBase}/Subscription/${sub.id}`;
  const bundle = notificationBundle(
    {
      subscriptionUrl,
      topic: TOPICS[sub.topic as TopicCode]?.canonical ?? sub.topic,
      status: sub.status,
      type,
      eventsSinceSubscriptionStart: sub.eventsSinceStart,
      events,
      payload,
    },
    deps.fhirBase,
  );
  const last = numbered.at(-1)?.eventNumber;
  // Retries of the same events carry the same id, so a receiver can tell a retry from news.
  const messageId = last === undefined ? `${sub.id}.heartbeat.${now.getTime()}` : `${sub.id}.${numbered[0]!.eventNumber}-${last}`;
  const result = await sendNotification(
    { endpoint: sub.endpoint, headers: headersOf(sub), timeoutSeconds: sub.timeoutSeconds, secret: sub.secret },
    JSON.stringify(bundle),
    messageId,
    // The signature's timestamp is the wall clock: it is what a receiver checks against replay.
    new Date(),
    deps.fetcher,
  );
  if (result.ok) {
    await recordSuccess(deps, sub, last, deps.clock().toISOString());
    return last === undefined ? 'heartbeat' : 'sent';
  }
  await recordFailure(deps, sub, result, deps.clock());
  return 'failed';
}

function heartbeatDue(sub: SubscriptionRow, now: Date): boolean {
  if (!sub.heartbeatSeconds) return false;
  return Date.parse(sub.lastSentAt ?? sub.created) + sub.heartbeatSeconds * 1000 <= now.getTime();
}

/**
 * Confirmations that finish in the same turn of the event loop commit together: one fsync for
 * many subscriptions, as the audit trail's group commit does. Each caller still waits for its
 * own commit before it sends that subscription's next events, so a confirmation is durable
 * before anything after it leaves; one lost to a crash is only sent again (never confirmed
 * twice).
 */
const confirming = new WeakMap<Database, { statements: Statement[]; waiters: { done: () => void; failed: (e: unknown) => void }[] }>();

function confirmTogether(db: Database, statements: Statement[]): Promise<void> {
  return new Promise((done, failed) => {
    let batch = confirming.get(db);
    if (!batch) {
      confirming.set(db, (batch = { statements: [], waiters: [] }));
      setTimeout(() => {
        confirming.delete(db);
        db.atomic(batch!.statements).then(
          () => batch!.waiters.forEach((w) => w.done()),
          (err: unknown) => batch!.waiters.forEach((w) => w.failed(err)),
        );
      }, 0);
    }
    batch.statements.push(...statements);
    batch.waiters.push({ done, failed });
  });
}

async function recordSuccess(deps: DeliveryDeps, sub: SubscriptionRow, last: number | undefined, at: string): Promise<void> {
  // Back from error to active, but never over a status the Subscription API set meanwhile (off).
  const healthy = {
    failures: 0,
    failingSince: null,
    nextAttemptAt: null,
    lastError: null,
    lastSentAt: at,
    status: sql`CASE WHEN ${subscriptions.status} = 'error' THEN 'active' ELSE ${subscriptions.status} END`,
  };
  if (last === undefined) {
    await deps.db.orm.update(subscriptions).set(healthy).where(eq(subscriptions.id, sub.id));
    return;
  }
  await confirmTogether(deps.db, [
    // Never backwards: `confirmed` only grows, whatever order two writes land in.
    deps.db.orm
      .update(subscriptions)
      .set({ ...healthy, confirmed: last })
      .where(and(eq(subscriptions.id, sub.id), lt(subscriptions.confirmed, last))),
    deps.db.orm
      .update(subscriptionEvents)
      .set({ deliveredAt: at })
      .where(
        and(
          eq(subscriptionEvents.subscriptionId, sub.id),
          gt(subscriptionEvents.eventNumber, sub.confirmed),
          lte(subscriptionEvents.eventNumber, last),
          sql`${subscriptionEvents.deliveredAt} IS NULL`,
        ),
      ),
  ]);
}

async function recordFailure(deps: DeliveryDeps, sub: SubscriptionRow, result: Exclude<SendResult, { ok: true }>, now: Date): Promise<void> {
  const failures = sub.failures + 1;
  const failingSince = sub.failingSince ?? now.toISOString();
  const longFailing = now.getTime() - Date.parse(failingSince) >= ERROR_AFTER_MS;
  await deps.db.orm
    .update(subscriptions)
    .set({
      failures,
      failingSince,
      lastError: result.error,
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(failures, deps.random)).toISOString(),
      ...(longFailing ? { status: sql`CASE WHEN ${subscriptions.status} = 'active' THEN 'error' ELSE ${subscriptions.status} END` } : {}),
    })
    .where(eq(subscriptions.id, sub.id));
}
