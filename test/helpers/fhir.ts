/** Small resource builders for tests: only the fields a test is about, plus what makes them valid. */
export const SOURCE_A = 'https://hospital-a.example.org/fhir';
export const SOURCE_B = 'https://clinic-b.example.org/fhir';

export function patient(id: string, fields: Record<string, unknown> = {}, source = SOURCE_A) {
  return {
    resourceType: 'Patient',
    id,
    meta: { source },
    name: [{ family: 'Alvarez', given: ['Maria'] }],
    gender: 'female',
    birthDate: '1968-04-12',
    address: [{ postalCode: '48911' }],
    ...fields,
  };
}

export function condition(id: string, patientId: string, code: { system: string; code: string }, source = SOURCE_A) {
  return {
    resourceType: 'Condition',
    id,
    meta: { source },
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [code] },
    recordedDate: '2025-03-01',
  };
}

export function observation(id: string, patientId: string, fields: Record<string, unknown> = {}, source = SOURCE_A) {
  return {
    resourceType: 'Observation',
    id,
    meta: { source },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2025-02-01T09:30:00-05:00',
    ...fields,
  };
}

export function putEntry(resource: { resourceType: string; id: string; [key: string]: unknown }) {
  return { fullUrl: `${resource.resourceType}/${resource.id}`, resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

export function bundle(type: 'transaction' | 'batch', entries: unknown[], source?: string) {
  return { resourceType: 'Bundle', type, ...(source ? { meta: { source } } : {}), entry: entries };
}
