import { eq, sql } from 'drizzle-orm';
import { notificationEvents, subscriptionEvents, subscriptions } from '../db/schema.js';
import type { Statement } from '../db/database.js';
import { createGate, type Gate, type GateDeps } from '../gate/index.js';
import { matchesFilters, personOfEvent } from './filters.js';
import { recipientOfSubscription } from './recipient.js';
import { filtersOf, pendingEvents, subscriptionsForTopics, type NotificationEventRecord, type SubscriptionRow } from './store.js';

/** Outbox events taken per read: one atomic unit each, so a batch only bounds the read. */
const BATCH = 200;

/**
 * Numbers outbox events for the subscriptions that may hear of them, in commit order, one event
 * per atomic unit: its numbered rows, each subscription's eventsSinceStart and the event's
 * `dispatched = 1` commit together. A crash before the commit leaves the event pending and it is
 * dispatched again from scratch; after it, the event is done. So no number is given twice, and
 * none is skipped. Only one process dispatches (the runtime's lease), and within it one pass at
 * a time. Returns how many events it dispatched.
 */
export async function dispatchPending(deps: GateDeps, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let done = 0;
  const gates = new Map<string, Gate>();
  while (done < limit) {
    const events = await pendingEvents(deps.db, Math.min(BATCH, limit - done));
    if (events.length === 0) break;
    for (const event of events) {
      await dispatchOne(deps, event, gates);
      done++;
    }
  }
  return done;
}

async function dispatchOne(deps: GateDeps, event: NotificationEventRecord, gates: Map<string, Gate>): Promise<void> {
  // Read fresh for each event: the number given is the subscription's count so far, plus one.
  const candidates = (await subscriptionsForTopics(deps.db, [event.topic])).filter((s) => listensTo(s, event));
  const person = await personOfEvent(deps.db, event);
  const numberedAt = deps.clock().toISOString();
  const statements: Statement[] = [];
  for (const sub of candidates) {
    if (!(await matchesFilters(deps.db, filtersOf(sub), event, person))) continue;
    const verdict = await gateFor(deps, sub, gates).notificationVerdict(event);
    // A withheld event gets no number: the numbers never show that there was something.
    if (!verdict.tell) continue;
    statements.push(
      deps.db.orm
        .insert(subscriptionEvents)
        .values({
          subscriptionId: sub.id,
          eventNumber: sub.eventsSinceStart + 1,
          eventId: event.id,
          person: verdict.person,
          detail: verdict.detail,
          numberedAt,
        })
        .onConflictDoNothing(),
      // The count is what was numbered, not a counter bumped beside it: the two cannot drift.
      deps.db.orm
        .update(subscriptions)
        .set({ eventsSinceStart: sql`(SELECT COALESCE(MAX(event_number), 0) FROM subscription_events WHERE subscription_id = ${sub.id})` })
        .where(eq(subscriptions.id, sub.id)),
    );
  }
  statements.push(deps.db.orm.update(notificationEvents).set({ dispatched: 1 }).where(eq(notificationEvents.seq, event.seq)));
  await deps.db.atomic(statements);
}

/** A subscription hears of events committed after it started, and none after its end. */
function listensTo(sub: SubscriptionRow, event: NotificationEventRecord): boolean {
  return sub.startSeq < event.seq && (sub.end === null || event.recorded < sub.end);
}

/** One gate per subscription per pass: its decisions are memoised under the subscription's own token id. */
function gateFor(deps: GateDeps, sub: SubscriptionRow, gates: Map<string, Gate>): Gate {
  let gate = gates.get(sub.id);
  if (!gate) gates.set(sub.id, (gate = createGate(deps, recipientOfSubscription(sub))));
  return gate;
}
