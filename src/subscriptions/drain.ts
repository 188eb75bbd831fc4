import { deliverWhileDue, type DeliveryDeps } from './deliver.js';
import { dispatchPending } from './dispatch.js';
import { dueSubscriptions } from './store.js';

export interface DrainOptions {
  /** Subscriptions delivering at once; each one is still strictly in order. */
  concurrency?: number;
  /** Stop starting sends after this long when none is under way; a send under way still finishes (its own timeout bounds it). */
  budgetMs?: number;
  /** Never start a send after this long, whatever is under way (a queue consumer's wall time is bounded). */
  maxPassMs?: number;
  /** How often the pass looks for new work while sends are under way. */
  pollMs?: number;
  now?: () => number;
}

export const DRAIN_BUDGET_MS = 20_000;
export const MAX_PASS_MS = 300_000;
export const DRAIN_POLL_MS = 200;

/**
 * One pass of delivery, for a runtime that is woken rather than one that polls (a Queue
 * consumer, a cron): number what the outbox holds (dispatch.ts), then run every subscription
 * with something due (deliver.ts) until it has nothing more to send now. The caller holds the
 * delivery lease, so no two passes interleave one subscription's events. Everything it acts on
 * is in the database, so a pass killed anywhere is finished by the next one: an event is
 * numbered once (its batch commits whole) and confirmed once (a 2xx moves `confirmed`).
 *
 * Subscriptions run in slots, each started as one frees, never in rounds: a slow endpoint holds
 * its own slot (failing ones get at most a quarter), not everyone's. And because every other
 * pass waits for the lease while this one runs, this one keeps numbering the outbox and serving
 * whatever falls due for as long as a send of its own is under way (up to `maxPassMs`): one
 * subscriber's endpoint hanging for its whole timeout does not hold up the others' news.
 * Returns false when the time ran out with work left.
 */
export async function drainOutbox(deps: DeliveryDeps, options: DrainOptions = {}): Promise<boolean> {
  const now = options.now ?? Date.now;
  const concurrency = options.concurrency ?? 8;
  const failingSlots = Math.max(1, Math.floor(concurrency / 4));
  const started = now();
  const budgetEnds = started + (options.budgetMs ?? DRAIN_BUDGET_MS);
  const passEnds = started + (options.maxPassMs ?? MAX_PASS_MS);
  const pollMs = options.pollMs ?? DRAIN_POLL_MS;
  const inFlight = new Map<string, { failing: boolean; done: Promise<void> }>();
  // Found due, yet its run did nothing (an end passed, a state no step changes): not asked
  // again this pass, so the pass cannot spin on it. One that sent is asked again when due again.
  const stalled = new Set<string>();
  let settled: () => void = () => {};
  // A step that threw (D1 unavailable, say) fails the pass once the others finish, so its
  // messages are delivered again; the next pass finds the work in D1.
  let failure: { error: unknown } | undefined;
  const mayStart = () => now() < passEnds && (now() < budgetEnds || inFlight.size > 0);
  for (;;) {
    if (!mayStart() || failure) {
      await Promise.all([...inFlight.values()].map((f) => f.done));
      if (failure) throw failure.error;
      return (await dueSubscriptions(deps.db, deps.clock(), 1)).length === 0;
    }
    await dispatchPending(deps);
    const due = (await dueSubscriptions(deps.db, deps.clock(), concurrency * 4 + inFlight.size + stalled.size)).filter(
      (s) => !inFlight.has(s.id) && !stalled.has(s.id),
    );
    if (due.length === 0 && inFlight.size === 0) return true;
    let failing = [...inFlight.values()].filter((f) => f.failing).length;
    for (const s of due) {
      if (inFlight.size >= concurrency) break;
      if (s.failing && failing >= failingSlots) continue;
      if (s.failing) failing++;
      const done = deliverWhileDue(deps, s.id, () => now() < passEnds).then(
        ({ acted }) => void (acted || stalled.add(s.id)),
        (error: unknown) => void (failure ??= { error }),
      );
      const entry = { failing: s.failing, done: done.finally(() => (inFlight.delete(s.id), settled())) };
      inFlight.set(s.id, entry);
    }
    // Until a slot frees or it is time to look again.
    await new Promise<void>((wake) => {
      const timer = setTimeout(wake, pollMs);
      settled = () => (clearTimeout(timer), wake());
    });
  }
}
