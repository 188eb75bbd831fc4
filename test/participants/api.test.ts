import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { ParticipantRegistry } from '../../src/participants/index.js';
import { realPolicies } from '../consent/helpers.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { testIssuer } from '../helpers/tokens.js';
import { ACME, ACME_DUA, acmeClient, auditTrail, clientKeys } from './helpers.js';

/** The app in process with the registry wired as on Node, and tokens for an operator, a clinician and a backend client. */
async function setup() {
  const db = tempDb();
  const issuer = await testIssuer();
  const registry = await ParticipantRegistry.open(db, await realPolicies(), (await readPolicyFiles()).duaModel);
  const deps = testDeps(db, {
    clock: () => new Date('2026-03-01T12:00:00.000Z'),
    auth: { verifier: issuer.verifier },
    participants: registry,
    consent: new ConsentEngine(db, registry, () => new Date()),
  });
  const app = createApp(deps);
  const tokens = {
    operator: await issuer.mint({
      sub: 'alex',
      client_id: 'smart-demo',
      role: 'operator',
      organization: 'Organization/org-hie',
      scope: 'user/AuditEvent.rs',
      purpose_of_use: ['HSYSADMIN'],
    }),
    clinician: await issuer.mint({
      sub: 'dr.chen',
      client_id: 'smart-demo',
      role: 'clinician',
      fhirUser: 'Practitioner/p1',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    }),
    acme: await issuer.mint({
      sub: 'acme-ehr',
      client_id: 'acme-ehr',
      client_kind: 'source',
      organization: ACME.reference,
      dua: 'dua-acme',
      source: 'https://acme.example.org/fhir',
      scope: 'system/*.cu',
      purpose_of_use: ['TREAT'],
    }),
  };
  const call = (method: string, path: string, token: string | null, body?: unknown, type = 'application/json') =>
    app.request(`/admin/participants${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const me = (token: string) => app.request('/auth/me', { headers: { authorization: `Bearer ${token}` } });
  return { db, app, call, me, tokens, registry };
}

describe('the operator API (/admin/participants)', () => {
  it('answers 401 without a token and 403 to anyone but an operator, changing nothing', async () => {
    const { call, tokens, db } = await setup();
    const anonymous = await call('POST', '/organizations', null, ACME);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call('GET', '', null)).status).toBe(401);
    const clinician = await call('POST', '/organizations', tokens.clinician, ACME);
    expect(clinician.status).toBe(403);
    expect(await clinician.json()).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    expect((await call('GET', '', tokens.clinician)).status).toBe(403);
    expect((await call('GET', '', tokens.operator)).status).toBe(200);
    expect((await (await call('GET', '', tokens.operator)).json()).organizations).toEqual([]);
    expect((await auditTrail(db)).filter((e) => e.outcome === '0')).toEqual([]);
  });

  it('lets the operator register an organization, a DUA and a client; each change is audited as the operator', async () => {
    const { call, tokens, db } = await setup();
    const keys = await clientKeys();
    expect((await call('POST', '/organizations', tokens.operator, ACME)).status).toBe(201);
    const dua = await call('POST', '/duas', tokens.operator, ACME_DUA);
    expect(dua.status).toBe(201);
    expect(await dua.json()).toEqual({ dua: 'dua-acme', version: 1 });
    const client = await call('POST', '/clients', tokens.operator, acmeClient(keys.publicJwks));
    expect(client.status).toBe(201);
    expect(await client.json()).toMatchObject({ clientId: 'acme-ehr', status: 'active' });
    const listed = await (await call('GET', '', tokens.operator)).json();
    expect(listed.clients.map((c: { clientId: string }) => c.clientId)).toEqual(['acme-ehr']);
    const trail = await auditTrail(db);
    expect(trail.map((e) => e.subtype.at(-1))).toEqual(['add-organization', 'add-dua-version', 'add-client']);
    expect(trail.every((e) => JSON.stringify(e.who) === JSON.stringify({ identifier: { system: 'urn:consent-gateway:operator', value: 'alex' } }))).toBe(true);
  });

  it('answers bad input with an OperationOutcome and the right 4xx, and changes nothing', async () => {
    const { call, tokens } = await setup();
    const keys = await clientKeys();
    await call('POST', '/organizations', tokens.operator, ACME);
    const cases: [string, unknown, number, string, string?][] = [
      ['/organizations', ACME, 409, 'conflict'],
      ['/organizations', { ...ACME, reference: 'acme' }, 400, 'invalid'],
      ['/clients', acmeClient(keys.publicJwks, { dua: undefined, organization: 'Organization/nobody' }), 404, 'not-found'],
      ['/clients', acmeClient({ keys: [keys.privateJwk] }, { dua: undefined }), 400, 'invalid'],
      ['/duas', { ...ACME_DUA, lines: [{ purpose: 'MARKETING', cls: '*', category: '*', scope: 'any' }] }, 400, 'invalid'],
      ['/duas', '{not json', 400, 'structure'],
      ['/duas', ACME_DUA, 415, 'not-supported', 'text/plain'],
    ];
    for (const [path, body, status, code, type] of cases) {
      const res = await call('POST', path, tokens.operator, body, type);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect((await res.json()).issue[0].code).toBe(code);
    }
    const listed = await (await call('GET', '', tokens.operator)).json();
    expect([listed.organizations.length, listed.clients.length, listed.duas.length]).toEqual([1, 0, 0]);
    expect((await call('POST', '/clients/nobody/suspend', tokens.operator)).status).toBe(404);
  });

  it('refuses a backend client’s token with 401 while it is unknown or suspended, from its next request on', async () => {
    const { call, me, tokens } = await setup();
    const keys = await clientKeys();
    // Unknown: a token signed by our issuer, for a client that is not registered.
    const unknown = await me(tokens.acme);
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await unknown.json()).resourceType).toBe('OperationOutcome');

    await call('POST', '/organizations', tokens.operator, ACME);
    await call('POST', '/duas', tokens.operator, ACME_DUA);
    await call('POST', '/clients', tokens.operator, acmeClient(keys.publicJwks));
    expect((await me(tokens.acme)).status).toBe(200);

    expect((await call('POST', '/clients/acme-ehr/suspend', tokens.operator)).status).toBe(200);
    const suspended = await me(tokens.acme);
    expect(suspended.status).toBe(401);
    expect(suspended.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await call('POST', '/clients/acme-ehr/resume', tokens.operator)).status).toBe(200);
    expect((await me(tokens.acme)).status).toBe(200);
    // Suspending the organization suspends its clients.
    expect((await call('POST', '/organizations/acme-org/suspend', tokens.operator)).status).toBe(200);
    expect((await me(tokens.acme)).status).toBe(401);
    // People are not backend clients: the operator's own token still works.
    expect((await me(tokens.operator)).status).toBe(200);
  });

  it('takes a reason with a suspension and keeps it in the audit trail; a reason that is not a string is refused and changes nothing', async () => {
    const { call, tokens, db } = await setup();
    await call('POST', '/organizations', tokens.operator, ACME);
    const bad = await call('POST', '/organizations/acme-org/suspend', tokens.operator, { reason: ['x'] });
    expect(bad.status).toBe(400);
    expect((await bad.json()).resourceType).toBe('OperationOutcome');
    expect((await (await call('GET', '', tokens.operator)).json()).organizations[0].status).toBe('active');
    expect((await call('POST', '/organizations/acme-org/suspend', tokens.operator, { reason: 'contract lapsed' })).status).toBe(200);
    expect((await (await call('GET', '', tokens.operator)).json()).organizations[0].status).toBe('suspended');
    const last = (await auditTrail(db)).at(-1)!;
    expect([last.subtype.at(-1), last.outcome]).toEqual(['suspend', '0']);
    expect(last.detail).toMatch(/reason=contract lapsed/);
  });

  it('ends and suspends DUA versions', async () => {
    const { call, tokens } = await setup();
    await call('POST', '/organizations', tokens.operator, ACME);
    await call('POST', '/duas', tokens.operator, ACME_DUA);
    expect((await call('POST', '/duas/dua-acme/versions/1/end', tokens.operator, { end: '2026-02-01' })).status).toBe(200);
    expect((await call('POST', '/duas', tokens.operator, { ...ACME_DUA, start: '2026-02-01' })).status).toBe(409);
    expect((await call('POST', '/duas/dua-acme/versions/1/suspend', tokens.operator)).status).toBe(200);
    const listed = await (await call('GET', '', tokens.operator)).json();
    expect(listed.duas[0].versions[0]).toMatchObject({ version: 1, end: '2026-02-01T23:59:59.999Z', status: 'suspended' });
  });
});
