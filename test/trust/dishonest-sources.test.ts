/**
 * Playing the dishonest source, payer and caregiver: each test is an attack on what comes in,
 * and fails if the defence is removed. The app runs in process with real SQLite (scenario.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bundle, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';
const GREATLAKES = 'https://payer-greatlakes-ma.example.org/fhir';

beforeEach(async () => {
  s = await scenario();
});

/** A source system's token, writing as `source` and reading as a payer when it is one. */
const sourceToken = (source: string, org: string, clientId: string, kind = 'source') =>
  s.issuer.mint({
    ...sourceClaims(source, 'system/*.cu system/*.rs'),
    sub: clientId,
    client_id: clientId,
    client_kind: kind,
    organization: org,
    purpose_of_use: kind === 'payer' ? ['HPAYMT', 'HOPERAT'] : ['TREAT'],
  });
const post = async (token: string, source: string, entries: object[]) => s.send('POST', '/fhir', token, bundle('transaction', entries, source));
const coverage = (id: string, beneficiary: string, payor: string, source: string, extra: object = {}) =>
  putEntry({
    resourceType: 'Coverage',
    id,
    meta: { source },
    status: 'active',
    beneficiary: { reference: beneficiary },
    payor: [{ reference: payor }],
    ...extra,
  });

describe('sources write only their own records', () => {
  it("a payer cannot make a patient its member by covering another source's Patient record", async () => {
    const greatlakes = await sourceToken(GREATLAKES, 'Organization/payer-greatlakes-ma-org', 'payer-greatlakes-ma', 'payer');
    const res = await post(greatlakes, GREATLAKES, [coverage('glk-cov-maria', 'Patient/pa-1', 'Organization/payer-greatlakes-ma-org', GREATLAKES)]);
    expect(res.status).toBe(403);
    expect((await res.json()).issue[0].diagnostics).toMatch(/own Patient/);
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.otherPayer)).status).toBe(404);
  });

  it('a source cannot write a Coverage naming another organization as payor', async () => {
    const lakeshore = await sourceToken(LAKESHORE, 'Organization/payer-lakeshore-org', 'payer-lakeshore', 'payer');
    const res = await post(lakeshore, LAKESHORE, [coverage('cov-forged', 'Patient/pay-1', 'Organization/payer-greatlakes-ma-org', LAKESHORE)]);
    expect(res.status).toBe(403);
    expect((await res.json()).issue[0].diagnostics).toMatch(/payor/);
  });

  it('a hospital cannot write a Coverage at all: only a payer’s own registered source can', async () => {
    const hospital = await sourceToken(SOURCE_A, 'Organization/hospital-a-org', 'hospital-a');
    const res = await post(hospital, SOURCE_A, [coverage('cov-hosp', 'Patient/pa-1', 'Organization/payer-lakeshore-org', SOURCE_A)]);
    expect(res.status).toBe(403);
  });

  it("a source cannot write into another source's Patient record", async () => {
    const clinicB = await sourceToken(SOURCE_B, 'Organization/clinic-b-org', 'clinic-b');
    const obs = putEntry({
      resourceType: 'Observation',
      id: 'o-intruder',
      meta: { source: SOURCE_B },
      status: 'final',
      subject: { reference: 'Patient/pa-1' },
      code: { text: 'x' },
    });
    const res = await post(clinicB, SOURCE_B, [obs]);
    expect(res.status).toBe(403);
    expect((await s.get('/fhir/Observation/o-intruder', s.tokens.maria)).status).toBe(404);
  });

  it('a cancelled Coverage ends the membership at the very next request', async () => {
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBe(200);
    const lakeshore = await sourceToken(LAKESHORE, 'Organization/payer-lakeshore-org', 'payer-lakeshore', 'payer');
    const res = await post(lakeshore, LAKESHORE, [
      coverage('cov-1', 'Patient/pay-1', 'Organization/payer-lakeshore-org', LAKESHORE, { status: 'cancelled', period: { start: '2024-01-01' } }),
    ]);
    expect(res.status).toBe(200);
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.payer)).status).toBe(404);
  });

  it('a Coverage whose period ended long ago is no membership', async () => {
    const ssn = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0077' }];
    await s.seed(SOURCE_A, [
      putEntry({
        resourceType: 'Patient',
        id: 'pc-1',
        meta: { source: SOURCE_A },
        identifier: ssn,
        name: [{ family: 'Chu', given: ['Carl'] }],
        birthDate: '1961-02-03',
      }),
      putEntry({
        resourceType: 'Condition',
        id: 'c-carl',
        meta: { source: SOURCE_A },
        subject: { reference: 'Patient/pc-1' },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] },
      }),
    ]);
    await s.seed(LAKESHORE, [
      putEntry({
        resourceType: 'Patient',
        id: 'pay-carl',
        meta: { source: LAKESHORE },
        identifier: ssn,
        name: [{ family: 'Chu', given: ['Carl'] }],
        birthDate: '1961-02-03',
      }),
      coverage('cov-carl-old', 'Patient/pay-carl', 'Organization/payer-lakeshore-org', LAKESHORE, { period: { start: '2010-01-01', end: '2012-12-31' } }),
    ]);
    expect(s.personOf('pay-carl')).toBe(s.personOf('pc-1'));
    expect((await s.get('/fhir/Condition/c-carl', s.tokens.payer)).status).toBe(404);
  });
});

