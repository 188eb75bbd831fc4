import { count, eq } from 'drizzle-orm';
import { exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { consentLines, resourceHistory, resources } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { testIssuer } from '../helpers/tokens.js';
import { realPolicies } from './helpers.js';

const SCOPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] };
const consent = (id: string, provision: object, extra: object = {}) => ({ resourceType: 'Consent', id, status: 'active', scope: SCOPE, category: [{ text: 'privacy' }], patient: { reference: 'Patient/pa-2' }, provision, ...extra });
const actor = (reference: string) => ({ reference: { reference } });

async function setup() {
  const db = tempDb();
  const base = testDeps(db, { clock: () => new Date() });
  const ssn = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }];
  const seed = async (source: string, entries: object[]) => {
    const b = readBundle(bundle('transaction', entries, source));
    if (Array.isArray(b)) throw new Error('bad');
    await ingest(base, { source, channel: 'cli', mode: 'transaction', entries: b.entries });
  };
  await seed(SOURCE_A, [
    putEntry(patient('pa-1', { identifier: ssn }, SOURCE_A)),
    putEntry({ resourceType: 'Organization', id: 'clinic-oak-org', meta: { source: SOURCE_A } }),
    putEntry({ resourceType: 'Practitioner', id: 'clinic-oak-prac-chen', meta: { source: SOURCE_A } }),
    putEntry({ resourceType: 'PractitionerRole', id: 'role-chen', meta: { source: SOURCE_A }, practitioner: { reference: 'Practitioner/clinic-oak-prac-chen' }, organization: { reference: 'Organization/clinic-oak-org' } }),
    putEntry({ resourceType: 'RelatedPerson', id: 'rp1', meta: { source: SOURCE_A }, patient: { reference: 'Patient/pa-1' } }),
  ]);
  // The same person at a second source: consents may name either record.
  await seed(SOURCE_B, [putEntry(patient('pa-2', { identifier: ssn }, SOURCE_B))]);

  const issuer = await testIssuer();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const engine = new ConsentEngine(db, await realPolicies(), base.clock);
  const deps = { ...base, auth: { verifier: issuer.verifier }, consent: engine, signer: createReceiptSigner({ ...(await exportJWK(privateKey)), kid: 'gw' }, 'http://gateway.test') };
  const app = createApp(deps);
  const tokens = {
    maria: await issuer.mint({ sub: 'maria', client_id: 'portal', role: 'patient', fhirUser: 'Patient/pa-1', patient: 'pa-1', scope: 'patient/*.rs', purpose_of_use: ['PATRQT'] }),
    stranger: await issuer.mint({ sub: 'eve', client_id: 'portal', role: 'patient', fhirUser: 'Patient/zz', patient: 'zz', scope: 'patient/*.rs', purpose_of_use: ['PATRQT'] }),
    daniel: await issuer.mint({ sub: 'daniel', client_id: 'portal', role: 'caregiver', fhirUser: 'RelatedPerson/rp1', patient: 'pa-1', organization: 'Organization/org-hie', scope: 'patient/*.rs', purpose_of_use: ['FAMRQT'] }),
    chen: await issuer.mint({ sub: 'dr.chen', client_id: 'portal', role: 'clinician', fhirUser: 'Practitioner/clinic-oak-prac-chen', organization: 'Organization/clinic-oak-org', scope: 'user/*.rs', purpose_of_use: ['TREAT'] }),
    chenGlass: await issuer.mint({ sub: 'dr.chen', client_id: 'portal', role: 'clinician', fhirUser: 'Practitioner/clinic-oak-prac-chen', organization: 'Organization/clinic-oak-org', scope: 'user/*.rs', purpose_of_use: ['ETREAT'] }),
    operator: await issuer.mint({ sub: 'alex', client_id: 'portal', role: 'operator', organization: 'Organization/org-hie', scope: 'user/AuditEvent.rs', purpose_of_use: ['HSYSADMIN'] }),
    analytics: await issuer.mint({ sub: 'analytics', client_id: 'analytics', client_kind: 'analytics', organization: 'Organization/org-research', scope: 'system/Group.rs', purpose_of_use: ['HRESCH'] }),
  };
  const send = (method: string, path: string, token: string, body?: unknown) =>
    app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const access = async (token: string, actorRef: string) => {
    const res = await send('GET', `/fhir/Patient/pa-1/$access?actor=${actorRef}&class=Condition`, token);
    expect(res.status).toBe(200);
    const parts = (await res.json()).parameter.find((p: { name: string }) => p.name === 'access').part as { name: string; valueCode?: string; valueString?: string }[];
    return { decision: parts.find((p) => p.name === 'decision')!.valueCode, reasons: parts.filter((p) => p.name === 'reason').map((p) => p.valueString!) };
  };
  const consentCount = async () => (await db.orm.select({ n: count() }).from(resources).where(eq(resources.type, 'Consent')))[0]!.n;
  return { db, app, send, tokens, access, engine, publicKey, consentCount };
}

