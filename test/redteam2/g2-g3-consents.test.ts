/** Guarantees 2 and 3: Consents enter only through the consent API, and stay private. */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';
import { obsEntry, post, putEntry, SOURCE_A, tokensOf, type Scenario } from './helpers.js';

let s: Scenario;
let t: Awaited<ReturnType<typeof tokensOf>>;
beforeEach(async () => {
  s = await scenario();
  t = await tokensOf(s);
});
const rp1 = { role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } };
const oak = { role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } };
const json = async (r: Response) => (await r.json()) as { total?: number; entry?: { resource: { resourceType: string; id: string } }[] };
const consentRowCount = () => s.db.sqlite.prepare("select count(*) from resources where type = 'Consent'").pluck().get() as number;
const hasConsentAnywhere = () =>
  s.db.sqlite.prepare(`select count(*) from resources where content like '%"resourceType":"Consent"%' and type <> 'Consent'`).pluck().get() as number;

describe('G2 sources cannot ingest Consents by any path', () => {
  const forged = (id: string) => ({ ...consentFor(id, { type: 'permit', actor: [oak] }), meta: { source: SOURCE_A } });

  it('a Consent contained in an Observation is refused', async () => {
    const res = await post(s, t.hospitalA, SOURCE_A, [obsEntry('o-carrier', 'pa-1', SOURCE_A, { contained: [forged('inner')] })]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(hasConsentAnywhere()).toBe(0);
  });

  it('a Consent contained in a Group (no patient) is refused', async () => {
    const res = await post(s, t.hospitalA, SOURCE_A, [
      putEntry({ resourceType: 'Group', id: 'g-carrier', meta: { source: SOURCE_A }, type: 'person', actual: true, contained: [forged('inner2')] }),
    ]);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(hasConsentAnywhere()).toBe(0);
  });

  it('a Consent in a batch, via REST PUT/POST, with a lower-case type or mismatched url is refused and nothing is stored', async () => {
    const before = consentRowCount();
    const attempts: Response[] = [
      await post(s, t.hospitalA, SOURCE_A, [putEntry(forged('b1') as never)], 'batch'),
      await s.send('PUT', '/fhir/Consent/r1', t.hospitalA, forged('r1')),
      await s.send('POST', '/fhir/Consent', t.hospitalA, forged('r2')),
      await s.send('PUT', '/fhir/consent/r3', t.hospitalA, forged('r3')),
      await s.send('POST', '/fhir/CONSENT', t.hospitalA, forged('r4')),
      await post(s, t.hospitalA, SOURCE_A, [{ resource: forged('m1'), request: { method: 'PUT', url: 'Observation/m1' } }], 'batch'),
      await post(s, t.hospitalA, SOURCE_A, [{ resource: forged('m2'), request: { method: 'PUT', url: '/Consent/m2' } }], 'batch'),
      await post(s, t.hospitalA, SOURCE_A, [{ resource: { ...forged('m3'), resourceType: 'consent' }, request: { method: 'PUT', url: 'consent/m3' } }]),
    ];
    for (const r of attempts) expect(r.status).toBeLessThan(500);
    expect(consentRowCount()).toBe(before);
  });

  it('a caregiver delegated the Consent class cannot open Part 2 data by label-code variants', async () => {
    expect(
      (await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'permit', actor: [rp1], class: [{ code: 'Consent' }] }))).status,
    ).toBe(201);
    for (const label of [
      { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'SUD' },
      { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'ETH' },
      { system: 'urn:oid:2.16.840.1.113883.1.11.20471', code: '42CFRPart2' },
      { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42cfrpart2' },
    ]) {
      await s.send('POST', '/fhir/Consent', s.tokens.daniel, consentFor('x', { type: 'permit', actor: [rp1], securityLabel: [label] }));
      await s.send(
        'POST',
        '/fhir/Consent',
        s.tokens.daniel,
        consentFor('x', { type: 'deny', actor: [oak], provision: [{ type: 'permit', actor: [rp1], securityLabel: [label] }] }),
      );
    }
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.daniel)).status).toBe(404);
  });
});