describe('only patients author their consents', () => {
  it('a source cannot write a Consent inside a transaction Bundle', async () => {
    const hospital = await sourceToken(SOURCE_A, 'Organization/hospital-a-org', 'hospital-a');
    const forged = {
      ...consentFor('forged', { type: 'permit', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
      meta: { source: SOURCE_A },
    };
    const res = await post(hospital, SOURCE_A, [putEntry(forged as never)]);
    expect(res.status).toBe(403);
    expect((await s.get('/fhir/Consent/forged', s.tokens.maria)).status).toBe(404);
  });

  it("another patient's Consent id neither blocks her choice nor reveals that it exists", async () => {
    const olga = await s.issuer.mint({
      sub: 'olga',
      client_id: 'portal',
      role: 'patient',
      fhirUser: 'Patient/pb-1',
      patient: s.personOf('pb-1'),
      scope: 'patient/*.rs',
      purpose_of_use: ['PATRQT'],
    });
    const research = (patient: string) => consentFor('ignored', { type: 'deny', purpose: [{ code: 'HRESCH' }] }, { patient: { reference: patient } });
    const mine = await s.send('POST', '/fhir/Consent', s.tokens.maria, research('Patient/pa-1'));
    expect(mine.status).toBe(201);
    const id = ((await mine.json()) as { id: string }).id;
    // Olga opts out too: she gets her own Consent, not a refusal.
    expect((await s.send('POST', '/fhir/Consent', olga, research('Patient/pb-1'))).status).toBe(201);
    // Updating Maria's id, or an id nobody holds, answers the same.
    const taken = await s.send('PUT', `/fhir/Consent/${id}`, olga, { ...research('Patient/pb-1'), id });
    const free = await s.send('PUT', '/fhir/Consent/nobody-has-this', olga, { ...research('Patient/pb-1'), id: 'nobody-has-this' });
    expect(taken.status).toBe(free.status);
    expect((await taken.text()).replace(id, 'ID')).toBe((await free.text()).replace('nobody-has-this', 'ID'));
  });

  it('a class-less share is not a delegation: the caregiver may not write her consents', async () => {
    const share = await s.send(
      'POST',
      '/fhir/Consent',
      s.tokens.maria,
      consentFor('x', { type: 'permit', actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }] }),
    );
    expect(share.status).toBe(201);
    const attempt = await s.send(
      'POST',
      '/fhir/Consent',
      s.tokens.daniel,
      consentFor('x', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    expect(attempt.status).toBe(403);
  });

  it('a delegated caregiver can never open 42 CFR Part 2 data, not even to himself', async () => {
    const delegate = await s.send(
      'POST',
      '/fhir/Consent',
      s.tokens.maria,
      consentFor('x', {
        type: 'permit',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
        class: [{ code: 'Consent' }],
      }),
    );
    expect(delegate.status).toBe(201);
    const part2 = consentFor('x', {
      type: 'permit',
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'RelatedPerson/rp1' } }],
      securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42CFRPart2' }],
    });
    const res = await s.send('POST', '/fhir/Consent', s.tokens.daniel, part2);
    expect(res.status).toBe(403);
    expect((await s.get('/fhir/Condition/c-oud', s.tokens.daniel)).status).toBe(404);
  });

  it('an operator records a paper consent on her behalf: marked so, shown to her, and she can revoke it', async () => {
    const paper = consentFor('x', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] });
    const res = await s.send('POST', '/fhir/Consent', s.tokens.operator, paper);
    expect(res.status).toBe(201);
    const stored = (await res.json()) as { id: string; meta: { tag?: { code?: string }[] } };
    expect(stored.meta.tag?.map((t) => t.code)).toContain('recorded-on-behalf');
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status).toBe(404);
    const seen = (await (await s.get('/fhir/Consent?patient=pa-1', s.tokens.maria)).json()) as { entry: { resource: { id: string } }[] };
    expect(seen.entry.map((e) => e.resource.id)).toContain(stored.id);
    const revoke = await s.send('PUT', `/fhir/Consent/${stored.id}`, s.tokens.maria, { ...paper, id: stored.id, status: 'inactive' });
    expect(revoke.status).toBe(200);
    expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status).toBe(200);
  });
});

