import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { subscriptionEvents } from '../../src/db/schema.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription } from '../../src/subscriptions/store.js';
import { encounter, FHIR, hoursAgo, putEntry, send, subscribe, until, world, openedPerTest } from './delivery-world.js';

const { open, receiver } = openedPerTest();

describe('delivery: an admission reaches the subscriber, signed, numbered, in order', () => {
  it('an ED visit ingested for a patient reaches the endpoint as event 1, signed and carrying its focus', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    await subscribe(db, { id: 'sub-1', endpoint: rx.url, secret });
    open.notifier = createNotifier(delivery, { holder: 'test', pollMs: 20 });
    open.notifier.start();

    await send(deps, [putEntry(encounter('ed-1', 'pa-1', { status: 'in-progress', start: hoursAgo(new Date(), 1) }))]);
    await until(() => rx.confirmed().length === 1, 10_000, 'the first notification');

    expect(rx.bad).toEqual([]);
    const [note] = rx.received;
    expect(note).toMatchObject({ type: 'event-notification', numbers: [1], eventsSinceStart: 1, focus: ['Encounter/ed-1'] });
    expect(note!.bundle.entry[1]).toMatchObject({ fullUrl: `${FHIR}/Encounter/ed-1` });
    await until(async () => (await getSubscription(db, 'sub-1'))!.confirmed === 1, 2000, 'confirmed recorded');
    const [row] = await db.orm.select().from(subscriptionEvents).where(eq(subscriptionEvents.subscriptionId, 'sub-1'));
    expect(row!.deliveredAt).not.toBeNull();
  });

  it('many events to several subscriptions: each receives 1..n in order, each number once, its counter right', async () => {
    const { db, deps, delivery } = await world({ patients: ['pa-1', 'pa-2'] });
    const secrets = [newSecret(), newSecret(), newSecret()];
    const rxs = await Promise.all(secrets.map(receiver));
    await subscribe(db, { id: 'all', endpoint: rxs[0]!.url, secret: secrets[0], maxCount: 3 });
    await subscribe(db, { id: 'only-pa-2', endpoint: rxs[1]!.url, secret: secrets[1], filters: [{ name: 'patient', values: ['Patient/pa-2'] }] });
    await subscribe(db, { id: 'inpatient', endpoint: rxs[2]!.url, secret: secrets[2], filters: [{ name: 'class', values: ['IMP'] }], maxCount: 1 });
    open.notifier = createNotifier(delivery, { holder: 'test', pollMs: 20 });
    open.notifier.start();

    const start = hoursAgo(new Date(), 2);
    for (let i = 0; i < 12; i++) {
      const pid = i % 2 === 0 ? 'pa-1' : 'pa-2';
      await send(deps, [putEntry(encounter(`e-${i}`, pid, { status: 'in-progress', start, cls: i % 3 === 0 ? 'IMP' : 'EMER' }))]);
    }
    await until(() => rxs[0]!.confirmed().length === 12 && rxs[1]!.confirmed().length === 6 && rxs[2]!.confirmed().length === 4, 15_000, 'all deliveries');

    expect(rxs[0]!.confirmed()).toEqual([...Array(12).keys()].map((i) => i + 1));
    expect(rxs[1]!.confirmed()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rxs[1]!.received.flatMap((r) => r.focus)).toEqual(['e-1', 'e-3', 'e-5', 'e-7', 'e-9', 'e-11'].map((e) => `Encounter/${e}`));
    expect(rxs[2]!.confirmed()).toEqual([1, 2, 3, 4]);
    expect(rxs[2]!.received.every((r) => r.numbers.length === 1)).toBe(true);
    expect(rxs[0]!.received.every((r) => r.numbers.length <= 3)).toBe(true);
    // The receiver answers before our confirmation commits (confirmations are group-committed): wait for the row.
    for (const id of ['all', 'only-pa-2', 'inpatient']) {
      await expect.poll(async () => (await getSubscription(db, id))!.confirmed, { timeout: 5000 }).toBe((await getSubscription(db, id))!.eventsSinceStart);
    }
    expect((await getSubscription(db, 'all'))!.eventsSinceStart).toBe(12);
  });

  it('a subscription hears only of events after it started, and dispatch twice numbers nothing twice', async () => {
    const { db, deps, delivery } = await world();
    await send(deps, [putEntry(encounter('before', 'pa-1', { status: 'in-progress', start: hoursAgo(new Date(), 3) }))]);
    const rx = await receiver(newSecret());
    await subscribe(db, { id: 'late', endpoint: rx.url });
    await send(deps, [putEntry(encounter('after', 'pa-1', { status: 'in-progress', start: hoursAgo(new Date(), 1) }))]);
    expect(await dispatchPending(delivery)).toBe(2);
    expect(await dispatchPending(delivery)).toBe(0);
    const rows = await db.orm.select().from(subscriptionEvents);
    expect(rows.map((r) => r.eventNumber)).toEqual([1]);
    expect((await getSubscription(db, 'late'))!.eventsSinceStart).toBe(1);
  });
});
