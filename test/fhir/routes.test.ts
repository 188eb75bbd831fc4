import { count } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { resources } from '../../src/db/schema.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { sourceClaims, testIssuer } from '../helpers/tokens.js';

const FHIR = { 'content-type': 'application/fhir+json' };

async function setup(config: Partial<ReturnType<typeof testDeps>['config']> = {}) {
  const db = tempDb();
  const deps = testDeps(db);
  // The real clock: tokens are minted and checked against it.
  const issuer = await testIssuer();
  const app = createApp({ ...deps, auth: { verifier: issuer.verifier }, config: { ...deps.config, ...config } });
  const token = await issuer.mint(sourceClaims(SOURCE_A));
  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = FHIR, bearer: string | null = token) =>
    app.request(path, {
      method,
      headers: { ...headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const stored = async () => (await db.orm.select({ n: count() }).from(resources))[0]!.n;
  return { app, send, stored, db, issuer };
}

/** Every error is an OperationOutcome with a reason, and never carries a stack trace. */
async function expectOutcome(res: Response, status: number, code: string, text?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
  const body = await res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0].code).toBe(code);
  if (text) expect(body.issue[0].diagnostics).toMatch(text);
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/);
  return body;
}

describe('FHIR write endpoints', () => {
  it('PUT creates then updates, with Location and ETag', async () => {
    const { send } = await setup();
    const created = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('W/"1"');
    expect(created.headers.get('location')).toBe('http://gateway.test/fhir/Patient/pa-1/_history/1');
    const updated = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'other' }));
    expect(updated.status).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
  });

  it('POST /fhir/{type} assigns the id', async () => {
    const { send } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    const res = await send('POST', '/fhir/Observation', observation('whatever', 'pa-1'));
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(/\/fhir\/Observation\/id-\d+\/_history\/1$/);
  });

  it('POST /fhir takes a transaction and answers a transaction-response', async () => {
    const { send, stored } = await setup();
    const res = await send('POST', '/fhir', bundle('transaction', [putEntry(patient('pa-1')), putEntry(observation('o-1', 'pa-1'))]));
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.type).toBe('transaction-response');
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual(['201 Created', '201 Created']);
    expect(await stored()).toBe(2);
  });

  it('answers a batch with per-entry outcomes', async () => {
    const { send, stored } = await setup();
    const res = await send(
      'POST',
      '/fhir',
      bundle('batch', [putEntry(patient('pa-1')), { resource: { resourceType: 'Patient', id: 'bad id!' }, request: { method: 'PUT', url: 'Patient/x' } }]),
    );
    const body = await res.json();
    expect(body.type).toBe('batch-response');
    expect(body.entry[1].response.status).toBe('400 Bad Request');
    expect(body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(await stored()).toBe(1);
  });
});

describe('bad input gets a 4xx OperationOutcome and writes nothing', () => {
  it('malformed JSON: 400, without echoing the body', async () => {
    const { send, stored } = await setup();
    const body = await expectOutcome(
      await send('PUT', '/fhir/Patient/pa-1', '{"resourceType": "Patient", "name": [SECRET-NAME'),
      400,
      'structure',
      /not valid JSON/,
    );
    expect(JSON.stringify(body)).not.toContain('SECRET-NAME');
    expect(await stored()).toBe(0);
  });

  it('a wrong resourceType for the URL: 400', async () => {
    const { send } = await setup();
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', observation('pa-1', 'x')), 400, 'invalid', /does not match/);
  });

  it('a non-Bundle or unsupported Bundle type posted to the base: 400', async () => {
    const { send } = await setup();
    await expectOutcome(await send('POST', '/fhir', patient('pa-1')), 400, 'invalid', /takes a Bundle/);
    await expectOutcome(await send('POST', '/fhir', { resourceType: 'Bundle', type: 'collection' }), 400, 'not-supported');
  });

  it('an id that breaks the FHIR id rule: 400', async () => {
    const { send } = await setup();
    await expectOutcome(await send('PUT', '/fhir/Patient/has_underscore', { ...patient('x'), id: 'has_underscore' }), 400, 'value', /id rule/);
    await expectOutcome(await send('PUT', `/fhir/Patient/${'a'.repeat(65)}`, { ...patient('x'), id: 'a'.repeat(65) }), 400, 'value');
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', { ...patient('x'), id: 'pa-2' }), 400, 'invalid', /does not match/);
  });

  it('an unknown type: 404 on the URL, 400 inside a Bundle', async () => {
    const { send } = await setup();
    await expectOutcome(await send('PUT', '/fhir/Spaceship/s-1', { resourceType: 'Spaceship', id: 's-1' }), 404, 'not-supported', /Spaceship/);
    await expectOutcome(await send('POST', '/fhir', bundle('transaction', [putEntry({ resourceType: 'Spaceship', id: 's-1' })])), 400, 'not-supported');
  });

  it('a body over the size limit: 413', async () => {
    const { send, stored } = await setup({ maxBodyBytes: 2048 });
    const big = patient('pa-1', { text: { status: 'generated', div: `<div>${'x'.repeat(5000)}</div>` } });
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', big), 413, 'too-long');
    expect(await stored()).toBe(0);
  });

  it('a content type that is not JSON: 415', async () => {
    const { send } = await setup();
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', JSON.stringify(patient('pa-1')), { 'content-type': 'text/plain' }), 415, 'not-supported');
  });

  it('a transaction with one bad entry among many: 400 naming it, nothing written', async () => {
    const { send, stored } = await setup();
    const entries = [putEntry(patient('pa-1')), ...Array.from({ length: 39 }, (_, i) => putEntry(observation(`o-${i}`, 'pa-1')))];
    (entries[39]!.resource as Record<string, unknown>).subject = { reference: 'Practitioner/1' };
    const body = await expectOutcome(await send('POST', '/fhir', bundle('transaction', entries)), 400, 'value');
    expect(body.issue[0].expression).toEqual(['Bundle.entry[39].resource.subject']);
    expect(await stored()).toBe(0);
  });

  it('an unknown route: 404 OperationOutcome', async () => {
    const { send } = await setup();
    await expectOutcome(await send('GET', '/nowhere'), 404, 'not-found');
  });
});

