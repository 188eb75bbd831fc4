import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription } from '../../src/subscriptions/store.js';
import { tempDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';
import { encounter, hoursAgo, putEntry, send, startReceiver, subscribe, until, world, type Receiver } from './delivery-world.js';

const running: Started[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
  for (const r of receivers.splice(0)) await r.close().catch(() => undefined);
});

/** The delivery runtime in a process of its own over the database file (deliverer-process.ts), as the gateway runs it. */
async function deliverer(dbPath: string): Promise<Started> {
  const p = await startProcess(process.execPath, ['--import', 'tsx', 'test/subscriptions/deliverer-process.ts', dbPath], {
    ready: /delivering/,
    env: { LEASE_TTL_MS: '1500' },
    timeoutMs: 30_000,
  });
  running.push(p);
  return p;
}

function kill(p: Started): Promise<void> {
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  process.kill(-p.child.pid!, 'SIGKILL');
  return exited;
}

describe('a deliverer killed mid-delivery', () => {
  it('loses nothing: after a restart every event arrives, in order, and none it had recorded as confirmed is sent again', async () => {
    const dbPath = join(tempDir('cg-kill-'), 'gateway.db');
    const db = openSqlite(dbPath);
    try {
      const { deps } = await world({ db });
      const secret = newSecret();
      const rx = await startReceiver(secret);
      receivers.push(rx);
      // Slow enough that a delivery is in flight when the kill lands. The row is written with store.ts.
      rx.delayMs = 40;
      await subscribe(db, { id: 's', endpoint: rx.url, secret, maxCount: 1 });
      const start = hoursAgo(new Date(), 1);
      const ingestSome = async (from: number, n: number) => {
        for (let i = from; i < from + n; i++) await send(deps, [putEntry(encounter(`e-${i}`, 'pa-1', { status: 'in-progress', start }))]);
      };
      await ingestSome(0, 15);

      const first = await deliverer(dbPath);
      // Another process's ingests (this one's) are seen by its poll of the outbox.
      await ingestSome(15, 15);
      await until(() => rx.confirmed().length >= 8, 20_000, 'deliveries before the kill');
      await kill(first);
      const confirmedAtKill = (await getSubscription(db, 's'))!.confirmed;
      const receivedAtKill = rx.received.length;
      expect(confirmedAtKill).toBeGreaterThan(0);

      await ingestSome(30, 5);
      await deliverer(dbPath);
      await until(async () => (await getSubscription(db, 's'))!.confirmed === 35, 40_000, 'every event after the restart');

      const arrivals = rx.confirmed();
      const firstArrivals = arrivals.filter((n, i) => arrivals.indexOf(n) === i);
      expect(firstArrivals).toEqual([...Array(35).keys()].map((i) => i + 1));
      // Nothing the gateway had recorded as confirmed comes again after the restart; what the
      // receiver confirmed in the instant before the kill, before it was recorded, may (once).
      const afterRestart = rx.received.slice(receivedAtKill).flatMap((r) => r.numbers);
      expect(afterRestart.every((n) => n > confirmedAtKill)).toBe(true);
      const repeats = arrivals.filter((n, i) => arrivals.indexOf(n) !== i);
      expect(repeats.length).toBeLessThanOrEqual(1);
      expect(rx.bad).toEqual([]);
    } finally {
      for (const p of running.splice(0)) await p.stop();
      db.close();
    }
  }, 90_000);
});
