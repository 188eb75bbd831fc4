import type { Message, MessageBatch, Queue } from '@cloudflare/workers-types';
import { drainOutbox } from '../../subscriptions/drain.js';
import type { DeliveryDeps } from '../../subscriptions/deliver.js';
import { claimWake, deliveryLease } from '../../subscriptions/lease.js';
import { nextRetryAt, unfinishedAmong } from '../../subscriptions/store.js';

/**
 * What the notification queue carries: the outbox events a committed write raised, or a bare
 * wake-up (a retry falling due, a pass that ran out of time). Never the events' content: that
 * stays in D1 under the gate, and a message says only that there is something to look at.
 */
export type NotifyMessage = { events: string[] } | { wake: true };

const MAX_EVENTS = 500;
/**
 * The delivery lease's life without renewal. A pass renews it every third of that while it runs
 * (a send may take up to 120 s), so a consumer killed mid-pass holds up delivery this long at most.
 */
const LEASE_TTL_MS = 30_000;
/** Messages wait this long (doubling per attempt, capped) when another consumer holds the lease. */
const BUSY_RETRY_SECONDS = 2;
const MAX_RETRY_SECONDS = 60;
/** Cloudflare's longest delay on a message. */
const MAX_DELAY_SECONDS = 43_200;

/** A message body as the producer writes it, or undefined: anything else is not ours and is dropped (acked), never retried forever. */
export function parseNotifyMessage(body: unknown): NotifyMessage | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { events, wake } = body as { events?: unknown; wake?: unknown };
  if (wake !== undefined) return wake === true && events === undefined ? { wake: true } : undefined;
  if (!Array.isArray(events) || events.length === 0 || events.length > MAX_EVENTS) return undefined;
  if (!events.every((e): e is string => typeof e === 'string' && e.length > 0 && e.length <= 200)) return undefined;
  return { events };
}

export interface ConsumerDeps extends DeliveryDeps {
  log: (event: string, detail: Record<string, unknown>) => void;
}

/**
 * The Queue consumer. Queues deliver at least once and in no order, so a message is only ever a
 * reason to look: the numbering (dispatch.ts, in commit order, under the lease) and the per
 * subscription order of delivery (deliver.ts, by event number) come from D1, never from the
 * order messages arrive. A message whose events are all numbered and confirmed already is a
 * repeat and is acked without work; duplicates and reordering therefore change nothing. A message is acked
 * only after the pass it asked for has run: a consumer killed midway leaves it to be delivered
 * again, and the pass it starts finishes what the killed one left (the state is all in D1).
 */
export async function consumeNotifications(deps: ConsumerDeps, queue: Queue<NotifyMessage> | undefined, batch: MessageBatch<unknown>): Promise<void> {
  const work: Message<unknown>[] = [];
  const events = new Map<Message<unknown>, string[]>();
  for (const m of batch.messages) {
    const body = parseNotifyMessage(m.body);
    if (!body) {
      deps.log('notify-message-dropped', { id: m.id });
      m.ack();
    } else if ('wake' in body) work.push(m);
    else events.set(m, body.events);
  }
  const pending = await unfinishedAmong(deps.db, [...events.values()].flat());
  for (const [m, ids] of events) {
    if (ids.some((id) => pending.has(id))) work.push(m);
    else m.ack();
  }
  if (work.length === 0) return;
  const ran = await underLease(deps, `queue consumer ${crypto.randomUUID()}`, async () => {
    const finished = await drainOutbox(deps);
    if (!finished) await queue?.send({ wake: true });
    await askForRetryWake(deps, queue);
  });
  // Another pass is under way; it may have read the outbox before these events committed.
  if (!ran) for (const m of work) m.retry({ delaySeconds: Math.min(MAX_RETRY_SECONDS, BUSY_RETRY_SECONDS * 2 ** (m.attempts - 1)) });
  else for (const m of work) m.ack();
}

/** Runs `pass` holding the delivery lease, renewed while it runs; false if another holds it. */
async function underLease(deps: ConsumerDeps, holder: string, pass: () => Promise<void>): Promise<boolean> {
  const lease = deliveryLease(deps.db, holder, LEASE_TTL_MS);
  if (!(await lease.hold())) return false;
  const renew = setInterval(() => void lease.hold().catch(() => undefined), LEASE_TTL_MS / 3);
  try {
    await pass();
  } finally {
    clearInterval(renew);
    await lease.release();
  }
  return true;
}

/**
 * The cron's pass, every minute: heartbeats, and events whose message never left (the isolate
 * died between the commit and the send, or the send failed). The same pass as a message's; if
 * a consumer holds the lease, that consumer is doing it.
 */
export async function sweepNotifications(deps: ConsumerDeps, queue: Queue<NotifyMessage> | undefined): Promise<void> {
  await underLease(deps, `cron ${crypto.randomUUID()}`, async () => {
    await drainOutbox(deps);
    await askForRetryWake(deps, queue);
  });
}

/** A failed send is retried when its backoff ends: one delayed wake-up for the soonest, however many passes see it. */
async function askForRetryWake(deps: ConsumerDeps, queue: Queue<NotifyMessage> | undefined): Promise<void> {
  const at = await nextRetryAt(deps.db);
  if (!queue || !at) return;
  const now = deps.clock();
  if (!(await claimWake(deps.db, new Date(at), now))) return;
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((Date.parse(at) - now.getTime()) / 1000)));
  await queue.send({ wake: true }, { delaySeconds });
}
