/** The Subscription REST API: a clinic subscribes, the handshake proves its endpoint, and no one else reaches its subscription. */
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectValidFhir } from '../helpers/validate.js';
import { receiver, SECRET_URL, subscription, subscriptionScenario, type SubscriptionScenario } from './api-setup.js';

type Json = Record<string, any>;

let s: SubscriptionScenario;
let hook: Awaited<ReturnType<typeof receiver>>;
beforeEach(async () => {
  s = await subscriptionScenario();
  hook = await receiver();
});
afterEach(() => hook.close());

const secretOf = (r: Json) => (r.extension as Json[] | undefined)?.find((e) => e.url === SECRET_URL)?.valueString as string | undefined;

async function create(token = s.subTokens.oak, body: unknown = subscription(hook.url)) {
  const res = await s.call('POST', '/fhir/Subscription', token, body);
  return { res, body: (await res.json()) as Json };
}

describe('create and the handshake', () => {
  it('a clinic subscribes: 201, a signed handshake reaches its endpoint with its headers, the subscription is active and the secret shown once', async () => {
    const { res, body } = await create();
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`http://gateway.test/fhir/Subscription/${body.id}/_history/1`);
    expect(body.status).toBe('active');
    expect(body.meta.versionId).toBe('1');
    expectValidFhir(body, 'the created Subscription');
    const secret = secretOf(body);
    expect(secret).toMatch(/^whsec_/);

    expect(hook.received).toHaveLength(1);
    const [shake] = hook.received;
    expect(shake!.headers.authorization).toBe('Bearer clinic-inbox-token');
    expect(shake!.headers['content-type']).toBe('application/fhir+json');
    // The Standard Webhooks reference verifier accepts the signature with the secret we were given.
    expect(() => new Webhook(secret!).verify(shake!.body, shake!.headers as Record<string, string>)).not.toThrow();
    const bundle = JSON.parse(shake!.body) as Json;
    expect(bundle.type).toBe('history');
    const status = bundle.entry[0].resource as Json;
    expect(status.resourceType).toBe('Parameters');
    expect(status.parameter.find((p: Json) => p.name === 'type').valueCode).toBe('handshake');
    expect(status.parameter.find((p: Json) => p.name === 'subscription').valueReference.reference).toBe(`http://gateway.test/fhir/Subscription/${body.id}`);
    expectValidFhir(bundle, 'the handshake Bundle');

    // Never again: not in a read, nor in the list.
    const read = (await (await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.oak)).json()) as Json;
    expect(read.status).toBe('active');
    expect(secretOf(read)).toBeUndefined();
    expect(JSON.stringify(read)).not.toContain(secret!);
    expectValidFhir(read, 'the read Subscription');
    const list = (await (await s.call('GET', '/fhir/Subscription', s.subTokens.oak)).json()) as Json;
    expect(list.total).toBe(1);
    expect(JSON.stringify(list)).not.toContain(secret!);
    expectValidFhir(list, 'the searchset');
  });

  it('a handshake to a dead endpoint: 201 with status error and the reason', async () => {
    await hook.close();
    const { res, body } = await create();
    expect(res.status).toBe(201);
    expect(body.status).toBe('error');
    expect(body.error).toMatch(/handshake failed/);
    expectValidFhir(body, 'the errored Subscription');
  });

  it('an endpoint that answers 500 to the handshake: error, with what it answered', async () => {
    hook.state.status = 500;
    const { body } = await create();
    expect(body.status).toBe('error');
    expect(body.error).toContain('500');
  });

  it('starts at the outbox head: the stored row remembers where it begins', async () => {
    s.db.sqlite
      .prepare(
        "insert into notification_events (id, topic, focus, patient_id, occurred, recorded) values ('e1', 'encounter-start', 'Encounter/x', 'pa-1', '2026-01-01', '2026-01-01')",
      )
      .run();
    const { body } = await create();
    expect(s.db.sqlite.prepare('select start_seq from subscriptions where id = ?').pluck().get(body.id)).toBe(1);
  });

  it('an operator creates an administrative subscription for an attributed organization, which its clinic does not own', async () => {
    const admin = subscription(hook.url, {
      extra: { extension: [{ url: 'urn:consent-gateway:subscription-organization', valueReference: { reference: 'Organization/clinic-oak-org' } }] },
    });
    const { res, body } = await create(s.subTokens.operator, admin);
    expect(res.status).toBe(201);
    expect(body.status).toBe('active');
    expect(s.db.sqlite.prepare('select organization from subscriptions where id = ?').pluck().get(body.id)).toBe('Organization/clinic-oak-org');
    expect((await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.operator)).status).toBe(200);
    expect((await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.oak)).status).toBe(404);
  });
});

