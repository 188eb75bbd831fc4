/**
 * Issue 15, item 7, end to end through the FHIR API: a patient registers her own endpoint for
 * break-the-glass with her own token; when a clinician breaks the glass on her record, that
 * endpoint is told (signed, verified with the Standard Webhooks library), and no organization
 * can subscribe to it.
 */
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { receiver, SECRET_URL, subscription, subscriptionScenario, TOPIC } from './api-setup.js';

const breakGlass = (endpoint: string) => ({ ...subscription(endpoint, { payload: 'full-resource' }), criteria: `${TOPIC}/break-the-glass` });

describe('the patient is told of break-the-glass at an endpoint she registers', () => {
  it('her subscription, made with her own token, hears of the grant; a clinic cannot subscribe to it', async () => {
    const s = await subscriptionScenario();
    const hers = await receiver();
    const maria = await s.issuer.mint({
      sub: 'maria',
      client_id: 'portal',
      role: 'patient',
      fhirUser: 'Patient/pa-1',
      patient: 'pa-1',
      scope: 'patient/*.rs patient/Subscription.cruds',
      purpose_of_use: ['PATRQT'],
    });
    const created = await s.call('POST', '/fhir/Subscription', maria, breakGlass(hers.url));
    expect(created.status).toBe(201);
    const body = (await created.json()) as { id: string; status: string; extension: { url: string; valueString: string }[] };
    expect(body.status).toBe('active');
    const secret = body.extension.find((e) => e.url === SECRET_URL)!.valueString;

    // A clinic's client may not subscribe to her topic; she may not subscribe to a clinic's.
    const clinic = await s.call('POST', '/fhir/Subscription', s.subTokens.oak, breakGlass('http://127.0.0.1:9/hook'));
    expect(clinic.status).toBe(400);
    const stays = await s.call('POST', '/fhir/Subscription', maria, subscription(hers.url));
    expect(stays.status).toBe(400);

    const glass = await s.app.request('/fhir/Patient/pa-1/$break-the-glass', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.tokens.chenGlass}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'unconscious in the ED' }] }),
    });
    expect(glass.status).toBe(201);

    const notifier = createNotifier({ ...s.deps, fhirBase: 'http://gateway.test/fhir' }, { holder: 'test', pollMs: 20 });
    notifier.start();
    try {
      await expect.poll(() => hers.received.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await notifier.stop();
      await hers.close();
    }
    const [handshake, told] = hers.received;
    const webhook = new Webhook(secret);
    for (const r of [handshake!, told!]) webhook.verify(r.body, r.headers as Record<string, string>);
    const bundle = JSON.parse(told!.body) as { entry: { resource: { resourceType: string; parameter?: { name: string; valueCode?: string }[] } }[] };
    expect(bundle.entry[0]!.resource.parameter!.find((p) => p.name === 'type')!.valueCode).toBe('event-notification');
    // Full-resource: the grant's own AuditEvent, naming the emergency access.
    expect(bundle.entry[1]!.resource).toMatchObject({
      resourceType: 'AuditEvent',
      extension: [{ url: 'urn:consent-gateway:break-glass', valueBoolean: true }],
    });
  });
});
