import type { Requester } from '../../src/auth/requester.js';
import type { Purpose } from '../../src/auth/purposes.js';
import { loadPolicies, type Policies } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';

export const WHEN = '2026-03-01T12:00:00.000Z';

export async function realPolicies(defaults?: object): Promise<Policies> {
  const texts = await readPolicyFiles();
  return loadPolicies(defaults ? { ...texts, defaults: JSON.stringify({ ...JSON.parse(texts.defaults), ...defaults }) } : texts);
}

const base = { scopes: [], scope: '', tokenId: 't', expiresAt: 9e9 };

export const clinician = (id = 'clinic-oak-prac-chen', org = 'Organization/clinic-oak-org', purposes: Purpose[] = ['TREAT']): Requester => ({
  ...base,
  kind: 'person',
  subject: id,
  clientId: 'smart-demo',
  role: 'clinician',
  fhirUser: `Practitioner/${id}`,
  organization: org,
  purposes,
});
export const patientSelf = (person: string): Requester => ({
  ...base,
  kind: 'person',
  subject: 'maria',
  clientId: 'smart-demo',
  role: 'patient',
  fhirUser: 'Patient/x',
  patient: person,
  purposes: ['PATRQT'],
});
export const caregiver = (id: string, person: string): Requester => ({
  ...base,
  kind: 'person',
  subject: id,
  clientId: 'smart-demo',
  role: 'caregiver',
  fhirUser: `RelatedPerson/${id}`,
  patient: person,
  organization: 'Organization/org-hie',
  purposes: ['FAMRQT'],
});
export const payer = (id = 'payer-lakeshore', purposes: Purpose[] = ['HPAYMT', 'HOPERAT']): Requester => ({
  ...base,
  kind: 'system',
  subject: id,
  clientId: id,
  clientKind: 'payer',
  organization: `Organization/${id}-org`,
  purposes,
});
export const analytics = (): Requester => ({
  ...base,
  kind: 'system',
  subject: 'analytics',
  clientId: 'analytics',
  clientKind: 'analytics',
  organization: 'Organization/org-research',
  purposes: ['HRESCH', 'PUBHLTH'],
});
/** A provider organization's backend client (a source system), as recipientOf builds one for a subscription. */
export const sourceClient = (org = 'Organization/clinic-oak-org', purposes: Purpose[] = ['TREAT'], dua = 'dua-clinic-oak'): Requester => ({
  ...base,
  kind: 'system',
  subject: 'oak-backend',
  clientId: 'oak-backend',
  clientKind: 'source',
  organization: org,
  dua,
  purposes,
});
