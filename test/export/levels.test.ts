import { describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { ids, kickOff, runExport } from './bulk-client.js';

type Outcome = { resourceType: string; issue: { code: string; diagnostics: string }[] };
const TYPES = '_type=Patient,Coverage,ExplanationOfBenefit,Condition,Observation';

describe('Patient-level and system-level export', () => {
  it("Patient/$export covers the people on the rosters the client may export: the payer's members, decided per class", async () => {
    const s = await scenario();
    const group = await runExport(s, s.tokens.payer, `/fhir/Group/payer-lakeshore-org/$export?${TYPES}`);
    const patient = await runExport(s, s.tokens.payer, `/fhir/Patient/$export?${TYPES}`);
    const byType = (files: Record<string, Record<string, unknown>[]>) => Object.fromEntries(Object.entries(files).map(([t, rows]) => [t, ids(rows)]));
    expect(byType(patient.files)).toEqual(byType(group.files));
    expect(ids(patient.files.Condition)).toEqual(['c-diabetes']); // not the Part 2 one, not pb-1 (not a member)
    expect(ids(patient.files.Patient)).toEqual(['pa-1', 'pa-2', 'pay-1']);
    expect(patient.manifest.request).toBe(`http://gateway.test/fhir/Patient/$export?${TYPES}`);
  });

  it('system-level $export: a backend client gets the same people; a person, a patient or a client without a roster is refused', async () => {
    const s = await scenario();
    const system = await runExport(s, s.tokens.payer, `/fhir/$export?${TYPES}`);
    expect(ids(system.files.ExplanationOfBenefit)).toEqual(['eob-1']);
    expect(ids(system.files.Condition)).toEqual(['c-diabetes']);
    for (const who of ['maria', 'chen', 'daniel'] as const) {
      const res = await kickOff(s, s.tokens[who], `/fhir/$export?${TYPES}`);
      expect({ who, status: res.status }).toEqual({ who, status: 403 });
      expect(((await res.json()) as Outcome).resourceType).toBe('OperationOutcome');
    }
    const noOrganization = await s.issuer.mint({
      sub: 'loose',
      client_id: 'loose',
      client_kind: 'analytics',
      scope: 'system/*.rs',
      purpose_of_use: ['HRESCH'],
    });
    for (const path of ['/fhir/$export', '/fhir/Patient/$export']) expect((await kickOff(s, noOrganization, `${path}?${TYPES}`)).status).toBe(403);
    // Patient-level too is for backend clients: a clinician exports her organization's Group, not Patient/$export.
    for (const who of ['maria', 'chen'] as const) expect((await kickOff(s, s.tokens[who], `/fhir/Patient/$export?${TYPES}`)).status).toBe(403);
    expect((await kickOff(s, s.tokens.chen, `/fhir/Group/clinic-oak-org/$export?_type=Observation`)).status).toBe(202);
  });

  it('answers an unknown Group exactly as a forbidden one', async () => {
    const s = await scenario();
    const forbidden = await kickOff(s, s.tokens.payer, '/fhir/Group/payer-greatlakes-ma-org/$export');
    const unknown = await kickOff(s, s.tokens.payer, '/fhir/Group/no-such-group/$export');
    expect(forbidden.status).toBe(404);
    expect(unknown.status).toBe(404);
    const text = async (r: Response) => (await r.text()).replaceAll('payer-greatlakes-ma-org', 'X').replaceAll('no-such-group', 'X');
    expect(await text(forbidden)).toEqual(await text(unknown));
  });
});
