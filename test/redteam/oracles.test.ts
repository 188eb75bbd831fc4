/** Guarantee 2: what a requester may not see answers exactly as what does not exist. */
import { beforeEach, describe, expect, it } from 'vitest';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
beforeEach(async () => {
  s = await scenario();
});

async function same(a: Response, b: Response, aId: string, bId: string) {
  expect(a.status).toBe(b.status);
  expect([...a.headers]).toEqual([...b.headers]);
  const norm = (t: string, id: string) => t.split(id).join('X');
  expect(norm(await a.text(), aId)).toBe(norm(await b.text(), bId));
}

const olga = () =>
  s.issuer.mint({
    sub: 'olga',
    client_id: 'portal',
    role: 'patient',
    fhirUser: 'Patient/pb-1',
    patient: 'pb-1',
    scope: 'patient/*.rs patient/Consent.cu',
    purpose_of_use: ['PATRQT'],
  });

describe('hidden vs missing, for many requesters and paths', () => {
  const requesters = async () => ({
    stranger: s.tokens.stranger,
    otherPayer: s.tokens.otherPayer,
    analytics: s.tokens.analytics,
    daniel: s.tokens.daniel,
    olga: await olga(),
    riverside: await s.issuer.mint({
      sub: 'dr.okafor',
      client_id: 'portal',
      role: 'clinician',
      fhirUser: 'Practitioner/hosp-riverside-prac-okafor',
      organization: 'Organization/hosp-riverside-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT', 'ETREAT'],
    }),
  });
  const pairs: [string, string, string, string][] = [
    ['/fhir/Patient/pa-2', '/fhir/Patient/zz-none', 'pa-2', 'zz-none'],
    ['/fhir/Observation/o-a1c-b', '/fhir/Observation/zz-none', 'o-a1c-b', 'zz-none'],
    [
      '/fhir/Observation?patient=pa-2&_include=Observation:performer&_count=1&_offset=1',
      '/fhir/Observation?patient=zz-none&_include=Observation:performer&_count=1&_offset=1',
      'pa-2',
      'zz-none',
    ],
    ['/fhir/Observation?subject=Patient/pa-1&_count=1', '/fhir/Observation?subject=Patient/zz-none&_count=1', 'pa-1', 'zz-none'],
    [
      '/fhir/Patient/pa-2/$everything?_type=Observation,Condition&_count=1',
      '/fhir/Patient/zz-none/$everything?_type=Observation,Condition&_count=1',
      'pa-2',
      'zz-none',
    ],
    ['/fhir/Patient/pa-2/$access', '/fhir/Patient/zz-none/$access', 'pa-2', 'zz-none'],
    ['/fhir/AuditEvent?patient=Patient/pa-2', '/fhir/AuditEvent?patient=Patient/zz-none', 'pa-2', 'zz-none'],
  ];
  it('Maria denies Lakeshore; for strangers, another payer, analytics, an undelegated caregiver and another patient every probe answers as for a missing patient', async () => {
    await s.consent(
      'no-riverside',
      s.tokens.maria,
      consentFor('no-riverside', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/payer-lakeshore-org' } }] }),
    );
    const rs = await requesters();
    for (const [name, token] of Object.entries(rs)) {
      if (name === 'riverside') continue; // Riverside has default treatment access
      for (const [hidden, missing, hid, mid] of pairs) {
        const a = await s.get(hidden, token);
        const b = await s.get(missing, token);
        try {
          await same(a, b, hid, mid);
        } catch (e) {
          throw new Error(`${name}: ${hidden} vs ${missing}: ${(e as Error).message}`);
        }
      }
    }
  });
  it('a clinician Maria denied (no break-the-glass grant, ETREAT in token) sees her as missing', async () => {
    await s.consent(
      'no-oak',
      s.tokens.maria,
      consentFor('no-oak', { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }] }),
    );
    const both = await s.issuer.mint({
      sub: 'dr.chen',
      client_id: 'portal',
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT', 'ETREAT'],
    });
    for (const [hidden, missing, hid, mid] of pairs) {
      if (hidden.includes('AuditEvent')) continue;
      await same(await s.get(hidden, both), await s.get(missing, both), hid, mid);
    }
  });
  it('a payer: a withheld HIV observation of a member reads and searches as missing', async () => {
    await same(await s.get('/fhir/Observation/o-hiv', s.tokens.payer), await s.get('/fhir/Observation/zz-none', s.tokens.payer), 'o-hiv', 'zz-none');
    const hiv = await s.get('/fhir/Observation?patient=pa-1&code=http://loinc.org|20447-9', s.tokens.payer);
    const none = await s.get('/fhir/Observation?patient=pa-1&code=http://loinc.org|00000-0', s.tokens.payer);
    await same(hiv, none, '20447-9', '00000-0');
  });
});
