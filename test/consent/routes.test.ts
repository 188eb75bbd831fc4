import { count, eq } from 'drizzle-orm';
import { jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ConsentEngine } from '../../src/consent/engine.js';
import { consentLines, resourceHistory, resources } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { consentFor, scenario } from '../helpers/scenario.js';

const consentBody = (id: string, provision: object, extra: object = {}) => consentFor(id, provision, { patient: { reference: 'Patient/pa-2' }, ...extra });
const actor = (reference: string) => ({ role: { text: 'recipient' }, reference: { reference } });

/** The shared scenario (Maria: pa-1 and pa-2 linked), plus what these tests read back. */
async function setup() {
  const s = await scenario();
  const access = async (token: string, actorRef: string) => {
    const res = await s.get(`/fhir/Patient/pa-1/$access?actor=${actorRef}&class=Condition`, token);
    expect(res.status).toBe(200);
    const parts = (await res.json()).parameter.find((p: { name: string }) => p.name === 'access').part as {
      name: string;
      valueCode?: string;
      valueString?: string;
    }[];
    return { decision: parts.find((p) => p.name === 'decision')!.valueCode, reasons: parts.filter((p) => p.name === 'reason').map((p) => p.valueString!) };
  };
  const consentCount = async () => (await s.db.orm.select({ n: count() }).from(resources).where(eq(resources.type, 'Consent')))[0]!.n;
  return { ...s, access, consentCount, publicKey: s.receiptKey };
}

describe('patient consents through /fhir/Consent', () => {
  it('stores a patient’s Consent, enforces it, and returns a receipt signed with the gateway key', async () => {
    const { send, consent, consentId, tokens, access, publicKey, db } = await setup();
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('permit');
    const res = await consent('c1', tokens.maria, consentBody('c1', { type: 'deny', actor: [actor('Organization/clinic-oak-org')] }));
    expect(res.status).toBe(201);
    const { payload } = await jwtVerify(res.headers.get('consent-receipt')!, publicKey, { issuer: 'http://gateway.test', typ: 'consent-receipt+jwt' });
    expect(payload).toMatchObject({ sub: 'pa-1', consent: `Consent/${consentId('c1')}`, versionId: 1, status: 'active', lines: 1 });
    const after = await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen');
    expect(after.decision).toBe('deny');
    expect(after.reasons.join()).toContain(`Consent/${consentId('c1')}#provision`);
    expect((await db.orm.select().from(consentLines)).length).toBe(1);
  });

  it('revokes by setting status inactive: the next request is decided without it, and history is kept', async () => {
    const { send, consent, consentId, tokens, access, db } = await setup();
    await consent('c1', tokens.maria, consentBody('c1', { type: 'deny' }));
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('deny');
    const revoke = await consent('c1', tokens.maria, consentBody('c1', { type: 'deny' }, { status: 'inactive' }));
    expect(revoke.status).toBe(200);
    expect((await access(tokens.maria, 'Practitioner/clinic-oak-prac-chen')).decision).toBe('permit');
    expect((await db.orm.select().from(resourceHistory)).map((h) => h.versionId)).toEqual([1]);
    expect(await db.orm.select().from(consentLines)).toEqual([]);
  });

  it('sees a revocation made by another process on the next request (version check, no timer)', async () => {
    const { send, consent, consentId, tokens, db, engine } = await setup();
    const chen = {
      kind: 'person' as const,
      subject: 'dr.chen',
      clientId: 'x',
      role: 'clinician' as const,
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scopes: [],
      scope: '',
      purposes: ['TREAT' as const],
      tokenId: 't',
      expiresAt: 9e9,
    };
    // A second process: its own connection to the same file and its own engine, warmed up.
    const other = openSqlite(db.sqlite.name);
    try {
      const otherEngine = new ConsentEngine(other, engine.policies, () => new Date());
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(true);
      await consent('c1', tokens.maria, consentBody('c1', { type: 'deny' }));
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(false);
      await consent('c1', tokens.maria, consentBody('c1', { type: 'deny' }, { status: 'inactive' }));
      expect((await otherEngine.decide('pa-1', { requester: chen, cls: 'Condition' })).permit).toBe(true);
    } finally {
      other.close();
    }
  });

  it('lets a caregiver write consents only once the patient has delegated to them', async () => {
    const { send, consent, consentId, tokens } = await setup();
    const byDaniel = consentBody('c2', { type: 'deny', actor: [actor('RelatedPerson/rp1')], class: [{ code: 'Observation' }] });
    expect((await consent('c2', tokens.daniel, byDaniel)).status).toBe(403);
    await consent('c1', tokens.maria, consentBody('c1', { type: 'permit', actor: [actor('RelatedPerson/rp1')], class: [{ code: 'Consent' }] }));
    expect((await consent('c2', tokens.daniel, byDaniel)).status).toBe(201);
    // Acting for her is not acting for himself: he cannot widen his own grant (test/consent/caregiver-writes.test.ts).
    const widen = consentBody('c3', { type: 'permit', actor: [actor('RelatedPerson/rp1')], class: [{ code: 'Observation' }] });
    expect((await consent('c3', tokens.daniel, widen)).status).toBe(403);
  });

  it('rejects bad Consents with a 4xx OperationOutcome and stores nothing', async () => {
    const { send, consent, consentId, tokens, consentCount, db } = await setup();
    const cases: [object, number, RegExp][] = [
      [{ ...consentBody('c1', { type: 'deny' }), provision: undefined }, 400, /needs a provision/],
      [consentBody('c1', { type: 'maybe' }), 400, /provision\.type 'maybe' is not in the required value set consent-provision-type \(deny, permit\)/],
      [consentBody('c1', { type: 'permit', actor: [actor('Practitioner/nobody')] }), 400, /Unknown actor/],
      [consentBody('c1', { type: 'permit', period: { start: '2026-05-01', end: '2026-01-01' } }), 400, /ends before it starts/],
      [consentBody('c1', { type: 'permit' }, { patient: { reference: 'Patient/someone-else' } }), 403, /the patient whose record/],
      [consentBody('c1', { type: 'permit' }, { scope: { coding: [{ code: 'research' }] } }), 400, /patient-privacy/],
      [consentBody('c1', { type: 'permit', securityLabel: [{ code: 'NOT-A-LABEL' }] }), 400, /securityLabel/],
    ];
    for (const [body, status, message] of cases) {
      const res = await consent('c1', tokens.maria, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const outcome = await res.json();
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue.map((i: { diagnostics: string }) => i.diagnostics).join(' ')).toMatch(message);
    }
    expect((await send('PUT', '/fhir/Consent/c9', tokens.maria, consentBody('c1', { type: 'permit' }))).status).toBe(400); // the id does not match
    expect((await send('PUT', '/fhir/Consent/c9', tokens.maria, consentBody('c9', { type: 'permit' }))).status).toBe(404); // ids are the server's
    expect((await consent('c1', tokens.stranger, consentBody('c1', { type: 'permit' }))).status).toBe(403);
    expect((await consent('c1', tokens.chen, consentBody('c1', { type: 'permit' }))).status).toBe(403);
    expect(await consentCount()).toBe(0);
    expect(await db.orm.select().from(consentLines)).toEqual([]);
  });
});

