/** Guarantee 5: a version read is decided on that exact version's patient and labels. */
import { beforeEach, describe, expect, it } from 'vitest';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
const obs = (id: string, pid: string, code: string, extra: object = {}) =>
  putEntry({
    resourceType: 'Observation',
    id,
    meta: { source: SOURCE_A, ...extra },
    status: 'final',
    subject: { reference: `Patient/${pid}` },
    code: { coding: [{ system: 'http://loinc.org', code }] },
    effectiveDateTime: '2025-03-10T09:00:00Z',
  });
beforeEach(async () => {
  s = await scenario();
});

describe('labels across versions', () => {
  it('an HIV version later recoded as ordinary stays withheld from a clinician Maria hid HIV from', async () => {
    expect(
      (
        await s.consent(
          'hide-hiv',
          s.tokens.maria,
          consentFor('hide-hiv', { type: 'deny', securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }] }),
        )
      ).status,
    ).toBe(201);
    await s.seed(SOURCE_A, [obs('o-re', 'pa-1', '20447-9')]);
    await s.seed(SOURCE_A, [obs('o-re', 'pa-1', '4548-4')]);
    expect((await s.get('/fhir/Observation/o-re', s.tokens.chen)).status).toBe(200);
    const v1 = await s.get('/fhir/Observation/o-re/_history/1', s.tokens.chen);
    const v9 = await s.get('/fhir/Observation/o-re/_history/9', s.tokens.chen);
    expect(v1.status).toBe(404);
    expect(await v1.text()).toBe((await v9.text()).replace('/9', '/1'));
    const v01 = await s.get('/fhir/Observation/o-re/_history/01', s.tokens.chen);
    expect(v01.status).toBe(404);
  });
  it('a version the source labelled 42 CFR Part 2 itself stays closed after a later version drops the label', async () => {
    await s.seed(SOURCE_A, [
      obs('o-sud', 'pa-1', '4548-4', { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: '42CFRPart2' }] }),
    ]);
    expect((await s.get('/fhir/Observation/o-sud', s.tokens.chen)).status).toBe(404);
    await s.seed(SOURCE_A, [obs('o-sud', 'pa-1', '4548-4')]);
    expect((await s.get('/fhir/Observation/o-sud/_history/1', s.tokens.chen)).status).toBe(404);
    expect((await s.get('/fhir/Observation/o-sud/_history/1', s.tokens.payer)).status).toBe(404);
  });
  it("a version that was Olga's is not Maria's, whichever of Maria's linked ids her token carries", async () => {
    await s.seed(SOURCE_A, [obs('o-mv', 'pb-1', '4548-4')]);
    // Re-filed under Maria's record at the same source (a source files only under its own records).
    await s.seed(SOURCE_A, [obs('o-mv', 'pa-1', '4548-4')]);
    expect((await s.get('/fhir/Observation/o-mv/_history/2', s.tokens.maria)).status).toBe(200);
    expect((await s.get('/fhir/Observation/o-mv/_history/1', s.tokens.maria)).status).toBe(404);
    expect((await s.get('/fhir/Observation/o-mv/_history/1', s.tokens.daniel)).status).toBe(404);
  });
});
