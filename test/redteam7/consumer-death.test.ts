import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientClaims } from '../helpers/tokens.js';
import { NOTIFY_QUEUE, startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { confirmedNumbers, endpoint, type Endpoint } from '../helpers/subscriber.js';
import { breakGlass, d1, seed, sleep, subscribe } from '../helpers/worker-subscriptions.js';

/**
 * Red team 7 found (liveness): a consumer killed after it numbered an event but before the
 * endpoint answered left a redelivered message acked without work, because its event was no
 * longer pending, and the dead consumer's lease (then 180 s) blocked every pass. Now a message
 * is a repeat only when its events are numbered and confirmed, and the lease lives 30 s unless
 * renewed. Cloudflare redelivers a retried message after its delay; the test does the same.
 */
describe('red team 7: a consumer killed midway', () => {
  let w: LocalWorkers;
  let clinician: string;
  let hook: Endpoint;

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development', AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' } });
    ({ clinician } = await seed(w, ['rt7-k']));
  }, 180_000);

  afterAll(async () => {
    hook?.close();
    await w?.stop();
  });

  it('the redelivered message of a consumer killed mid-send gets her event to her', async () => {
    hook = await endpoint();
    const her = await w.issuer.mint(patientClaims('rt7-k'), 3600);
    expect((await subscribe(w, her, hook.url, { timeout: 30 })).status).toBe('active');
    hook.state.hold = true;
    const event = await breakGlass(w, w.primary, clinician, 'rt7-k');
    await expect.poll(() => hook.held.length, { timeout: 15_000, interval: 100 }).toBe(1);
    // The consumer dies while her endpoint has the POST (no answer was given).
    await w.restart();
    hook.state.hold = false;
    for (const h of hook.held) h();
    // Cloudflare redelivers the message the dead consumer never acked, and again after each
    // retry the consumer asks for (the dead one's lease must run out first), as the queue would.
    const started = Date.now();
    let redelivered = await w.queueBatch(NOTIFY_QUEUE, [{ events: [event] }]);
    // Not acked as a repeat: its event was numbered but never confirmed.
    expect(redelivered.explicitAcks).toEqual([]);
    while (redelivered.retried && Date.now() - started < 60_000) {
      await sleep(2_000);
      redelivered = await w.queueBatch(NOTIFY_QUEUE, [{ events: [event] }]);
    }
    expect(redelivered.outcome).toBe('ok');
    await expect.poll(() => confirmedNumbers(hook), { timeout: 10_000, interval: 200 }).toEqual([1]);
    // Within the lease's life plus a retry, not at some later sweep.
    expect(Date.now() - started).toBeLessThan(45_000);
    const db = d1(w);
    expect(db.prepare('SELECT confirmed FROM subscriptions').pluck().get()).toBe(1);
    db.close();
  }, 120_000);
});