describe('G3 her choices are private', () => {
  async function revokedConsent() {
    const res = await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'deny', actor: [oak] }));
    const { id } = (await res.json()) as { id: string };
    await s.get('/fhir/Condition/c-diabetes', s.tokens.chen); // a denied access, with its reason
    await s.send('PUT', `/fhir/Consent/${id}`, s.tokens.maria, { ...consentFor(id, { type: 'deny', actor: [oak] }), status: 'inactive' });
    return id;
  }

  it('nobody but her finds a revoked Consent by vread, _id, status, date, $everything _type, or _include', async () => {
    const id = await revokedConsent();
    for (const [who, token] of Object.entries({
      chen: s.tokens.chen,
      payer: s.tokens.payer,
      analytics: s.tokens.analytics,
      stranger: s.tokens.stranger,
      daniel: s.tokens.daniel,
    })) {
      for (const path of [`/fhir/Consent/${id}/_history/1`, `/fhir/Consent/${id}/_history/2`, `/fhir/Consent/${id}`])
        expect((await s.get(path, token)).status, `${who} ${path}`).toBe(404);
      for (const path of [
        `/fhir/Consent?_id=${id}`,
        '/fhir/Consent?status=inactive',
        '/fhir/Consent?status=active',
        '/fhir/Consent?date=ge2000-01-01',
        '/fhir/Consent',
        '/fhir/Consent?patient=pa-2',
        '/fhir/Consent?patient=Patient/pa-1',
        `/fhir/Consent?_id=${id}&patient=pa-1`,
        '/fhir/Observation?patient=pa-1&_include=Observation:patient&_include=Consent:patient&_include=*',
        '/fhir/Patient/pa-1/$everything?_type=Consent',
        '/fhir/Patient/pa-2/$everything',
      ]) {
        const r = await s.get(path, token);
        expect(r.status, `${who} ${path}`).toBeLessThan(500);
        const text = await r.text();
        // The self link echoes the query: compare with the same query for an id nobody holds.
        const other = path.includes(id) ? await (await s.get(path.replaceAll(id, 'consent-nobody'), token)).text() : undefined;
        if (other !== undefined) expect(text.replaceAll(id, 'X'), `${who} ${path}`).toBe(other.replaceAll('consent-nobody', 'X'));
        else expect(text.includes(id), `${who} ${path} revealed ${id}`).toBe(false);
        expect(text.includes('"resourceType":"Consent"'), `${who} ${path}`).toBe(false);
      }
    }
  });

  it('a caregiver with a class-less share (no Consent delegation) learns no consent ids or reasons from her accounting of disclosures', async () => {
    expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'permit', actor: [rp1] }))).status).toBe(201);
    const id = await revokedConsent();
    const r = await s.get('/fhir/AuditEvent?patient=pa-1', s.tokens.daniel);
    expect(r.status).toBeLessThan(500);
    const text = await r.text();
    expect(text.includes(id), 'AuditEvents name her Consent id').toBe(false);
    expect(/Consent\//.test(text), 'AuditEvents reveal consent references/reasons').toBe(false);
  });

  it('a caregiver shared only the AuditEvent class learns no consent reasons from her accounting', async () => {
    expect(
      (await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'permit', actor: [rp1], class: [{ code: 'AuditEvent' }] }))).status,
    ).toBe(201);
    const id = await revokedConsent();
    const text = await (await s.get('/fhir/AuditEvent?patient=pa-1', s.tokens.daniel)).text();
    expect(text.includes(id)).toBe(false);
    expect(/consent (deny|permit): Consent\//i.test(text)).toBe(false);
  });

  it('bulk export by a payer never carries a Consent', async () => {
    await revokedConsent();
    await s.send(
      'POST',
      '/fhir/Consent',
      s.tokens.maria,
      consentFor('x', { type: 'permit', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] }),
    );
    const kick = await s.get('/fhir/Group/payer-lakeshore-org/$export?_type=Consent,Condition', s.tokens.payer, { prefer: 'respond-async' });
    expect(kick.status).toBeLessThan(500);
    if (kick.status !== 202) return;
    const status = kick.headers.get('content-location')!;
    let manifest: { output?: { type: string; url: string }[] } = {};
    for (let i = 0; i < 50; i++) {
      const r = await s.get(new URL(status).pathname, s.tokens.payer);
      if (r.status === 200) {
        manifest = (await r.json()) as typeof manifest;
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    for (const o of manifest.output ?? []) {
      const text = await (await s.get(new URL(o.url).pathname, s.tokens.payer)).text();
      expect(text.includes('"resourceType":"Consent"')).toBe(false);
    }
  });

  it('$access about Maria is refused to a clinician, a payer and an undelegated caregiver', async () => {
    await revokedConsent();
    expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, consentFor('x', { type: 'permit', actor: [rp1] }))).status).toBe(201);
    for (const token of [s.tokens.chen, s.tokens.payer, s.tokens.daniel]) {
      const r = await s.get('/fhir/Patient/pa-1/$access?actor=Practitioner/clinic-oak-prac-chen&purpose=TREAT', token);
      expect(r.status).toBeLessThan(500);
      expect(/Consent\//.test(await r.text())).toBe(false);
    }
  });
});
