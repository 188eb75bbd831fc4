import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { testIssuer } from '../helpers/tokens.js';
import { encounter, hoursAgo, putEntry, send, subscribe, world } from './delivery-world.js';

type Param = {
  name: string;
  valueCode?: string;
  valueString?: string;
  part?: { name: string; valueString?: string; valueReference?: { reference: string } }[];
};
type Answer = {
  resourceType: string;
  type: string;
  entry: { fullUrl: string; resource?: { resourceType: string; parameter: Param[] } }[];
  issue?: { diagnostics: string; expression?: string[] }[];
};

/** Three numbered events for Oakwood's subscription (written with store.ts: the Subscription API is another part), served in process. */
async function setup() {
  const { db, deps, delivery } = await world();
  const issuer = await testIssuer();
  const app = createApp({ ...deps, auth: { verifier: issuer.verifier } });
  await subscribe(db, { id: 'oak-sub', endpoint: 'http://127.0.0.1:9/unused' });
  const start = hoursAgo(new Date(), 1);
  for (let i = 0; i < 3; i++) await send(deps, [putEntry(encounter(`e-${i}`, 'pa-1', { status: 'in-progress', start }))]);
  await dispatchPending(delivery);
  const system = (clientId: string, org: string) =>
    issuer.mint({ sub: clientId, client_id: clientId, client_kind: 'source', organization: org, scope: 'system/*.rs', purpose_of_use: ['TREAT'] });
  const tokens = {
    owner: await system('clinic-oak-backend', 'Organization/clinic-oak-org'),
    other: await system('clinic-maple-backend', 'Organization/clinic-maple-org'),
    // The owner's client, but a token for operations without Subscription scope (red team): $events is a read of the subscription.
    ownerForOperations: await issuer.mint({
      sub: 'clinic-oak-backend',
      client_id: 'clinic-oak-backend',
      client_kind: 'source',
      organization: 'Organization/clinic-oak-org',
      scope: 'system/*.cu',
      purpose_of_use: ['HOPERAT'],
    }),
    operator: await issuer.mint({ sub: 'alex', client_id: 'portal', role: 'operator', fhirUser: 'Practitioner/none', scope: 'openid user/Subscription.rs' }),
  };
  const get = async (path: string, token?: string) => {
    const res = await app.request(`http://gateway.test${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Answer };
  };
  return { get, tokens };
}

const numbersOf = (b: Answer) =>
  b.entry[0]!.resource!.parameter.filter((p) => p.name === 'notification-event').map((p) =>
    Number(p.part!.find((x) => x.name === 'event-number')!.valueString),
  );
const param = (b: Answer, name: string) => b.entry[0]!.resource!.parameter.find((p) => p.name === name);

describe('$status and $events', () => {
  it('$status: a searchset holding the status Parameters, for the owner', async () => {
    const { get, tokens } = await setup();
    const { status, body } = await get('/fhir/Subscription/oak-sub/$status', tokens.owner);
    expect(status).toBe(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
    expect(param(body, 'type')!.valueCode).toBe('query-status');
    expect(param(body, 'status')!.valueCode).toBe('active');
    expect(param(body, 'events-since-subscription-start')!.valueString).toBe('3');
  });

  it('another client, or no such id: the same 404; anonymous 401', async () => {
    const { get, tokens } = await setup();
    const theirs = await get('/fhir/Subscription/oak-sub/$status', tokens.other);
    const missing = await get('/fhir/Subscription/nope/$status', tokens.other);
    expect([theirs.status, missing.status]).toEqual([404, 404]);
    expect(theirs.body.issue![0]!.diagnostics.replace('oak-sub', 'X')).toBe(missing.body.issue![0]!.diagnostics.replace('nope', 'X'));
    expect((await get('/fhir/Subscription/oak-sub/$events', tokens.other)).status).toBe(404);
    expect((await get('/fhir/Subscription/oak-sub/$status')).status).toBe(401);
  });

  it('$events replays by number: a history Bundle of query-event, its focus as the payload allows', async () => {
    const { get, tokens } = await setup();
    const all = await get('/fhir/Subscription/oak-sub/$events', tokens.owner);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(param(all.body, 'type')!.valueCode).toBe('query-event');
    expect(numbersOf(all.body)).toEqual([1, 2, 3]);
    expect(all.body.entry.slice(1).map((e) => e.fullUrl)).toEqual(['e-0', 'e-1', 'e-2'].map((e) => `http://gateway.test/fhir/Encounter/${e}`));
    const some = await get('/fhir/Subscription/oak-sub/$events?eventsSinceNumber=2&eventsUntilNumber=3', tokens.owner);
    expect(numbersOf(some.body)).toEqual([2, 3]);
    // What a notification names is readable there with the subscriber's own token.
    expect((await get('/fhir/Encounter/e-1', tokens.owner)).status).toBe(200);
    const empty = await get('/fhir/Subscription/oak-sub/$events?content=empty', tokens.owner);
    expect(empty.body.entry).toHaveLength(1);
  });

  it('bad numbers, an unknown content, or more content than the payload: 400 naming the parameter', async () => {
    const { get, tokens } = await setup();
    for (const [query, expression] of [
      ['eventsSinceNumber=abc', 'eventsSinceNumber'],
      ['eventsSinceNumber=0', 'eventsSinceNumber'],
      ['eventsUntilNumber=-1', 'eventsUntilNumber'],
      ['eventsSinceNumber=3&eventsUntilNumber=2', 'eventsUntilNumber'],
      ['content=everything', 'content'],
      ['content=full-resource', 'content'],
    ] as const) {
      const { status, body } = await get(`/fhir/Subscription/oak-sub/$events?${query}`, tokens.owner);
      expect([query, status]).toEqual([query, 400]);
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue![0]!.expression).toEqual([expression]);
    }
  });

  it('a token without Subscription read scope, or not for treatment, replays nothing', async () => {
    const { get, tokens } = await setup();
    expect((await get('/fhir/Subscription/oak-sub/$events', tokens.ownerForOperations)).status).toBe(403);
    expect((await get('/fhir/Subscription/oak-sub/$status', tokens.ownerForOperations)).status).toBe(403);
  });

  it('an operator sees the numbers and the status, not what the recipient was told; and GET /admin/notifications shows progress', async () => {
    const { get, tokens } = await setup();
    const replay = await get('/fhir/Subscription/oak-sub/$events', tokens.operator);
    expect(numbersOf(replay.body)).toEqual([1, 2, 3]);
    expect(replay.body.entry).toHaveLength(1);
    const progress = (await get('/admin/notifications', tokens.operator)) as unknown as { status: number; body: { subscriptions: object[]; outbox: object } };
    expect(progress.status).toBe(200);
    expect(progress.body.subscriptions).toEqual([
      expect.objectContaining({
        id: 'oak-sub',
        status: 'active',
        numbered: 3,
        confirmed: 0,
        backlog: 3,
        failingSince: null,
        nextAttemptAt: null,
        lastError: null,
      }),
    ]);
    expect(progress.body.outbox).toEqual({ events: 3, pending: 0 });
    expect(JSON.stringify(progress.body)).not.toContain('whsec_');
    expect((await get('/admin/notifications', tokens.owner)).status).toBe(403);
    expect((await get('/admin/notifications')).status).toBe(401);
  });
});
