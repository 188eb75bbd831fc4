import { exportJWK, generateKeyPair } from 'jose';
import { createApp } from '../../src/app.js';
import { attributions, releases } from '../../src/db/schema.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { realPolicies } from '../consent/helpers.js';
import { tempDb, testDeps } from './db.js';
import { registerFixtureParticipants } from './participants.js';
import { bundle, patient, putEntry, SOURCE_A, SOURCE_B } from './fhir.js';
import { testIssuer } from './tokens.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const PAYER = 'https://payer-lakeshore.example.org/fhir';

/**
 * One patient (records pa-1 at source A, pa-2 at source B, linked by SSN) with ordinary,
 * HIV-labelled and 42 CFR Part 2 data, a payer covering her, clinicians at two organizations,
 * a caregiver, and tokens for everyone who might ask. The app runs in process (app.request).
 */
export async function scenario() {
  const db = tempDb();
  const base = testDeps(db, { clock: () => new Date() });
  const ssn = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }];
  await registerFixtureParticipants(db);
  const seed = async (source: string, entries: object[]) => {
    const b = readBundle(bundle('transaction', entries, source));
    if (Array.isArray(b)) throw new Error('bad seed');
    await ingest(base, { source, channel: 'cli', mode: 'transaction', entries: b.entries });
  };
  const cond = (id: string, pid: string, code: string, date: string, source = SOURCE_A) =>
    putEntry({
      resourceType: 'Condition',
      id,
      meta: { source },
      subject: { reference: `Patient/${pid}` },
      code: { coding: [{ system: ICD, code }] },
      recordedDate: date,
    });
  const obs = (id: string, pid: string, code: string, date: string, source = SOURCE_A) =>
    putEntry({
      resourceType: 'Observation',
      id,
      meta: { source },
      status: 'final',
      subject: { reference: `Patient/${pid}` },
      code: { coding: [{ system: 'http://loinc.org', code }] },
      effectiveDateTime: date,
    });
  await seed(SOURCE_A, [
    putEntry(patient('pa-1', { identifier: ssn }, SOURCE_A)),
    putEntry({ resourceType: 'Organization', id: 'clinic-oak-org', meta: { source: SOURCE_A }, name: 'Oakwood' }),
    putEntry({ resourceType: 'Practitioner', id: 'clinic-oak-prac-chen', meta: { source: SOURCE_A } }),
    putEntry({
      resourceType: 'PractitionerRole',
      id: 'role-chen',
      meta: { source: SOURCE_A },
      practitioner: { reference: 'Practitioner/clinic-oak-prac-chen' },
      organization: { reference: 'Organization/clinic-oak-org' },
    }),
    putEntry({ resourceType: 'RelatedPerson', id: 'rp1', meta: { source: SOURCE_A }, patient: { reference: 'Patient/pa-1' } }),
    putEntry(patient('pb-1', { name: [{ family: 'Other', given: ['Olga'] }], birthDate: '1950-01-01' }, SOURCE_A)),
    cond('c-diabetes', 'pa-1', 'E11.9', '2025-01-10'),
    cond('c-oud', 'pa-1', 'F11.20', '2025-02-10'),
    cond('c-other', 'pb-1', 'I10', '2025-02-11'),
    obs('o-a1c-1', 'pa-1', '4548-4', '2025-01-10T09:00:00Z'),
    obs('o-a1c-2', 'pa-1', '4548-4', '2025-04-10T09:00:00Z'),
    obs('o-hiv', 'pa-1', '20447-9', '2025-03-10T09:00:00Z'),
  ]);
  await seed(SOURCE_B, [putEntry(patient('pa-2', { identifier: ssn }, SOURCE_B)), obs('o-a1c-b', 'pa-2', '4548-4', '2025-06-10T09:00:00Z', SOURCE_B)]);
  await seed(PAYER, [
    putEntry(patient('pay-1', { identifier: ssn }, PAYER)),
    putEntry({ resourceType: 'Organization', id: 'payer-lakeshore-org', meta: { source: PAYER }, name: 'Lakeshore Health Plan' }),
    putEntry({
      resourceType: 'Coverage',
      id: 'cov-1',
      meta: { source: PAYER },
      status: 'active',
      beneficiary: { reference: 'Patient/pay-1' },
      payor: [{ reference: 'Organization/payer-lakeshore-org' }],
      period: { start: '2024-01-01' },
    }),
    putEntry({
      resourceType: 'ExplanationOfBenefit',
      id: 'eob-1',
      meta: { source: PAYER },
      status: 'active',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
      use: 'claim',
      patient: { reference: 'Patient/pay-1' },
      created: '2025-01-11',
      insurer: { reference: 'Organization/payer-lakeshore-org' },
      provider: { reference: 'Organization/payer-lakeshore-org' },
      outcome: 'complete',
      insurance: [{ focal: true, coverage: { reference: 'Coverage/cov-1' } }],
    }),
  ]);

  const issuer = await testIssuer();
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const engine = new ConsentEngine(db, await realPolicies(), base.clock);
  const deps = {
    ...base,
    auth: { verifier: issuer.verifier },
    consent: engine,
    signer: createReceiptSigner({ ...(await exportJWK(privateKey)), kid: 'gw' }, 'http://gateway.test'),
  };
  const app = createApp(deps);
  const person = (sub: string, role: string, fhirUser: string, extra: object) => issuer.mint({ sub, client_id: 'portal', role, fhirUser, ...extra });
  const tokens = {
    maria: await person('maria', 'patient', 'Patient/pa-1', { patient: 'pa-1', scope: 'patient/*.rs', purpose_of_use: ['PATRQT'] }),
    daniel: await person('daniel', 'caregiver', 'RelatedPerson/rp1', {
      patient: 'pa-1',
      organization: 'Organization/org-hie',
      scope: 'patient/*.rs',
      purpose_of_use: ['FAMRQT'],
    }),
    chen: await person('dr.chen', 'clinician', 'Practitioner/clinic-oak-prac-chen', {
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    }),
    operator: await person('alex', 'operator', 'Practitioner/none', {
      organization: 'Organization/org-hie',
      scope: 'user/AuditEvent.rs',
      purpose_of_use: ['HSYSADMIN'],
    }),
    // Another patient of the region (pb-1), for what one patient may see or do of another's.
    olga: await person('olga', 'patient', 'Patient/pb-1', { patient: 'pb-1', scope: 'patient/*.rs', purpose_of_use: ['PATRQT'] }),
    stranger: await person('eve', 'patient', 'Patient/zz', { patient: 'zz', scope: 'patient/*.rs', purpose_of_use: ['PATRQT'] }),
    chenGlass: await person('dr.chen', 'clinician', 'Practitioner/clinic-oak-prac-chen', {
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['ETREAT'],
    }),
    riverside: await person('dr.okafor', 'clinician', 'Practitioner/hosp-riverside-prac-okafor', {
      organization: 'Organization/hosp-riverside-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    }),
    payer: await issuer.mint({
      sub: 'payer-lakeshore',
      client_id: 'payer-lakeshore',
      client_kind: 'payer',
      organization: 'Organization/payer-lakeshore-org',
      scope: 'system/*.rs',
      purpose_of_use: ['HPAYMT', 'HOPERAT'],
    }),
    otherPayer: await issuer.mint({
      sub: 'payer-greatlakes-ma',
      client_id: 'payer-greatlakes-ma',
      client_kind: 'payer',
      organization: 'Organization/payer-greatlakes-ma-org',
      scope: 'system/*.rs',
      purpose_of_use: ['HPAYMT', 'HOPERAT'],
    }),
    analytics: await issuer.mint({
      sub: 'analytics',
      client_id: 'analytics',
      client_kind: 'analytics',
      organization: 'Organization/org-research',
      scope: 'system/*.rs',
      purpose_of_use: ['HRESCH'],
    }),
  };
  const get = (path: string, token: string | null, headers: Record<string, string> = {}) =>
    app.request(path, { headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  const send = (method: string, path: string, token: string, body: unknown) =>
    app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) });
  /** The public half of the key consent receipts are signed with. */
  const receiptKey = publicKey;
  // Consent ids are the server's (POST assigns them): tests name their Consents, and this maps a
  // test's name to the id the server gave it, creating on first use and updating after.
  const consentIds = new Map<string, string>();
  const consent = async (name: string, token: string, body: object) => {
    const id = consentIds.get(name);
    const res = id ? await send('PUT', `/fhir/Consent/${id}`, token, { ...body, id }) : await send('POST', '/fhir/Consent', token, { ...body, id: undefined });
    if (!id && res.status === 201) consentIds.set(name, ((await res.clone().json()) as { id: string }).id);
    return res;
  };
  const consentId = (name: string) => consentIds.get(name) ?? name;
  /** The linked person a source Patient id belongs to. */
  const personOf = (patientId: string) => db.sqlite.prepare('select person_id from patient_links where patient_id = ?').pluck().get(patientId) as string;
  /** A release whose attribution put Maria (pa-1) and Olga (pb-1) on Oakwood's 2025 roster. */
  const oakwoodRoster = async () => {
    await db.orm
      .insert(releases)
      .values({ id: 'v1', version: 1, issued: '2026-01-02T00:00:00Z', mode: 'suppression', years: '2025', epsilon: null, manifestJws: 'x' });
    await db.orm.insert(attributions).values([
      {
        releaseId: 'v1',
        year: 2025,
        person: personOf('pa-1'),
        organization: 'Organization/clinic-oak-org',
        method: 'designation',
        reason: 'designated by the patient',
      },
      {
        releaseId: 'v1',
        year: 2025,
        person: personOf('pb-1'),
        organization: 'Organization/clinic-oak-org',
        method: 'plurality',
        reason: '3 of 4 primary-care visits in 2025',
      },
    ]);
  };
  return { db, app, deps, engine, tokens, get, send, issuer, receiptKey, seed, personOf, oakwoodRoster, consent, consentId };
}

export const CONSENT_SCOPE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] };
/** The policy a Consent is made under (R4 requires a policy or a policyRule, ppc-1). */
export const POLICY_RULE = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] };
export const consentFor = (id: string, provision: object, extra: object = {}) => ({
  resourceType: 'Consent',
  id,
  status: 'active',
  scope: CONSENT_SCOPE,
  category: [{ text: 'privacy' }],
  patient: { reference: 'Patient/pa-1' },
  policyRule: POLICY_RULE,
  provision,
  ...extra,
});