describe('who may', () => {
  const refused = async (token: string, status: number) => {
    const { res, body } = await create(token);
    expect(res.status).toBe(status);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(s.rows()).toBe(0);
    expect(hook.received).toHaveLength(0);
  };
  it("a payer's client: 403, nothing stored, nothing sent", () => refused(s.subTokens.payer, 403));
  it('an organization whose agreement permits no treatment: 403', () => refused(s.subTokens.analytics, 403));
  it('a clinic token for operations, not treatment: 403', () => refused(s.subTokens.oakOperations, 403));
  it('a clinic token without system/Subscription.c: 403', () => refused(s.subTokens.oakReadOnly, 403));
  it('a clinician, a patient: 403', async () => {
    await refused(s.tokens.chen, 403);
    await refused(s.tokens.maria, 403);
  });
  it('no token: 401', async () => {
    const res = await s.app.request('/fhir/Subscription', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(subscription(hook.url)),
    });
    expect(res.status).toBe(401);
  });
  it('an operator without naming the organization, or naming an unregistered one: 400', async () => {
    const { res } = await create(s.subTokens.operator);
    expect(res.status).toBe(400);
    const ghost = subscription(hook.url, {
      extra: { extension: [{ url: 'urn:consent-gateway:subscription-organization', valueReference: { reference: 'Organization/nobody' } }] },
    });
    expect((await create(s.subTokens.operator, ghost)).res.status).toBe(400);
    expect(s.rows()).toBe(0);
  });
  it('a clinic naming another organization to be told: 400', async () => {
    const other = subscription(hook.url, {
      extra: { extension: [{ url: 'urn:consent-gateway:subscription-organization', valueReference: { reference: 'Organization/clinic-maple-org' } }] },
    });
    const { res, body } = await create(s.subTokens.oak, other);
    expect(res.status).toBe(400);
    expect(body.issue[0].expression[0]).toBe('Subscription.extension.valueReference');
  });
});

describe("another clinic's subscription answers as a missing one", () => {
  it('read, update, delete and the list by Maple of an Oakwood subscription: 404 exactly as a missing id, and the list is its own', async () => {
    const { body } = await create();
    const missing = await s.call('GET', '/fhir/Subscription/no-such-id', s.subTokens.maple);
    const theirs = await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.maple);
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect((await theirs.text()).replace(body.id, 'X')).toBe((await missing.text()).replace('no-such-id', 'X'));
    expect((await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.maple, { ...subscription(hook.url), id: body.id })).status).toBe(404);
    expect((await s.call('DELETE', `/fhir/Subscription/${body.id}`, s.subTokens.maple)).status).toBe(404);
    const list = (await (await s.call('GET', '/fhir/Subscription', s.subTokens.maple)).json()) as Json;
    expect(list.total).toBe(0);
    expect((await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.oak)).status).toBe(200);
  });
});

describe('update and delete', () => {
  it('a changed endpoint goes back to requested and handshakes again; owner, secret and counters stay', async () => {
    const { body } = await create();
    const secret = secretOf(body)!;
    s.db.sqlite.prepare('update subscriptions set events_since_start = 7, confirmed = 5 where id = ?').run(body.id);
    const other = await receiver();
    try {
      const res = await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, {
        ...subscription(other.url),
        id: body.id,
        extension: [{ url: SECRET_URL, valueString: 'whsec_AAAA' }],
      });
      expect(res.status).toBe(200);
      const updated = (await res.json()) as Json;
      expect(updated.status).toBe('active');
      expect(updated.meta.versionId).toBe('2');
      expect(secretOf(updated)).toBeUndefined();
      expect(other.received).toHaveLength(1);
      // Signed with the secret given at creation: a subscriber cannot choose its secret.
      expect(() => new Webhook(secret).verify(other.received[0]!.body, other.received[0]!.headers as Record<string, string>)).not.toThrow();
      const row = s.db.sqlite.prepare('select owner, secret, events_since_start, confirmed from subscriptions where id = ?').get(body.id);
      expect(row).toEqual({ owner: 'clinic-oak', secret, events_since_start: 7, confirmed: 5 });
    } finally {
      await other.close();
    }
  });

  it('an update to an endpoint that is down: error; the same endpoint again once it is up: active', async () => {
    const { body } = await create();
    hook.state.status = 503;
    const moved = { ...subscription(`${hook.url}/v2`), id: body.id };
    expect(((await (await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, moved)).json()) as Json).status).toBe('error');
    hook.state.status = 200;
    expect(((await (await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, moved)).json()) as Json).status).toBe('active');
  });

  it('an unchanged endpoint does not handshake again; If-Match with an old version: 412', async () => {
    const { body } = await create();
    const res = await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, { ...subscription(hook.url), id: body.id, reason: 'new reason' });
    expect(res.status).toBe(200);
    expect(hook.received).toHaveLength(1);
    const stale = await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, { ...subscription(hook.url), id: body.id }, s.app, {
      'if-match': 'W/"1"',
    });
    expect(stale.status).toBe(412);
  });

  it('a subscriber pauses with status off (no handshake), and resumes with a handshake', async () => {
    const { body } = await create();
    const off = await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, { ...subscription(hook.url), id: body.id, status: 'off' });
    expect(((await off.json()) as Json).status).toBe('off');
    expect(hook.received).toHaveLength(1);
    const on = await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, { ...subscription(hook.url), id: body.id, status: 'active' });
    expect(((await on.json()) as Json).status).toBe('active');
    expect(hook.received).toHaveLength(2);
  });

  it('a PUT whose body names another id: 400', async () => {
    const { body } = await create();
    expect((await s.call('PUT', `/fhir/Subscription/${body.id}`, s.subTokens.oak, { ...subscription(hook.url), id: 'other' })).status).toBe(400);
  });

  it('delete: 204, then 404, and its numbered events are gone', async () => {
    const { body } = await create();
    s.db.sqlite
      .prepare(
        "insert into subscription_events (subscription_id, event_number, event_id, person, detail, numbered_at) values (?, 1, 'e1', 'p', 'full', '2026-01-01')",
      )
      .run(body.id);
    expect((await s.call('DELETE', `/fhir/Subscription/${body.id}`, s.subTokens.oak)).status).toBe(204);
    expect((await s.call('GET', `/fhir/Subscription/${body.id}`, s.subTokens.oak)).status).toBe(404);
    expect(s.db.sqlite.prepare('select count(*) from subscription_events').pluck().get()).toBe(0);
  });
});
