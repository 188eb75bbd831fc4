import { dueSubscriptions } from './store.js';
import { deliverWhileDue, type DeliveryDeps } from './deliver.js';
import { dispatchPending } from './dispatch.js';
import { deliveryLease } from './lease.js';

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
/** A wake-up waits this long, so a burst of commits is dispatched in one batch. */
const WAKE_MS = 5;
export const DEFAULT_CONCURRENCY = 16;
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
  const failingInFlight = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running = false;
  let again = false;
  let stopped = true;

  let current: Promise<void> = Promise.resolve();
  let waiting = false;
  let soonAt = Number.POSITIVE_INFINITY;
  const schedule = (ms: number) => {
    if (stopped) return;
    soonAt = Date.now() + ms;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => (current = tick()), ms);
  };

  /**
   * Look again within WAKE_MS: a burst of commits (or of freed slots) shares one tick, and a tick
   * under way looks again as soon as it ends.
   */
  function soon(): void {
    if (stopped) return;
    if (running) again = true;
    else if (soonAt > Date.now() + WAKE_MS) schedule(WAKE_MS);
  }

  async function tick(): Promise<void> {
    timer = undefined;
    soonAt = Number.POSITIVE_INFINITY;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      if (await lease.hold()) {
        await dispatchPending(deps);
        const now = deps.clock();
        // The longest unserved first, so a busy subscription cannot keep the others waiting
        // behind the concurrency cap; whoever is left over is started as soon as a slot frees.
        const due = (await dueSubscriptions(deps.db, now, concurrency * 2 + inFlight.size)).filter((sub) => !inFlight.has(sub.id));
        let free = Math.max(0, concurrency - inFlight.size);
        // Endpoints that are failing (slow, down) get at most a quarter of the slots, so a few
        // hanging endpoints, whoever registered them, cannot hold up everyone else's delivery.
        let failingSlots = Math.max(1, Math.floor(concurrency / 4)) - failingInFlight.size;
        const started: string[] = [];
        for (const sub of due) {
          if (free <= 0) break;
          if (sub.failing) {
            if (failingSlots <= 0) continue;
            failingSlots--;
            failingInFlight.add(sub.id);
          }
          run(sub.id);
          started.push(sub.id);
          free--;
        }
        // Someone is left who could start when a slot frees: look again then.
        waiting = due.some((sub) => !started.includes(sub.id) && (!sub.failing || failingSlots > 0));
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
        await deliverWhileDue(deps, id, () => !stopped);
      } catch (err) {
        log('notify-error', { subscription: id, message: err instanceof Error ? err.message : String(err) });
      } finally {
        inFlight.delete(id);
        failingInFlight.delete(id);
        // A slot is free and someone was left waiting for one: look again now, not at the next poll.
        if (waiting) {
          waiting = false;
          soon();
        }
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
    wake: soon,
  };
}
