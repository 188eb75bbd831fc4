/**
 * Red team (issue 15): the digest told of a consented Part 2 admission without the Part 2 label or
 * the 42 CFR 2.32 redisclosure notice that the push for the same stay carries.
 */
import { expect, it } from 'vitest';
import { putEntry, SOURCE_A } from '../helpers/fhir.js';
import { consentFor, scenario } from '../helpers/scenario.js';

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const today = new Date().toISOString().slice(0, 10);

it('a consented Part 2 admission in the digest carries the Part 2 label and the redisclosure notice, as its push does', async () => {
  const s = await scenario();
  await s.oakwoodRoster();
  const olga = s.tokens.olga;
  const res = await s.consent(
    'olga-oak-sud',
    olga,
    consentFor(
      'olga-oak-sud',
      {
        type: 'permit',
        actor: [{ role: { text: 'recipient' }, reference: { reference: 'Organization/clinic-oak-org' } }],
        securityLabel: [{ system: ACT, code: '42CFRPart2' }],
      },
      { patient: { reference: 'Patient/pb-1' } },
    ),
  );
  expect(res.status).toBeLessThan(300);
  await s.seed(SOURCE_A, [
    putEntry({
      resourceType: 'Encounter',
      id: 'enc-sud',
      meta: { source: SOURCE_A },
      status: 'in-progress',
      class: { system: ACT, code: 'IMP' },
      subject: { reference: 'Patient/pb-1' },
      period: { start: `${today}T00:30:00Z` },
      reasonCode: [{ coding: [{ system: ICD, code: 'F11.20' }], text: 'opioid use disorder' }],
    }),
  ]);
  const oak = await s.issuer.mint({
    sub: 'clinic-oak',
    client_id: 'clinic-oak',
    client_kind: 'source',
    organization: 'Organization/clinic-oak-org',
    dua: 'dua-clinic-oak',
    scope: 'system/List.rs',
    purpose_of_use: ['TREAT'],
  });
  const r = await s.get(`/fhir/Organization/clinic-oak-org/$adt-digest?date=${today}`, oak);
  const list = await r.json();
  const text = JSON.stringify(list);
  expect(text).toContain('Encounter/enc-sud'); // it is told
  expect(text, 'Part 2 label').toContain('42CFRPart2');
  expect(text, 'redisclosure notice').toContain('42 CFR part 2');
});
