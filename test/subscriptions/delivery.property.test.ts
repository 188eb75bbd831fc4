import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deliverNext, MAX_RETRY_MS, type DeliveryDeps } from '../../src/subscriptions/deliver.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription, updateSubscription } from '../../src/subscriptions/store.js';
import { encounter, hoursAgo, putEntry, send, startReceiver, subscribe, world } from './delivery-world.js';

type Command =
  | { kind: 'ingest'; n: number }
  | { kind: 'receiver'; mode: 'ok' | 'fail' }
  | { kind: 'step' }
  /** The gateway dies after the receiver answered 2xx and before it wrote `confirmed`. */
  | { kind: 'lost-ack' }
  /** A new process: nothing carried over in memory. */
  | { kind: 'restart' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('ingest' as const), n: fc.integer({ min: 1, max: 3 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('receiver' as const), mode: fc.constantFrom('ok' as const, 'fail' as const) }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'step' as const }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'lost-ack' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'restart' as const }), weight: 1 },
);

describe('delivery, for any interleaving of ingests, failures, lost answers and restarts', () => {
  it('the receiver confirms exactly 1..n in order, and nothing the gateway recorded as confirmed is sent again', async () => {
    const { db, deps, delivery } = await world();
    let t = Date.now();
    let run = 0;
    let encounters = 0;
    const start = hoursAgo(new Date(), 1);
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const id = `s-${++run}`;
        const secret = newSecret();
        const rx = await startReceiver(secret);
        // The row as the Subscription API would store it (another part of issue 15), through store.ts.
        await subscribe(db, { id, endpoint: rx.url, secret, maxCount: 3, timeoutSeconds: 2 });
        let n = 0;
        let loseNext = false;
        const newProcess = (): DeliveryDeps => ({
          ...delivery,
          clock: () => new Date(t),
          fetcher: async (input, init) => {
            const res = await fetch(input, init);
            if (!loseNext) return res;
            loseNext = false;
            throw new Error('killed before the answer was recorded');
          },
        });
        let gateway = newProcess();
        const step = async () => {
          t += MAX_RETRY_MS + 1;
          await dispatchPending(gateway);
          const before = (await getSubscription(db, id))!;
          const seen = rx.received.length;
          await deliverNext(gateway, before).catch(() => 'died');
          for (const r of rx.received.slice(seen)) expect(r.numbers.every((x) => x > before.confirmed)).toBe(true);
        };
        try {
          for (const c of commands) {
            if (c.kind === 'ingest') {
              for (let i = 0; i < c.n; i++) await send(deps, [putEntry(encounter(`p-${++encounters}`, 'pa-1', { status: 'in-progress', start }))]);
              n += c.n;
            } else if (c.kind === 'receiver') rx.mode = c.mode;
            else if (c.kind === 'lost-ack') loseNext = true;
            else if (c.kind === 'restart') gateway = newProcess();
            else await step();
          }
          rx.mode = 'ok';
          loseNext = false;
          for (let guard = 0; guard < 100; guard++) {
            const sub = (await getSubscription(db, id))!;
            if (sub.confirmed === n && sub.eventsSinceStart === n) break;
            await step();
          }
          const confirmed = rx.confirmed();
          expect(confirmed.filter((x, i) => confirmed.indexOf(x) === i)).toEqual([...Array(n).keys()].map((i) => i + 1));
          expect((await getSubscription(db, id))!.confirmed).toBe(n);
          expect(rx.bad).toEqual([]);
        } finally {
          // Later runs' dispatch need not number events for this one any more.
          await updateSubscription(db, id, { status: 'off' });
          await rx.close();
        }
      }),
      { numRuns: 50 },
    );
  }, 120_000);
});
