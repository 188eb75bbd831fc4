import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { deliverNext } from '../../src/subscriptions/deliver.js';
import { deliveryLease } from '../../src/subscriptions/lease.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription, updateSubscription } from '../../src/subscriptions/store.js';
import { tempDir } from '../helpers/db.js';
import { encounter, hoursAgo, putEntry, send, startReceiver, subscribe, until, world } from './delivery-world.js';

describe('heartbeats, the end of a subscription, and one deliverer at a time', () => {
  it('a heartbeat Bundle when nothing was sent for heartbeatSeconds, none before', async () => {
    const { db, delivery } = await world();
    const secret = newSecret();
    const rx = await startReceiver(secret);
    try {
      const created = new Date().toISOString();
      // The row is written with store.ts (the Subscription API is another part of issue 15).
      await subscribe(db, { id: 's', endpoint: rx.url, secret, heartbeatSeconds: 60, created });
      let t = Date.parse(created) + 30_000;
      const at = { ...delivery, clock: () => new Date(t) };
      expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('idle');
      t += 31_000;
      expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('heartbeat');
      expect(rx.received.map((r) => [r.type, r.numbers, r.eventsSinceStart])).toEqual([['heartbeat', [], 0]]);
      expect(rx.received[0]!.bundle.entry).toHaveLength(1);
      expect((await getSubscription(db, 's'))!.lastSentAt).toBe(new Date(t).toISOString());
      expect(await deliverNext(at, (await getSubscription(db, 's'))!)).toBe('idle');
    } finally {
      await rx.close();
    }
  });

  it('past its end a subscription turns off and sends nothing more', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await startReceiver(secret);
    try {
      await subscribe(db, { id: 's', endpoint: rx.url, secret });
      await updateSubscription(db, 's', { end: new Date(Date.now() - 1000).toISOString() });
      await send(deps, [putEntry(encounter('after-end', 'pa-1', { status: 'in-progress', start: hoursAgo(new Date(), 1) }))]);
      expect(await deliverNext(delivery, (await getSubscription(db, 's'))!)).toBe('ended');
      expect((await getSubscription(db, 's'))!.status).toBe('off');
      expect(rx.received).toEqual([]);
    } finally {
      await rx.close();
    }
  });

  it('two gateways on one database: only the lease holder delivers, each number arrives once; when it stops the other takes over', async () => {
    const path = join(tempDir('cg-lease-'), 'gateway.db');
    const db = openSqlite(path);
    const other = openSqlite(path);
    const secret = newSecret();
    const rx = await startReceiver(secret);
    const { deps, delivery } = await world({ db });
    const a = createNotifier(delivery, { holder: 'gateway A', pollMs: 10, leaseTtlMs: 60_000 });
    const b = createNotifier({ ...delivery, db: other }, { holder: 'gateway B', pollMs: 10, leaseTtlMs: 60_000 });
    try {
      await subscribe(db, { id: 's', endpoint: rx.url, secret, maxCount: 1 });
      a.start();
      await until(async () => (await deliveryLease(db, 'reader', 1).holder())?.holder === 'gateway A', 5000, 'A to take the lease');
      b.start();
      const start = hoursAgo(new Date(), 1);
      for (let i = 0; i < 10; i++) await send(deps, [putEntry(encounter(`e-${i}`, 'pa-1', { status: 'in-progress', start }))]);
      await until(() => rx.confirmed().length === 10, 15_000, 'ten deliveries');
      await a.stop();
      for (let i = 10; i < 15; i++) await send(deps, [putEntry(encounter(`e-${i}`, 'pa-1', { status: 'in-progress', start }))]);
      await until(() => rx.confirmed().length === 15, 15_000, 'B to deliver the rest');
      expect(rx.confirmed()).toEqual([...Array(15).keys()].map((i) => i + 1));
      expect((await deliveryLease(db, 'reader', 1).holder())?.holder).toBe('gateway B');
    } finally {
      await a.stop();
      await b.stop();
      await rx.close();
      other.close();
      db.close();
    }
  }, 40_000);
});
