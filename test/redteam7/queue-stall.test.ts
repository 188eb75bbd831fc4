import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { confirmedNumbers, endpoint, type Endpoint } from '../helpers/subscriber.js';
import { breakGlass, d1, seed, subscribe } from '../helpers/worker-subscriptions.js';

/**
 * Red team 7 found (guarantees 1, 4 and 5): once 100 or more outbox events were pending at the
 * same time, notifications on the Worker stopped for good. Marking a batch dispatched bound
 * `dispatched = ?` plus 100 seqs, 101 parameters, over D1's 100, so every pass threw on the same
 * events. Getting 100 pending needs nothing hostile: a consumer that dies holding the delivery
 * lease holds up every pass until the lease expires (30 s) while writes go on. (The red team
 * got there with a hanging endpoint, which no longer holds up the others' delivery:
 * test/worker/delivery-stall.test.ts.) Fixed; this is the regression test.
 */
describe('red team 7: 100 events pending at once', () => {
  let w: LocalWorkers;
  let clinician: string;
  let hook: Endpoint;

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development', AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' } });
    ({ clinician } = await seed(w, ['rt7-s', 'rt7-t']));
  }, 180_000);

  afterAll(async () => {
    hook?.close();
    await w?.stop();
  });

  /** The local D1 file, written as a consumer that died mid-pass left it: the lease row is its, for a while yet. */
  const lease = (held: boolean) => {
    const db = new Database(d1(w).name, { timeout: 10_000 });
    try {
      if (held)
        db.prepare(
          "INSERT OR REPLACE INTO release_lock (id, purpose, token, holder, acquired, expires) VALUES (2, 'deliver', 'dead', 'a killed consumer', ?, ?)",
        ).run(new Date().toISOString(), new Date(Date.now() + 600_000).toISOString());
      else db.prepare("DELETE FROM release_lock WHERE id = 2 AND token = 'dead'").run();
    } finally {
      db.close();
    }
  };

  it('she is told of every grant, once, in order, after 100 or more events were pending at once (a dead consumer held the lease)', async () => {
    hook = await endpoint();
    const her = await w.issuer.mint(patientClaims('rt7-s'), 3600);
    const sub = await subscribe(w, her, hook.url);
    expect(sub.status).toBe('active');
    await breakGlass(w, w.primary, clinician, 'rt7-s');
    await expect.poll(() => confirmedNumbers(hook), { timeout: 20_000, interval: 250 }).toEqual([1]);

    lease(true);
    // Meanwhile clinicians break the glass on her record 100 times (an ED on a busy night, or
    // one clinician scripting it); each message finds the lease held and waits its turn.
    const bases = [w.primary, w.replica!];
    for (let i = 0; i < 100; i += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => breakGlass(w, bases[(i + j) % 2]!, clinician, 'rt7-s')));
    const look = d1(w);
    try {
      const { n } = look.prepare('SELECT COUNT(*) AS n FROM notification_events WHERE dispatched = 0').get() as { n: number };
      expect(n).toBeGreaterThanOrEqual(100);
    } finally {
      look.close();
    }
    // The dead consumer's lease runs out: the next pass (a retried message, or the cron) tells her all 101, in order, once each.
    lease(false);
    expect(await w.scheduled()).toBe('ok');
    await expect.poll(() => confirmedNumbers(hook), { timeout: 30_000, interval: 250 }).toEqual(Array.from({ length: 101 }, (_, i) => i + 1));
    // A clinician breaks the glass on her record again: told through its message alone.
    await breakGlass(w, w.replica!, clinician, 'rt7-s');
    await expect.poll(() => confirmedNumbers(hook), { timeout: 20_000, interval: 250 }).toEqual(Array.from({ length: 102 }, (_, i) => i + 1));
    // The minute's sweep, twice, as production's cron would run it: nothing fails, nothing is left.
    expect([await w.scheduled(), await w.scheduled()]).toEqual(['ok', 'ok']);
    const db = d1(w);
    try {
      expect(db.prepare('SELECT COUNT(*) FROM notification_events WHERE dispatched = 0').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    expect(w.logs()).not.toContain('too many SQL variables');
  }, 240_000);
});
