import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { confirmedNumbers, endpoint, type Endpoint } from '../helpers/subscriber.js';
import { breakGlass, d1, seed, subscribe } from '../helpers/worker-subscriptions.js';

/**
 * Red team 7 found (guarantees 1, 4 and 5): once 100 or more outbox events were pending at the
 * same time, notifications on the Worker stopped for good. Marking a batch dispatched bound
 * `dispatched = ?` plus 100 seqs, 101 parameters, over D1's 100, so every pass threw on the same
 * events. Getting 100 pending needs nothing hostile: a slow subscriber's endpoint holds the
 * delivery lease while writes go on. Fixed; this is the regression test.
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

  it('she is told of every grant, once, in order, after 100 or more events were pending at once (a slow subscriber held the lease)', async () => {
    hook = await endpoint();
    const her = await w.issuer.mint(patientClaims('rt7-s'), 3600);
    const sub = await subscribe(w, her, hook.url);
    expect(sub.status).toBe('active');
    await breakGlass(w, w.primary, clinician, 'rt7-s');
    await expect.poll(() => confirmedNumbers(hook), { timeout: 20_000, interval: 250 }).toEqual([1]);

    // Another patient's endpoint hangs: the pass that sends to it holds the delivery lease
    // while it waits, as any slow subscriber's does (up to its timeout, 120 s at most).
    const other = await endpoint();
    try {
      const his = await w.issuer.mint(patientClaims('rt7-t'), 3600);
      expect((await subscribe(w, his, other.url, { timeout: 60 })).status).toBe('active');
      other.state.hold = true;
      await breakGlass(w, w.primary, clinician, 'rt7-t');
      await expect.poll(() => other.held.length, { timeout: 15_000, interval: 100 }).toBe(1);
      // Meanwhile clinicians break the glass on her record 100 times (an ED on a busy night, or
      // one clinician scripting it); each message finds the lease held and waits its turn.
      const bases = [w.primary, w.replica!];
      for (let i = 0; i < 100; i += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => breakGlass(w, bases[(i + j) % 2]!, clinician, 'rt7-s')));
      const db = d1(w);
      try {
        const { n } = db.prepare('SELECT COUNT(*) AS n FROM notification_events WHERE dispatched = 0').get() as { n: number };
        expect(n).toBeGreaterThanOrEqual(100);
      } finally {
        db.close();
      }
    } finally {
      // The slow endpoint gives up (connection reset): the pass ends and frees the lease.
      other.state.hold = false;
      for (const h of other.held) h();
      other.close();
    }
    // Once the lease is free she is told of all 101, in order, once each.
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
