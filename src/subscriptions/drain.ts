import { deliverWhileDue, type DeliveryDeps } from './deliver.js';
import { dispatchPending } from './dispatch.js';
import { dueSubscriptions } from './store.js';

export interface DrainOptions {
  /** Subscriptions delivering at once; each one is still strictly in order. */
  concurrency?: number;
  /** Stop starting sends after this long; a send under way still finishes (its own timeout bounds it). */
  budgetMs?: number;
  now?: () => number;
}

export const DRAIN_BUDGET_MS = 20_000;

/**
 * One pass of delivery, for a runtime that is woken rather than one that polls (a Queue
 * consumer, a cron): number what the outbox holds (dispatch.ts), then run every subscription
 * with something due (deliver.ts) until it has nothing more to send now. The caller holds the
 * delivery lease, so no two passes interleave one subscription's events. Everything it acts on
 * is in the database, so a pass killed anywhere is finished by the next one: an event is
 * numbered once (its batch commits whole) and confirmed once (a 2xx moves `confirmed`).
 * Returns false when the budget ran out with work left.
 */
export async function drainOutbox(deps: DeliveryDeps, options: DrainOptions = {}): Promise<boolean> {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 8;
  const until = now() + (options.budgetMs ?? DRAIN_BUDGET_MS);
  await dispatchPending(deps);
  // A subscription is run once per pass: one that is idle or failed now is not asked again.
  const ran = new Set<string>();
  for (;;) {
    if (now() >= until) return false;
    const due = (await dueSubscriptions(deps.db, deps.clock(), concurrency * 4 + ran.size)).filter((s) => !ran.has(s.id));
    if (due.length === 0) return true;
    // Failing endpoints (slow, down) get at most a quarter of the slots, as in runtime.ts.
    const failing = due.filter((s) => s.failing).slice(0, Math.max(1, Math.floor(concurrency / 4)));
    const round = [...due.filter((s) => !s.failing), ...failing].slice(0, concurrency);
    for (const s of round) ran.add(s.id);
    await Promise.all(round.map(({ id }) => deliverWhileDue(deps, id, () => now() < until)));
  }
}
