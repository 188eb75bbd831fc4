import { describe, expect, it } from 'vitest';
import { deliverNext, ERROR_AFTER_MS, MAX_RETRY_MS, retryDelayMs } from '../../src/subscriptions/deliver.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription } from '../../src/subscriptions/store.js';
import { encounter, hoursAgo, putEntry, send, subscribe, until, world, openedPerTest } from './delivery-world.js';

const { open, receiver } = openedPerTest();

const unique = (xs: number[]) => new Set(xs).size === xs.length;

describe('delivery that is never lost: failures, retries, recovery', () => {
  it('the receiver goes down, events keep coming, it comes back: the backlog arrives in order and nothing confirmed is sent twice', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    // Subscription rows are written with store.ts (the Subscription API is another part of issue 15).
    await subscribe(db, { id: 's', endpoint: rx.url, secret, maxCount: 4 });
    open.notifier = createNotifier(delivery, { holder: 'test', pollMs: 20 });
    open.notifier.start();
    const start = hoursAgo(new Date(), 1);
    for (let i = 0; i < 3; i++) await send(deps, [putEntry(encounter(`a-${i}`, 'pa-1', { status: 'in-progress', start }))]);
    await until(() => rx.confirmed().length === 3, 10_000, 'the first three');

    await rx.down();
    for (let i = 0; i < 7; i++) await send(deps, [putEntry(encounter(`b-${i}`, 'pa-1', { status: 'in-progress', start }))]);
    await until(async () => ((await getSubscription(db, 's'))?.failures ?? 0) >= 2, 15_000, 'failed attempts while down');
    const down = (await getSubscription(db, 's'))!;
    expect(down).toMatchObject({ confirmed: 3, eventsSinceStart: 10, status: 'active', lastError: 'the endpoint could not be reached' });
    expect(down.failingSince).not.toBeNull();
    await rx.up();

    await until(() => rx.confirmed().length === 10, 40_000, 'the backlog');
    expect(rx.confirmed()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rx.received.every((r) => r.numbers.length <= 4)).toBe(true);
    await until(async () => (await getSubscription(db, 's'))!.confirmed === 10, 2000, 'confirmed');
    expect(await getSubscription(db, 's')).toMatchObject({ failures: 0, failingSince: null, nextAttemptAt: null, lastError: null });
  }, 60_000);

  it('a 500, then a receiver that hangs past the timeout: each is a failure, the same events are sent again under the same message id', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    await subscribe(db, { id: 's', endpoint: rx.url, secret, timeoutSeconds: 1 });
    let t = Date.now();
    const at = { ...delivery, clock: () => new Date(t) };
    await send(deps, [putEntry(encounter('e-1', 'pa-1', { status: 'in-progress', start: hoursAgo(new Date(), 1) }))]);
    await dispatchPending(at);

    rx.mode = 'fail';
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('failed');
    expect(await getSubscription(db, 's')).toMatchObject({ failures: 1, confirmed: 0, lastError: 'the endpoint answered 500' });
    // Not before its retry is due.
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('waiting');

    rx.mode = 'hang';
    t += MAX_RETRY_MS;
    const began = Date.now();
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('failed');
    expect(Date.now() - began).toBeLessThan(5000);
    expect(await getSubscription(db, 's')).toMatchObject({ failures: 2, confirmed: 0, lastError: 'no answer within 1 s' });

    rx.mode = 'ok';
    t += MAX_RETRY_MS;
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('sent');
    expect(rx.received.map((r) => [r.numbers, r.answered])).toEqual([
      [[1], 500],
      [[1], 200],
    ]);
    expect(new Set(rx.received.map((r) => r.messageId)).size).toBe(1);
    expect(await getSubscription(db, 's')).toMatchObject({ failures: 0, confirmed: 1 });
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('idle');
  });

  it('72 hours of failure turns the subscription to error, events are still numbered and kept, and it recovers when the endpoint answers', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    await subscribe(db, { id: 's', endpoint: rx.url, secret });
    const t0 = Date.now();
    let t = t0;
    const at = { ...delivery, clock: () => new Date(t) };
    const start = hoursAgo(new Date(), 1);
    await send(deps, [putEntry(encounter('e-0', 'pa-1', { status: 'in-progress', start }))]);
    await dispatchPending(at);
    rx.mode = 'fail';
    let n = 1;
    for (const hour of [0, 1, 12, 24, 36, 48, 60, 71]) {
      t = t0 + hour * 3600_000;
      expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('failed');
      expect((await getSubscription(db, 's'))!.status).toBe('active');
      await send(deps, [putEntry(encounter(`e-${n++}`, 'pa-1', { status: 'in-progress', start }))]);
      await dispatchPending(at);
    }
    t = t0 + ERROR_AFTER_MS;
    expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('failed');
    const failed = (await getSubscription(db, 's'))!;
    expect(failed).toMatchObject({ status: 'error', confirmed: 0, eventsSinceStart: 9 });
    // An error subscription is still numbered events: nothing is dropped while it is away.
    await send(deps, [putEntry(encounter('e-late', 'pa-1', { status: 'in-progress', start }))]);
    await dispatchPending(at);
    expect((await getSubscription(db, 's'))!.eventsSinceStart).toBe(10);

    // It is still probed, and the first answer brings it back and drains the backlog in order.
    rx.mode = 'ok';
    t += MAX_RETRY_MS;
    while ((await deliverNext(at, (await getSubscription(db, 's'))!)) === 'sent');
    expect(rx.confirmed()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(unique(rx.confirmed())).toBe(true);
    expect(await getSubscription(db, 's')).toMatchObject({ status: 'active', confirmed: 10, failures: 0, failingSince: null });
  });

  it('the retry delay doubles from a second, never waits more than half a minute, and is jittered', () => {
    expect(retryDelayMs(1, () => 1)).toBe(1000);
    expect(retryDelayMs(2, () => 1)).toBe(2000);
    expect(retryDelayMs(5, () => 1)).toBe(16_000);
    expect(retryDelayMs(6, () => 1)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(10_000, () => 1)).toBe(MAX_RETRY_MS);
    expect(retryDelayMs(10, () => 0)).toBe(MAX_RETRY_MS / 2);
  });
});
