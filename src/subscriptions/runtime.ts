import { inArray } from 'drizzle-orm';
import { subscriptions } from '../db/schema.js';
import { deliverNext, type DeliveryDeps } from './deliver.js';
import { dispatchPending } from './dispatch.js';
import { deliveryLease } from './lease.js';
import type { SubscriptionRow } from './store.js';

export interface NotifierOptions {
  /** Who delivers, in words ("gateway pid 4242"): what the operators' page shows. */
  holder: string;
  /**
   * How often the outbox and the subscriptions are looked at. Short, because it is also how an
   * ingest commit is noticed (in this process or another, the CLI): the p99 target from commit
   * to receipt is 1 s. A look is two indexed reads.
   */
  pollMs?: number;
  /** Subscriptions delivering at once; each one is still strictly in order. */
  concurrency?: number;
  /** How long the lease stands without renewal; a killed deliverer is overtaken after it. */
  leaseTtlMs?: number;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

export interface Notifier {
  start(): void;
  /** Stops looking and waits (a bounded while) for sends in flight, then frees the lease. */
  stop(): Promise<void>;
  /** Look now: an ingest in this process has committed. */
  wake(): void;
}

export const DEFAULT_POLL_MS = 100;
export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_LEASE_TTL_MS = 10_000;
const STOP_WAIT_MS = 5000;

/**
 * Delivery in the gateway process: numbers outbox events (dispatch.ts), then runs each
 * subscription that has something due (deliver.ts) until it has nothing more, at most
 * `concurrency` at once and never two for one subscription. Only while holding the lease.
 * setTimeout and fetch only, so it runs wherever the app does.
 */
export function createNotifier(deps: DeliveryDeps, options: NotifierOptions): Notifier {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const lease = deliveryLease(deps.db, options.holder, options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS);
  const log = options.log ?? (() => {});
  const inFlight = new Map<string, Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let stopped = true;

  let current: Promise<void> = Promise.resolve();
  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => (current = tick()), ms);
  };

  async function tick(): Promise<void> {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      if (await lease.hold()) {
        await dispatchPending(deps);
        const now = deps.clock();
        for (const sub of await deliverable(deps)) {
          if (inFlight.size >= concurrency) break;
          if (!inFlight.has(sub.id) && isDue(sub, now)) run(sub.id);
        }
      }
    } catch (err) {
      log('notify-error', { message: err instanceof Error ? err.message : String(err) });
    } finally {
      running = false;
      schedule(again ? 0 : pollMs);
      again = false;
    }
  }

  /** One subscription until it has nothing more to send now (its backlog drained, or a failure's retry scheduled). */
  function run(id: string): void {
    const task = (async () => {
      try {
        for (;;) {
          if (stopped) return;
          const [sub] = await deps.db.orm
            .select()
            .from(subscriptions)
            .where(inArray(subscriptions.id, [id]));
          if (!sub || (await deliverNext(deps, sub)) !== 'sent') return;
        }
      } catch (err) {
        log('notify-error', { subscription: id, message: err instanceof Error ? err.message : String(err) });
      } finally {
        inFlight.delete(id);
      }
    })();
    inFlight.set(id, task);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      // The tick under way first, so it cannot take the lease again after it is freed.
      await Promise.race([current.then(() => Promise.allSettled([...inFlight.values()])), new Promise((r) => setTimeout(r, STOP_WAIT_MS))]);
      await lease.release().catch(() => undefined);
    },
    wake() {
      if (!stopped) schedule(0);
    },
  };
}

function deliverable(deps: DeliveryDeps): Promise<SubscriptionRow[]> {
  return deps.db.orm
    .select()
    .from(subscriptions)
    .where(inArray(subscriptions.status, ['active', 'error']));
}

/** Whether deliverNext would do anything now: events waiting and no retry pending, a heartbeat or the end due. */
function isDue(sub: SubscriptionRow, now: Date): boolean {
  const at = now.toISOString();
  if (sub.end !== null && at >= sub.end) return true;
  if (sub.nextAttemptAt !== null && at < sub.nextAttemptAt) return false;
  if (sub.confirmed < sub.eventsSinceStart) return true;
  return sub.heartbeatSeconds !== null && sub.heartbeatSeconds > 0 && Date.parse(sub.lastSentAt ?? sub.created) + sub.heartbeatSeconds * 1000 <= now.getTime();
}