describe("a patient's choices are private", () => {
  it('a clinician cannot read, search or $everything her Consents, even revoked ones', async () => {
    const hide = await s.send(
      'POST',
      '/fhir/Consent',
      s.tokens.maria,
      consentFor('x', { type: 'deny', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }] }),
    );
    const { id } = (await hide.json()) as { id: string };
    await s.send('PUT', `/fhir/Consent/${id}`, s.tokens.maria, { ...consentFor(id, { type: 'deny' }), status: 'inactive' });
    expect((await s.get(`/fhir/Consent/${id}`, s.tokens.chen)).status).toBe(404);
    expect(((await (await s.get('/fhir/Consent?patient=pa-1', s.tokens.chen)).json()) as { total: number }).total).toBe(0);
    const all = (await (await s.get('/fhir/Patient/pa-1/$everything', s.tokens.chen)).json()) as { entry: { resource: { resourceType: string } }[] };
    expect(all.entry.filter((e) => e.resource.resourceType === 'Consent')).toEqual([]);
    expect((await s.get(`/fhir/Consent/${id}`, s.tokens.payer)).status).toBe(404);
    // She, and an operator, still can.
    expect((await s.get(`/fhir/Consent/${id}`, s.tokens.maria)).status).toBe(200);
  });
});

describe('nothing visible points at something hidden', () => {
  it('a visible Observation does not name the visit the patient hid from this clinician', async () => {
    await s.seed(SOURCE_A, [
      putEntry({
        resourceType: 'Encounter',
        id: 'e-visit',
        meta: { source: SOURCE_A },
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/pa-1' },
      }),
      putEntry({
        resourceType: 'Observation',
        id: 'o-at-visit',
        meta: { source: SOURCE_A },
        status: 'final',
        code: { text: 'weight' },
        subject: { reference: 'Patient/pa-1' },
        encounter: { reference: 'Encounter/e-visit' },
      }),
    ]);
    const hideVisits = consentFor('x', {
      type: 'deny',
      actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
      class: [{ code: 'Encounter' }],
    });
    expect((await s.send('POST', '/fhir/Consent', s.tokens.maria, hideVisits)).status).toBe(201);
    expect((await s.get('/fhir/Encounter/e-visit', s.tokens.chen)).status).toBe(404);
    const read = await s.get('/fhir/Observation/o-at-visit', s.tokens.chen);
    expect(read.status).toBe(200);
    expect(await read.text()).not.toContain('e-visit');
    const search = await s.get('/fhir/Observation?patient=pa-1', s.tokens.chen);
    expect(await search.text()).not.toContain('e-visit');
    const all = await s.get('/fhir/Patient/pa-1/$everything', s.tokens.chen);
    expect(await all.text()).not.toContain('e-visit');
    // She still sees it all.
    expect(await (await s.get('/fhir/Observation/o-at-visit', s.tokens.maria)).text()).toContain('Encounter/e-visit');
  });
});

describe('a batch says which rule refused each entry', () => {
  it("answers an entry refused for another source's Patient as 403 Forbidden, not 400", async () => {
    const clinicB = await sourceToken(SOURCE_B, 'Organization/clinic-b-org', 'clinic-b');
    const obs = putEntry({
      resourceType: 'Observation',
      id: 'o-batch',
      meta: { source: SOURCE_B },
      status: 'final',
      subject: { reference: 'Patient/pa-1' },
      code: { text: 'x' },
    });
    const res = await s.send('POST', '/fhir', clinicB, bundle('batch', [obs], SOURCE_B));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { entry: { response: { status: string } }[] };
    expect(body.entry[0]!.response.status).toBe('403 Forbidden');
  });
});