describe('secure by default', () => {
  it('refuses writes without a token (401 with a Bearer challenge) or with a bad one', async () => {
    const { send, stored } = await setup();
    const res = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'), FHIR, null);
    await expectOutcome(res, 401, 'login');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="fhir"');
    const bad = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'), FHIR, 'not.a.token');
    await expectOutcome(bad, 401, 'login');
    expect(bad.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await stored()).toBe(0);
  });

  it('refuses writes from people, and from systems without the scope for the type', async () => {
    const { send, stored, issuer } = await setup();
    const person = await issuer.mint({ sub: 'maria', client_id: 'smart-demo', role: 'patient', scope: 'patient/*.rs' });
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'), FHIR, person), 403, 'forbidden');
    const narrow = await issuer.mint(sourceClaims(SOURCE_A, 'system/Observation.cu'));
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'), FHIR, narrow), 403, 'forbidden', /system\/Patient\.u/);
    expect((await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'))).status).toBe(201);
    expect((await send('PUT', '/fhir/Observation/o-1', observation('o-1', 'pa-1'), FHIR, narrow)).status).toBe(201);
    expect(await stored()).toBe(2);
  });

  it("refuses a Bundle that claims another source's name", async () => {
    const { send, stored } = await setup();
    await expectOutcome(await send('POST', '/fhir', bundle('batch', [putEntry(patient('pa-1', {}, SOURCE_B))], SOURCE_B)), 403, 'forbidden');
    expect(await stored()).toBe(0);
  });

  it('refuses reads without a token (401) and with a token lacking read scope (403)', async () => {
    const { send } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    await expectOutcome(await send('GET', '/fhir/Patient/pa-1', undefined, FHIR, null), 401, 'login');
    await expectOutcome(await send('GET', '/fhir/Patient/pa-1'), 403, 'forbidden', /read on Patient/);
    // The scope is checked before anything else, the parameters included.
    await expectOutcome(await send('GET', '/fhir/Patient?name=Alvarez'), 403, 'forbidden', /search on Patient/);
  });

  it('answers an unexpected failure with a generic 500 and logs the detail', async () => {
    const logged: unknown[] = [];
    const db = tempDb();
    const deps = testDeps(db, { log: (_event, detail) => logged.push(detail) });
    const app = createApp({
      ...deps,
      clock: () => {
        throw new Error('clock exploded');
      },
    });
    const res = await app.request('/fhir/metadata');
    const body = await expectOutcome(res, 500, 'exception');
    expect(JSON.stringify(body)).not.toContain('clock exploded');
    expect(JSON.stringify(logged)).toContain('clock exploded');
  });
});

describe('metadata and health', () => {
  it('publishes a CapabilityStatement that claims only what is implemented', async () => {
    const { send } = await setup();
    const res = await send('GET', '/fhir/metadata');
    const cs = await res.json();
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', kind: 'instance' });
    const patientRes = cs.rest[0].resource.find((r: { type: string }) => r.type === 'Patient');
    expect(patientRes.interaction.map((i: { code: string }) => i.code)).toEqual(['read', 'vread', 'history-instance', 'search-type', 'create', 'update']);
    expect(patientRes.operation.map((o: { name: string }) => o.name)).toContain('everything');
  });

  it('reports health from the database', async () => {
    const { send } = await setup();
    expect(await (await send('GET', '/healthz')).json()).toEqual({ status: 'ok', database: 'sqlite', mode: 'development' });
  });
});