describe('$access', () => {
  it('answers the patient and operators, and 404s for a requester who cannot see the patient', async () => {
    const { get, tokens, access } = await setup();
    // Not Maria's plan, so not her payer: its agreement does not reach her.
    expect((await access(tokens.operator, 'Organization/payer-greatlakes-ma-org')).decision).toBe('deny');
    expect((await access(tokens.maria, 'Organization/payer-lakeshore-org')).decision).toBe('permit');
    const res = await get('/fhir/Patient/pa-1/$access', tokens.analytics);
    expect(res.status).toBe(404);
    expect((await get('/fhir/Patient/nobody/$access', tokens.maria)).status).toBe(404);
  });
});

describe('break-the-glass', () => {
  it('refuses a reason longer than 500 characters with a 400 OperationOutcome, and grants nothing', async () => {
    const { send, tokens, db } = await setup();
    const grants = () => db.sqlite.prepare('select count(*) from break_glass').pluck().get() as number;
    const res = await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: 'x'.repeat(200_000) });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].diagnostics).toMatch(/500 characters/);
    expect(grants()).toBe(0);
    expect((await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: 'y'.repeat(500) })).status).toBe(201);
  });

  it('grants a clinician claiming ETREAT with a reason time-boxed access over a patient deny', async () => {
    const { send, consent, consentId, tokens, engine } = await setup();
    await consent('c1', tokens.maria, consentBody('c1', { type: 'deny' }));
    expect((await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chen, { reason: 'unconscious in the ED' })).status).toBe(403);
    expect((await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: '' })).status).toBe(400);
    const res = await send('POST', '/fhir/Patient/pa-1/$break-the-glass', tokens.chenGlass, { reason: 'unconscious in the ED' });
    expect(res.status).toBe(201);
    const expires = (await res.json()).parameter.find((p: { name: string }) => p.name === 'expires').valueInstant;
    expect(Date.parse(expires) - Date.now()).toBeGreaterThan(3.9 * 3600_000);
    const requester = {
      kind: 'person' as const,
      subject: 'dr.chen',
      clientId: 'x',
      role: 'clinician' as const,
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scopes: [],
      scope: '',
      purposes: ['ETREAT' as const],
      tokenId: 'bg',
      expiresAt: 9e9,
    };
    const d = await engine.decide('pa-1', { requester, cls: 'Condition' });
    expect(d).toMatchObject({ permit: true, obligations: { redact: ['sud'] } });
  });
});
