/**
 * The real gateway (npm start): a clinic's registered backend client gets a token for
 * Subscriptions through SMART Backend Services and subscribes; an operator signs in and
 * subscribes for an attributed organization. Real clients, real loopback HTTP.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { clientToken, personToken } from '../helpers/gateway-tokens.js';
import { receiver, SECRET_URL, subscription } from './api-setup.js';

type Json = Record<string, any>;

let gw: Gateway;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeAll(async () => {
  [gw, hook] = await Promise.all([startGateway({ patients: 10 }), receiver()]);
}, 120_000);
afterAll(async () => {
  await hook?.close();
  await gw?.stop();
});

const post = (token: string, body: unknown) =>
  fetch(`${gw.fhir}/Subscription`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });

describe('subscribing on the running gateway', () => {
  it("Oakwood's EHR client, registered for system/*.cu, gets system/Subscription.c and subscribes", async () => {
    const token = await clientToken(gw, 'clinic-oak', 'system/Subscription.c', 'TREAT');
    const res = await post(token, subscription(hook.url));
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.status).toBe('active');
    const secret = (body.extension as Json[]).find((e) => e.url === SECRET_URL)!.valueString as string;
    const shake = hook.received.at(-1)!;
    expect(() => new Webhook(secret).verify(shake.body, shake.headers as Record<string, string>)).not.toThrow();
    // Creating is not reading: its token does not grant system/Subscription.r.
    expect((await fetch(`${gw.fhir}/Subscription/${body.id}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
  }, 60_000);

  it('an operator signs in, is granted user/Subscription.cruds, and subscribes for Oakwood', async () => {
    const token = await personToken(gw, 'alex', 'openid fhirUser user/Subscription.cruds');
    const admin = subscription(hook.url, {
      extra: { extension: [{ url: 'urn:consent-gateway:subscription-organization', valueReference: { reference: 'Organization/clinic-oak-org' } }] },
    });
    const res = await post(token, admin);
    expect(res.status, await res.clone().text()).toBe(201);
  }, 60_000);

  it('the CapabilityStatement advertises Subscription, the topics and $status/$events', async () => {
    const cs = (await (await fetch(`${gw.fhir}/metadata`)).json()) as Json;
    const sub = (cs.rest[0].resource as Json[]).find((r) => r.type === 'Subscription')!;
    expect(sub.interaction.map((i: Json) => i.code).sort()).toEqual(['create', 'delete', 'read', 'search-type', 'update']);
    const topics = (sub.extension as Json[]).filter((e) => e.url.endsWith('capabilitystatement-subscriptiontopic-canonical')).map((e) => e.valueCanonical);
    // The three stay topics, and break-the-glass (a patient's own).
    expect(topics).toHaveLength(4);
    expect(sub.operation.map((o: Json) => o.name).sort()).toEqual(['events', 'status']);
  });
});
