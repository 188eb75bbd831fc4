import { bundle, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';

export type Scenario = Awaited<ReturnType<typeof scenario>>;
export const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';
export const GREATLAKES = 'https://payer-greatlakes-ma.example.org/fhir';
export { SOURCE_A, SOURCE_B, bundle, putEntry };

export const sourceToken = (s: Scenario, source: string, org: string, clientId: string, kind = 'source') =>
  s.issuer.mint({
    ...sourceClaims(source, 'system/*.cu system/*.rs'),
    sub: clientId,
    client_id: clientId,
    client_kind: kind,
    organization: org,
    purpose_of_use: kind === 'payer' ? ['HPAYMT', 'HOPERAT'] : ['TREAT'],
  });
export const tokensOf = async (s: Scenario) => ({
  hospitalA: await sourceToken(s, SOURCE_A, 'Organization/hospital-a-org', 'hospital-a'),
  clinicB: await sourceToken(s, SOURCE_B, 'Organization/clinic-b-org', 'clinic-b'),
  lakeshore: await sourceToken(s, LAKESHORE, 'Organization/payer-lakeshore-org', 'payer-lakeshore', 'payer'),
  greatlakes: await sourceToken(s, GREATLAKES, 'Organization/payer-greatlakes-ma-org', 'payer-greatlakes-ma', 'payer'),
});
export const post = (s: Scenario, token: string, source: string, entries: object[], type: 'transaction' | 'batch' = 'transaction') =>
  s.send('POST', '/fhir', token, bundle(type, entries, source));
export const coverage = (id: string, beneficiary: string, payor: string | string[], source: string, extra: object = {}) =>
  putEntry({
    resourceType: 'Coverage',
    id,
    meta: { source },
    status: 'active',
    beneficiary: { reference: beneficiary },
    payor: (Array.isArray(payor) ? payor : [payor]).map((reference) => ({ reference })),
    period: { start: '2024-01-01' },
    ...extra,
  });
export const obsEntry = (id: string, pid: string, source: string, extra: object = {}) =>
  putEntry({
    resourceType: 'Observation',
    id,
    meta: { source },
    status: 'final',
    subject: { reference: `Patient/${pid}` },
    code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
    effectiveDateTime: '2025-05-01T09:00:00Z',
    ...extra,
  });
