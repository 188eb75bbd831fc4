/**
 * A large transaction gives the same result as a small one (found by the red team): a Coverage in an early planning step for a Patient record
 * that is sent (and linked to an existing person) in a later step. The Coverage's "membership
 * changed" bump (coverageChangedStatement) is SQL over patient_links run at commit in step order,
 * so it runs before the later step's link exists: the person's cached consent decisions are not
 * invalidated, and the payer keeps getting the old answer.
 */
import { describe, expect, it } from 'vitest';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';

const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';
const ssn = [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0077' }];

async function run(fillers: number) {
  const s = await scenario();
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
  // The payer asks first: not a member, and the decision is remembered.
  const before = (await s.get('/fhir/Condition/c-carl', s.tokens.payer)).status;
  const person = s.personOf('pc-1');
  const seqBefore = s.db.sqlite.prepare('select seq from consent_versions where patient_id = ?').pluck().get(person) as number | undefined;
  const entries: object[] = [
    putEntry({
      resourceType: 'Coverage',
      id: 'cov-carl',
      meta: { source: LAKESHORE },
      status: 'active',
      beneficiary: { reference: 'Patient/pay-carl' },
      payor: [{ reference: 'Organization/payer-lakeshore-org' }],
      period: { start: '2025-01-01' },
    }),
  ];
  for (let i = 0; i < fillers; i++)
    entries.push(putEntry({ resourceType: 'Organization', id: `filler-org-${i}`, meta: { source: LAKESHORE }, name: `Filler ${i}` }));
  entries.push(
    putEntry({
      resourceType: 'Patient',
      id: 'pay-carl',
      meta: { source: LAKESHORE },
      identifier: ssn,
      name: [{ family: 'Chu', given: ['Carl'] }],
      birthDate: '1961-02-03',
    }),
  );
  await s.seed(LAKESHORE, entries);
  expect(s.personOf('pay-carl')).toBe(person);
  const seqAfter = s.db.sqlite.prepare('select seq from consent_versions where patient_id = ?').pluck().get(person) as number | undefined;
  const after = (await s.get('/fhir/Condition/c-carl', s.tokens.payer)).status;
  return { before, after, bumped: seqAfter !== undefined && seqAfter !== seqBefore };
}

describe('a Coverage and its later-step Patient record', () => {
  it('small transaction (control): membership takes effect at the next request', async () => {
    const r = await run(10);
    expect(r.before).toBe(404);
    expect(r.bumped).toBe(true);
    expect(r.after).toBe(200);
  });

  it('large transaction (Patient in a later planning step): same answer as small', async () => {
    const r = await run(2500);
    expect(r.before).toBe(404);
    expect.soft(r.bumped, 'consent_versions of the person was not bumped by the Coverage write').toBe(true);
    expect(r.after, 'payer still gets the cached pre-Coverage answer').toBe(200);
  });
});