describe('patient consents through /fhir/Consent', () => {
  it('stores a patient’s Consent, enforces it, and returns a receipt signed with the gateway key', async () => {
    const { send, tokens, access, publicKey, db } = await setup();
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('permit');
    const res = await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny', actor: [actor('Organization/clinic-oak-org')] }));
    expect(res.status).toBe(201);
    const { payload } = await jwtVerify(res.headers.get('consent-receipt')!, publicKey, { issuer: 'http://gateway.test', typ: 'consent-receipt+jwt' });
    expect(payload).toMatchObject({ sub: 'pa-1', consent: 'Consent/c1', versionId: 1, status: 'active', lines: 1 });
    const after = await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen');
    expect(after.decision).toBe('deny');
    expect(after.reasons.join()).toContain('Consent/c1#provision');
    expect((await db.orm.select().from(consentLines)).length).toBe(1);
  });

  it('revokes by setting status inactive: the next request is decided without it, and history is kept', async () => {
    const { send, tokens, access, db } = await setup();
    await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny' }));
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('deny');
    const revoke = await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny' }, { status: 'inactive' }));
    expect(revoke.status).toBe(200);
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('permit');
    expect((await db.orm.select().from(resourceHistory)).map((h) => h.versionId)).toEqual([1]);
    expect(await db.orm.select().from(consentLines)).toEqual([]);
  });

  it('sees a revocation made by another process on the next request (version check, no timer)', async () => {
    const { send, tokens, db, engine } = await setup();
    const chen = { kind: 'person' as const, subject: 'dr.chen', clientId: 'x', role: 'clinician' as const, fhirUser: 'Practitioner/clinic-oak-prac-chen', organization: 'Organization/clinic-oak-org', scopes: [], scope: '', purposes: ['TREAT' as const], tokenId: 't', expiresAt: 9e9 };
    // A second process: its own connection to the same file and its own engine, warmed up.
    const other = openSqlite(db.sqlite.name);
    try {
      const otherEngine = new ConsentEngine(other, engine.policies, () => new Date());
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(true);
      await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny' }));
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(false);
      await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny' }, { status: 'inactive' }));
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(true);
    } finally {
      other.close();
    }
  });

  it('lets a caregiver write consents only once the patient has delegated to them', async () => {
    const { send, tokens } = await setup();
    const byDaniel = consent('c2', { type: 'permit', actor: [actor('RelatedPerson/rp1')], class: [{ code: 'Observation' }] });
    expect((await send('PUT', '/fhir/Consent/c2', tokens.daniel, byDaniel)).status).toBe(403);
    await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'permit', actor: [actor('RelatedPerson/rp1')], class: [{ code: 'Consent' }] }));
    expect((await send('PUT', '/fhir/Consent/c2', tokens.daniel, byDaniel)).status).toBe(201);
  });

  it('rejects bad Consents with a 4xx OperationOutcome and stores nothing', async () => {
    const { send, tokens, consentCount, db } = await setup();
    const cases: [object, number, RegExp][] = [
      [{ ...consent('c1', { type: 'deny' }), provision: undefined }, 400, /needs a provision/],
      [consent('c1', { type: 'maybe' }), 400, /permit' or 'deny/],
      [consent('c1', { type: 'permit', actor: [actor('Practitioner/nobody')] }), 400, /Unknown actor/],
      [consent('c1', { type: 'permit', period: { start: '2026-05-01', end: '2026-01-01' } }), 400, /ends before it starts/],
      [consent('c1', { type: 'permit' }, { patient: { reference: 'Patient/someone-else' } }), 403, /the patient whose record/],
      [consent('c1', { type: 'permit' }, { scope: { coding: [{ code: 'research' }] } }), 400, /patient-privacy/],
      [consent('c1', { type: 'permit', securityLabel: [{ code: 'NOT-A-LABEL' }] }), 400, /securityLabel/],
      [{ ...consent('c1', { type: 'permit' }), id: 'c9' }, 400, /does not match/],
    ];
    for (const [body, status, message] of cases) {
      const res = await send('PUT', '/fhir/Consent/c1', tokens.maria, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const outcome = await res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue.map((i: { diagnostics: string }) => i.diagnostics).join(' ')).toMatch(message);
    }
    expect((await send('PUT', '/fhir/Consent/c1', tokens.stranger, consent('c1', { type: 'permit' }))).status).toBe(403);
    expect((await send('PUT', '/fhir/Consent/c1', tokens.chen, consent('c1', { type: 'permit' }))).status).toBe(403);
    expect(await consentCount()).toBe(0);
    expect(await db.orm.select().from(consentLines)).toEqual([]);
  });
});

describe('$access', () => {
  it('answers the patient and operators, and 404s for a requester who cannot see the patient', async () => {
    const { send, tokens, access } = await setup();
    expect((await access(tokens.operator, 'Organization/payer-lakeshore-org')).decision).toBe('deny');
    const res = await send('GET', '/fhir/Patient/pa-1/$access', tokens.analytics);
    expect(res.status).toBe(404);
    expect((await send('GET', '/fhir/Patient/nobody/$access', tokens.maria)).status).toBe(404);
  });
});

describe('break-the-glass', () => {
  it('grants a clinician claiming ETREAT with a reason time-boxed access over a patient deny', async () => {
    const { send, tokens, engine } = await setup();
    await send('PUT', '/fhir/Consent/c1', tokens.maria, consent('c1', { type: 'deny' }));
    expect((await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chen, { reason: 'unconscious in the ED' })).status).toBe(403);
    expect((await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: '' })).status).toBe(400);
    const res = await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: 'unconscious in the ED' });
    expect(res.status).toBe(201);
    const expires = (await res.json()).parameter.find((p: { name: string }) => p.name === 'expires').valueInstant;
    expect(Date.parse(expires) - Date.now()).toBeGreaterThan(3.9 * 3600_000);
    const requester = { kind: 'person' as const, subject: 'dr.chen', clientId: 'x', role: 'clinician' as const, fhirUser: 'Practitioner/clinic-oak-prac-chen', organization: 'Organization/clinic-oak-org', scopes: [], scope: '', purposes: ['ETREAT' as const], tokenId: 'bg', expiresAt: 9e9 };
    const d = await engine.decide('pa-1', { requester, cls: 'Condition' });
    expect(d).toMatchObject({ permit: true, obligations: { redact: ['sud'] } });
  });
});
