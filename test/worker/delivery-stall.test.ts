import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { confirmedNumbers, endpoint, type Endpoint } from '../helpers/subscriber.js';
import { breakGlass, seed, subscribe } from '../helpers/worker-subscriptions.js';

/**
 * One subscriber's hanging endpoint must not hold up anyone else's notifications on the Worker.
 * A pass of delivery runs under the one delivery lease, so every message that arrives while it
 * runs finds the lease held: the pass itself must go on numbering and sending the others' news
 * while the slow send waits out its timeout (red team 7 measured up to 120 s of waiting before).
 */
describe('a hanging endpoint on the Worker', () => {
  let w: LocalWorkers;
  let clinician: string;
  let slow: Endpoint;
  let fine: Endpoint;

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development' } });
    ({ clinician } = await seed(w, ['hol-slow', 'hol-fine']));
  }, 180_000);

  afterAll(async () => {
    for (const h of slow?.held ?? []) h();
    slow?.close();
    fine?.close();
    await w?.stop();
  });

  it("tells the others their news within seconds while one endpoint hangs for its whole timeout, and the slow one's too once it answers", async () => {
    slow = await endpoint();
    fine = await endpoint();
    const his = await w.issuer.mint(patientClaims('hol-slow'), 3600);
    const her = await w.issuer.mint(patientClaims('hol-fine'), 3600);
    expect((await subscribe(w, his, slow.url, { timeout: 60 })).status).toBe('active');
    expect((await subscribe(w, her, fine.url)).status).toBe('active');

    slow.state.hold = true;
    await breakGlass(w, w.primary, clinician, 'hol-slow');
    await expect.poll(() => slow.held.length, { timeout: 15_000, interval: 100 }).toBe(1);

    // His endpoint holds the pass's send open (60 s). Her grants, through either isolate, each
    // reach her in a few seconds, in order, while it does.
    for (const [i, base] of [w.primary, w.replica!, w.primary].entries()) {
      const started = Date.now();
      await breakGlass(w, base, clinician, 'hol-fine');
      await expect.poll(() => confirmedNumbers(fine), { timeout: 8_000, interval: 100 }).toEqual(Array.from({ length: i + 1 }, (_, n) => n + 1));
      expect(Date.now() - started).toBeLessThan(8_000);
    }
    expect(slow.held.length).toBe(1);

    // His endpoint answers again: the held request is dropped (a failure), and the retry tells him.
    slow.state.hold = false;
    for (const h of slow.held.splice(0)) h();
    await expect.poll(() => confirmedNumbers(slow), { timeout: 45_000, interval: 250 }).toEqual([1]);
    expect(confirmedNumbers(fine)).toEqual([1, 2, 3]);
  }, 180_000);
});
