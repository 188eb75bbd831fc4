/**
 * "What a requester may not see answers exactly as what does not exist": for any requester and
 * any scopes they hold, a resource that exists but is not theirs to see gets the same status, the
 * same headers and the same body (but for the id they asked about) as an id that exists nowhere.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
beforeAll(async () => {
  s = await scenario();
});

const TYPES = ['Patient', 'Condition', 'Observation', 'ExplanationOfBenefit', 'Coverage', 'RelatedPerson', 'Group', '*'];
// Existing resources across the scenario's compartments and labels (Part 2, HIV, another patient, a payer's claim).
const EXISTING: [string, string][] = [
  ['Condition', 'c-diabetes'],
  ['Condition', 'c-oud'],
  ['Condition', 'c-other'],
  ['Observation', 'o-hiv'],
  ['Observation', 'o-a1c-b'],
  ['ExplanationOfBenefit', 'eob-1'],
  ['Coverage', 'cov-1'],
  ['Patient', 'pb-1'],
  ['Patient', 'pa-2'],
  ['RelatedPerson', 'rp1'],
];

const requester = fc.record({
  who: fc.constantFrom('patient-self', 'patient-other', 'clinician-oak', 'clinician-river', 'caregiver', 'payer', 'other-payer', 'analytics', 'operator'),
  scopes: fc.uniqueArray(fc.tuple(fc.constantFrom(...TYPES), fc.constantFrom('rs', 'r', 's', 'cruds')), { maxLength: 4 }),
});

async function tokenFor(who: string, scopes: [string, string][]): Promise<string> {
  const ctx =
    who === 'payer' || who === 'other-payer' || who === 'analytics' ? 'system' : who.startsWith('patient') || who === 'caregiver' ? 'patient' : 'user';
  const scope = scopes.map(([t, p]) => `${ctx}/${t}.${p}`).join(' ');
  const person = (sub: string, role: string, fhirUser: string, extra: object) => s.issuer.mint({ sub, client_id: 'portal', role, fhirUser, scope, ...extra });
  switch (who) {
    case 'patient-self':
      return person('maria', 'patient', 'Patient/pa-1', { patient: 'pa-1', purpose_of_use: ['PATRQT'] });
    case 'patient-other':
      return person('olga', 'patient', 'Patient/pb-1', { patient: 'pb-1', purpose_of_use: ['PATRQT'] });
    case 'clinician-oak':
      return person('dr.chen', 'clinician', 'Practitioner/clinic-oak-prac-chen', { organization: 'Organization/clinic-oak-org', purpose_of_use: ['TREAT'] });
    case 'clinician-river':
      return person('dr.okafor', 'clinician', 'Practitioner/hosp-riverside-prac-okafor', {
        organization: 'Organization/hosp-riverside-org',
        purpose_of_use: ['TREAT'],
      });
    case 'caregiver':
      return person('daniel', 'caregiver', 'RelatedPerson/rp1', { patient: 'pa-1', organization: 'Organization/org-hie', purpose_of_use: ['FAMRQT'] });
    case 'operator':
      return person('alex', 'operator', 'Practitioner/none', { organization: 'Organization/org-hie', purpose_of_use: ['HSYSADMIN'] });
    case 'payer':
      return s.issuer.mint({
        sub: 'payer-lakeshore',
        client_id: 'payer-lakeshore',
        client_kind: 'payer',
        organization: 'Organization/payer-lakeshore-org',
        scope,
        purpose_of_use: ['HPAYMT', 'HOPERAT'],
      });
    case 'other-payer':
      return s.issuer.mint({
        sub: 'payer-greatlakes-ma',
        client_id: 'payer-greatlakes-ma',
        client_kind: 'payer',
        organization: 'Organization/payer-greatlakes-ma-org',
        scope,
        purpose_of_use: ['HPAYMT', 'HOPERAT'],
      });
    default:
      return s.issuer.mint({
        sub: 'analytics',
        client_id: 'analytics',
        client_kind: 'analytics',
        organization: 'Organization/org-research',
        scope,
        purpose_of_use: ['HRESCH'],
      });
  }
}

async function answer(path: string, token: string, id: string) {
  const res = await s.get(path, token);
  return { status: res.status, headers: [...res.headers].sort(), body: (await res.text()).replaceAll(id, 'ID') };
}

describe('hidden answers as missing, whatever the scopes', () => {
  it('read, vread, search and $everything', async () => {
    await fc.assert(
      fc.asyncProperty(requester, fc.constantFrom(...EXISTING), async ({ who, scopes }, [type, id]) => {
        const token = await tokenFor(who, scopes);
        const read = await answer(`/fhir/${type}/${id}`, token, id);
        if (read.status !== 200) expect(read).toEqual(await answer(`/fhir/${type}/nowhere-1`, token, 'nowhere-1'));
        const vread = await answer(`/fhir/${type}/${id}/_history/1`, token, id);
        if (vread.status !== 200) expect(vread).toEqual(await answer(`/fhir/${type}/nowhere-1/_history/1`, token, 'nowhere-1'));
        for (const patient of ['pa-1', 'pb-1']) {
          const search = await answer(`/fhir/Observation?patient=${patient}`, token, patient);
          if (search.status !== 200 || !search.body.includes('"entry":[{'))
            expect(search).toEqual(await answer('/fhir/Observation?patient=nowhere-1', token, 'nowhere-1'));
          const all = await answer(`/fhir/Patient/${patient}/$everything`, token, patient);
          if (all.status !== 200) expect(all).toEqual(await answer('/fhir/Patient/nowhere-1/$everything', token, 'nowhere-1'));
          const access = await answer(`/fhir/Patient/${patient}/$access`, token, patient);
          if (access.status !== 200) expect(access).toEqual(await answer('/fhir/Patient/nowhere-1/$access', token, 'nowhere-1'));
        }
      }),
      { numRuns: 120 },
    );
  }, 120_000);
});
