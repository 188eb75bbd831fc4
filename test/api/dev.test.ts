import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { notificationBundle } from '../../src/subscriptions/bundle.js';
import { DEMO_OWNER, seedDemoSubscriptions } from '../../src/subscriptions/demo-subscriptions.js';
import { sendNotification } from '../../src/subscriptions/send.js';
import { listSubscriptions } from '../../src/subscriptions/store.js';
import { TOPICS } from '../../src/subscriptions/topics.js';
import { tempDb, testDeps } from '../helpers/db.js';

const BASE = 'http://gateway.test';

function gateway(mode: 'development' | 'production') {
  const db = tempDb();
  const deps = testDeps(db, { clock: () => new Date() });
  const app = createApp({ ...deps, config: { ...deps.config, mode } });
  return { db, deps, app };
}

const body = (eventNumber: number, focus: string) =>
  JSON.stringify(
    notificationBundle(
      {
        subscriptionUrl: `${BASE}/fhir/Subscription/s1`,
        topic: TOPICS['encounter-start'].canonical,
        status: 'active',
        type: 'event-notification',
        eventsSinceSubscriptionStart: eventNumber,
        events: [{ eventNumber, timestamp: new Date().toISOString(), focus }],
        payload: 'id-only',
      },
      `${BASE}/fhir`,
    ),
  );

describe('the development demo receiver', () => {
  it('does not exist in production: no receiver, no page, no such route at all', async () => {
    const { app, db, deps } = gateway('production');
    await seedDemoSubscriptions(db, { baseUrl: BASE, clock: deps.clock, newId: deps.newId });
    for (const [method, path] of [
      ['GET', '/dev/receiver'],
      ['POST', '/dev/receiver/clinic-oak'],
      ['GET', '/dev/receiver/clinic-oak'],
    ] as const) {
      const res = await app.request(path, { method, body: method === 'POST' ? body(1, 'Encounter/e1') : undefined });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
  });

  it("receives a notification signed with its subscription's secret, and lists it with its numbers, topic and focus", async () => {
    const { app, db, deps } = gateway('development');
    expect(await seedDemoSubscriptions(db, { baseUrl: BASE, clock: deps.clock, newId: deps.newId })).toBe(15);
    const oak = (await listSubscriptions(db, DEMO_OWNER)).find((s) => s.organization === 'Organization/clinic-oak-org' && s.topic === 'encounter-start')!;
    expect(oak.endpoint).toBe(`${BASE}/dev/receiver/clinic-oak`);
    expect(oak.status).toBe('active');
    const fetcher = ((url: string, init: RequestInit) => app.request(url, init)) as typeof fetch;
    const sent = await sendNotification(
      { endpoint: oak.endpoint, headers: [], timeoutSeconds: 5, secret: oak.secret },
      body(1, 'Encounter/e1'),
      'msg-1',
      new Date(),
      fetcher,
    );
    expect(sent).toEqual({ ok: true, status: 204 });
    // The spec's reference library signs the same way our receiver checks.
    const reference = new Webhook(oak.secret);
    const payload = body(2, 'Encounter/e2');
    const at = new Date();
    const res = await app.request(oak.endpoint, {
      method: 'POST',
      headers: {
        'webhook-id': 'msg-2',
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': reference.sign('msg-2', at, payload),
      },
      body: payload,
    });
    expect(res.status).toBe(204);
    const page = await (await app.request('/dev/receiver')).text();
    expect(page).toContain('Encounter/e1');
    expect(page).toContain('Encounter/e2');
    expect(page).toContain('encounter-start');
    expect(page).not.toContain('FAILED');
  });

  it("refuses, and lists as failed, a body changed after signing, another clinic's secret, and an old replayed delivery", async () => {
    const { app, db, deps } = gateway('development');
    await seedDemoSubscriptions(db, { baseUrl: BASE, clock: deps.clock, newId: deps.newId });
    const subs = await listSubscriptions(db, DEMO_OWNER);
    const oak = subs.find((s) => s.organization === 'Organization/clinic-oak-org')!;
    const maple = subs.find((s) => s.organization === 'Organization/clinic-maple-org')!;
    const post = (secret: string, signed: string, sent: string, at = new Date()) => {
      const ts = Math.floor(at.getTime() / 1000);
      return app.request(oak.endpoint, {
        method: 'POST',
        headers: { 'webhook-id': 'm', 'webhook-timestamp': String(ts), 'webhook-signature': new Webhook(secret).sign('m', at, signed) },
        body: sent,
      });
    };
    const good = body(3, 'Encounter/e3');
    const cases = [
      await post(oak.secret, good, body(3, 'Encounter/forged')),
      await post(maple.secret, good, good),
      await post(oak.secret, good, good, new Date(Date.now() - 3600_000)),
    ];
    for (const res of cases) {
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).toContain('webhook-signature');
    }
    const page = await (await app.request('/dev/receiver')).text();
    expect(page.match(/FAILED/g)).toHaveLength(3);
  });

  it('seeding is idempotent, and follows a new base URL', async () => {
    const { db, deps } = gateway('development');
    const opts = { baseUrl: BASE, clock: deps.clock, newId: deps.newId };
    expect(await seedDemoSubscriptions(db, opts)).toBe(15);
    expect(await seedDemoSubscriptions(db, opts)).toBe(0);
    expect(await seedDemoSubscriptions(db, { ...opts, baseUrl: 'http://127.0.0.1:9999' })).toBe(0);
    const subs = await listSubscriptions(db, DEMO_OWNER);
    expect(subs).toHaveLength(15);
    expect(subs.every((s) => s.endpoint.startsWith('http://127.0.0.1:9999/dev/receiver/clinic-'))).toBe(true);
    expect(new Set(subs.map((s) => s.secret)).size).toBe(15);
  });
});
