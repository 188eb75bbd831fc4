import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { resources } from '../../src/db/schema.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { sourceClaims, testIssuer } from '../helpers/tokens.js';

async function setup() {
  const db = tempDb();
  const deps = testDeps(db);
  const issuer = await testIssuer();
  const app = createApp({ ...deps, auth: { verifier: issuer.verifier } });
  const tokenA = await issuer.mint(sourceClaims(SOURCE_A));
  const tokenB = await issuer.mint(sourceClaims(SOURCE_B));
  const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}, token = tokenA) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}`, ...headers },
      body: JSON.stringify(body),
    });
  const current = async (id: string) =>
    (
      await db.orm
        .select()
        .from(resources)
        .where(and(eq(resources.type, 'Patient'), eq(resources.id, id)))
    )[0];
  return { send, current, tokenB };
}

async function expectOutcome(res: Response, status: number, names?: string) {
  expect(res.status).toBe(status);
  const body = await res.json();
  expect(body.resourceType).toBe('OperationOutcome');
  if (names) expect(body.issue[0].expression).toEqual([names]);
  return body;
}

describe('If-Match on update', () => {
  it('writes when the version matches, and answers 412 and writes nothing when it is stale', async () => {
    const { send, current } = await setup();
    expect((await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'))).status).toBe(201);
    const ok = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'other' }), { 'if-match': 'W/"1"' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toBe('W/"2"');
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'male' }), { 'if-match': 'W/"1"' }), 412);
    const row = await current('pa-1');
    expect(row!.versionId).toBe(2);
    expect(JSON.parse(row!.content).gender).toBe('other');
    expect((await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'male' }), { 'if-match': '"2"' })).status).toBe(200);
    expect((await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'female' }), { 'if-match': '*' })).status).toBe(200);
  });

  it('answers 412 for a resource that does not exist yet, and creates nothing', async () => {
    const { send, current } = await setup();
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-9', patient('pa-9'), { 'if-match': 'W/"1"' }), 412);
    await expectOutcome(await send('PUT', '/fhir/Patient/pa-9', patient('pa-9'), { 'if-match': '*' }), 412);
    expect(await current('pa-9')).toBeUndefined();
  });

  it('refuses a malformed If-Match with 400 naming it, and writes nothing', async () => {
    const { send, current } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    for (const bad of ['1', 'W/1', '"abc"', 'W/""', 'W/"1" junk', '', '"-1"'])
      await expectOutcome(await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'other' }), { 'if-match': bad }), 400, 'If-Match');
    expect((await current('pa-1'))!.versionId).toBe(1);
  });

  it('lets exactly one of two racing updates from the same version through', async () => {
    const { send, current } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    const results = await Promise.all(
      ['other', 'male', 'unknown'].map((gender) => send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender }), { 'if-match': 'W/"1"' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
    expect((await current('pa-1'))!.versionId).toBe(2);
  });

  it("says nothing of another source's resource version: its ownership refusal comes first", async () => {
    const { send, tokenB } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    const body = { ...patient('pa-1', {}, SOURCE_B) };
    const [stale, fresh] = [
      await send('PUT', '/fhir/Patient/pa-1', body, { 'if-match': 'W/"5"' }, tokenB),
      await send('PUT', '/fhir/Patient/pa-1', body, { 'if-match': 'W/"1"' }, tokenB),
    ];
    expect(stale.status).toBeGreaterThanOrEqual(403);
    expect(stale.status).not.toBe(412);
    expect(stale.status).toBe(fresh.status);
    expect(await stale.text()).toBe(await fresh.text());
  });
});

describe('request.ifMatch in a transaction or batch', () => {
  const put = (resource: ReturnType<typeof patient>, ifMatch?: string) => ({
    ...putEntry(resource),
    request: { method: 'PUT', url: `Patient/${resource.id}`, ...(ifMatch ? { ifMatch } : {}) },
  });

  it('fails the whole transaction with 412 when one entry is stale, and writes none of it', async () => {
    const { send, current } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    const res = await send('POST', '/fhir', bundle('transaction', [put(patient('pa-2')), put(patient('pa-1', { gender: 'other' }), 'W/"9"')]));
    await expectOutcome(res, 412);
    expect(await current('pa-2')).toBeUndefined();
    expect((await current('pa-1'))!.versionId).toBe(1);
    const ok = await send('POST', '/fhir', bundle('transaction', [put(patient('pa-2')), put(patient('pa-1', { gender: 'other' }), 'W/"1"')]));
    expect(ok.status).toBe(200);
    expect((await current('pa-1'))!.versionId).toBe(2);
  });

  it('answers a stale batch entry 412 Precondition Failed and writes the others', async () => {
    const { send, current } = await setup();
    await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'));
    const body = await (
      await send('POST', '/fhir', bundle('batch', [put(patient('pa-1', { gender: 'other' }), 'W/"2"'), put(patient('pa-3'), '*'), put(patient('pa-2'))]))
    ).json();
    expect(body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
      '412 Precondition Failed',
      '412 Precondition Failed',
      '201 Created',
    ]);
    expect((await current('pa-1'))!.versionId).toBe(1);
    expect(await current('pa-3')).toBeUndefined();
  });

  it('refuses a malformed ifMatch, or one on a POST, naming it', async () => {
    const { send } = await setup();
    for (const entry of [put(patient('pa-1'), 'three'), { resource: patient('x'), request: { method: 'POST', url: 'Patient', ifMatch: 'W/"1"' } }]) {
      const body = await expectOutcome(await send('POST', '/fhir', bundle('transaction', [entry])), 400);
      expect(body.issue[0].expression[0]).toMatch(/request\.ifMatch$/);
    }
  });
});

describe('Prefer: return on create and update', () => {
  it('answers the resource by default and with return=representation', async () => {
    const { send } = await setup();
    for (const headers of <Record<string, string>[]>[{}, { prefer: 'return=representation' }]) {
      const res = await send('POST', '/fhir/Patient', patient('ignored'), headers);
      expect(res.status).toBe(201);
      const body = await res.json();
      expect(body.resourceType).toBe('Patient');
      expect(res.headers.get('location')).toBe(`http://gateway.test/fhir/Patient/${body.id}/_history/1`);
      expect(body.meta.versionId).toBe('1');
      expect(res.headers.get('etag')).toBe('W/"1"');
      expect(res.headers.get('last-modified')).toBe(new Date(body.meta.lastUpdated).toUTCString());
    }
  });

  it('answers no body to return=minimal and an OperationOutcome to return=OperationOutcome, headers alike', async () => {
    const { send } = await setup();
    const minimal = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1'), { prefer: 'return=minimal' });
    expect(minimal.status).toBe(201);
    expect(await minimal.text()).toBe('');
    expect(minimal.headers.get('location')).toBe('http://gateway.test/fhir/Patient/pa-1/_history/1');
    expect(minimal.headers.get('etag')).toBe('W/"1"');
    expect(minimal.headers.get('last-modified')).toMatch(/GMT$/);
    const outcome = await send('PUT', '/fhir/Patient/pa-1', patient('pa-1', { gender: 'other' }), { prefer: 'return=OperationOutcome' });
    expect(outcome.status).toBe(200);
    expect(outcome.headers.get('etag')).toBe('W/"2"');
    const body = await outcome.json();
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].severity).toBe('information');
  });

  it('applies to each entry of a transaction and a batch', async () => {
    const { send } = await setup();
    const entries = [putEntry(patient('pa-1')), putEntry(patient('pa-2', { name: [{ family: 'Other' }] }))];
    const rep = await (await send('POST', '/fhir', bundle('transaction', entries), { prefer: 'return=representation' })).json();
    expect(rep.entry.map((e: { resource?: { id: string } }) => e.resource?.id)).toEqual(['pa-1', 'pa-2']);
    const oo = await (await send('POST', '/fhir', bundle('batch', entries), { prefer: 'return=OperationOutcome' })).json();
    expect(oo.entry.every((e: { response: { outcome?: { resourceType: string } } }) => e.response.outcome?.resourceType === 'OperationOutcome')).toBe(true);
    const min = await (await send('POST', '/fhir', bundle('batch', entries), { prefer: 'return=minimal' })).json();
    expect(
      min.entry.every((e: { resource?: unknown; response: { outcome?: unknown; etag: string } }) => !e.resource && !e.response.outcome && e.response.etag),
    ).toBe(true);
  });
});
