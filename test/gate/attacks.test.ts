/**
 * Attacks on the one gate through which patient data leaves, written as an adversary would try
 * them: a clinician of another organization, a caregiver who was never delegated, a patient
 * reading an old version that was someone else's, a token probing which ids exist, and a bulk
 * client whose roster starts with people it may not see.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;

beforeEach(async () => {
  s = await scenario();
});

describe('rosters', () => {
  beforeEach(async () => {
    await s.oakwoodRoster();
  });

  it("a clinician of another organization cannot read Oakwood's roster: it does not exist for her", async () => {
    const res = await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.riverside);
    const missing = await s.get('/fhir/Group/attribution-clinic-oak-org-2019', s.tokens.riverside);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe((await missing.text()).replace('2019', '2025'));
  });

  it('a patient on the roster cannot read the roster', async () => {
    expect((await s.get('/fhir/Group/attribution-clinic-oak-org-2025', s.tokens.maria)).status).toBe(404);
  });
});

describe('$access explains only to the patient, a delegated caregiver and operators', () => {
  const reasonsIn = (body: { parameter?: { part?: { name: string }[] }[] }) =>
    (body.parameter ?? []).flatMap((p) => p.part ?? []).filter((p) => p.name === 'reason' || p.name === 'withheld');

  it('a clinician asking about another actor learns nothing about that actor', async () => {
    await s.consent(
      'no-payer',
      s.tokens.maria,
      consentFor('no-payer', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] }),
    );
    const res = await s.get('/fhir/Patient/pa-1/$access?actor=Organization/payer-lakeshore-org', s.tokens.chen);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('Consent/');
  });

  it('a clinician asking about herself gets permit or deny per class, without reasons or Consent references', async () => {
    await s.consent(
      'hide-hiv',
      s.tokens.maria,
      consentFor('hide-hiv', { type: 'deny', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] }),
    );
    const res = await s.get('/fhir/Patient/pa-1/$access', s.tokens.chen);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('Consent/');
    expect(reasonsIn(JSON.parse(text))).toEqual([]);
  });

  it('a caregiver the patient has not delegated consent to gets no explanation', async () => {
    const res = await s.get('/fhir/Patient/pa-1/$access?actor=Practitioner/clinic-oak-prac-chen', s.tokens.daniel);
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('reason');
  });

  it('the caregiver she delegated the Consent class to does get the explanation', async () => {
    const put = await s.consent(
      'delegate',
      s.tokens.maria,
      consentFor('delegate', {
        type: 'permit',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
        class: [{ code: 'Consent' }],
      }),
    );
    expect(put.status).toBe(201);
    const res = await s.get('/fhir/Patient/pa-1/$access?actor=Practitioner/clinic-oak-prac-chen', s.tokens.daniel);
    expect(res.status).toBe(200);
    expect(reasonsIn(await res.json()).length).toBeGreaterThan(0);
  });

  it('an operator gets the explanation, reasons included', async () => {
    const res = await s.get('/fhir/Patient/pa-1/$access?actor=Practitioner/clinic-oak-prac-chen', s.tokens.operator);
    expect(res.status).toBe(200);
    expect(reasonsIn(await res.json()).length).toBeGreaterThan(0);
  });
});

describe('vread decides the version on its own compartment', () => {
  it("a patient cannot read an earlier version of a resource that was then another patient's", async () => {
    // Version 1 is Maria's HIV test; the source then re-files it under Olga (a correction).
    const hiv = (pid: string) =>
      putEntry({
        resourceType: 'Observation',
        id: 'o-moved',
        meta: { source: SOURCE_A },
        status: 'final',
        subject: { reference: `Patient/${pid}` },
        code: { coding: [{ system: 'http://loinc.org', code: '20447-9' }] },
        effectiveDateTime: '2025-03-10T09:00:00Z',
      });
    await s.seed(SOURCE_A, [hiv('pa-1')]);
    await s.seed(SOURCE_A, [hiv('pb-1')]);
    const olga = s.tokens.olga;
    expect((await s.get('/fhir/Observation/o-moved/_history/2', olga)).status).toBe(200);
    const old = await s.get('/fhir/Observation/o-moved/_history/1', olga);
    const none = await s.get('/fhir/Observation/o-moved/_history/9', olga);
    expect(old.status).toBe(404);
    expect(await old.text()).toBe((await none.text()).replace('/9', '/1'));
    // And Maria, whose it was, still reads her version 1.
    expect((await s.get('/fhir/Observation/o-moved/_history/1', s.tokens.maria)).status).toBe(200);
  });
});

describe('scopes are checked before any lookup, so they reveal nothing', () => {
  it('a token without read scope for a type gets the same answer for ids that exist and ids that do not', async () => {
    const narrow = await s.issuer.mint({
      sub: 'maria',
      client_id: 'portal',
      role: 'patient',
      fhirUser: 'Patient/pa-1',
      patient: 'pa-1',
      scope: 'patient/Observation.rs',
      purpose_of_use: ['PATRQT'],
    });
    const exists = await s.get('/fhir/Condition/c-diabetes', narrow);
    const missing = await s.get('/fhir/Condition/c-nope', narrow);
    expect(exists.status).toBe(missing.status);
    expect([...exists.headers]).toEqual([...missing.headers]);
    expect((await exists.text()).replace('c-diabetes', 'X')).toBe((await missing.text()).replace('c-nope', 'X'));
  });
});

describe('bulk export', () => {
  it('every file ends, even when the first members have nothing to send', async () => {
    // Three more Lakeshore members before Maria (person ids sort first), none with claims the payer may see.
    for (const n of [1, 2, 3]) {
      await s.seed('https://payer-lakeshore.example.org/fhir', [
        putEntry({
          resourceType: 'Patient',
          id: `aa-${n}`,
          meta: { source: 'https://payer-lakeshore.example.org/fhir' },
          name: [{ family: `Aaron${n}` }],
          birthDate: `196${n}-01-01`,
        }),
        putEntry({
          resourceType: 'Coverage',
          id: `aa-cov-${n}`,
          meta: { source: 'https://payer-lakeshore.example.org/fhir' },
          status: 'active',
          beneficiary: { reference: `Patient/aa-${n}` },
          payor: [{ reference: 'Organization/payer-lakeshore-org' }],
        }),
      ]);
      const deny = consentFor(
        `deny-${n}`,
        { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] },
        { patient: { reference: `Patient/aa-${n}` } },
      );
      const token = await s.issuer.mint({
        sub: `aa${n}`,
        client_id: 'portal',
        role: 'patient',
        fhirUser: `Patient/aa-${n}`,
        patient: s.personOf(`aa-${n}`),
        scope: 'patient/*.rs',
        purpose_of_use: ['PATRQT'],
      });
      expect((await s.send('POST', '/fhir/Consent', token, deny)).status).toBe(201);
    }
    const kick = await s.get('/fhir/Group/payer-lakeshore-org/$export?_type=ExplanationOfBenefit', s.tokens.payer, { prefer: 'respond-async' });
    const statusUrl = kick.headers.get('content-location')!.replace('http://gateway.test', '');
    let status = await s.get(statusUrl, s.tokens.payer);
    for (let i = 0; i < 50 && status.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await s.get(statusUrl, s.tokens.payer);
    }
    const [out] = ((await status.json()) as { output: { url: string }[] }).output;
    const res = await s.get(out!.url.replace('http://gateway.test', ''), s.tokens.payer);
    const text = await Promise.race([res.text(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the export file never ended')), 3000))]);
    expect(
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: string }).id),
    ).toEqual(['eob-1']);
  }, 10_000);
});
