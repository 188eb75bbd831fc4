/**
 * Holes a third attacker found by hand against a running gateway (npm start, curl), kept as
 * tests: codes in the wrong shape, a versioned reference to a hidden diagnosis, "withheld" telling
 * a hidden resource from a missing one, a hospital writing Coverage, a Consent nested two deep.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { bundle, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';
import { sourceClaims } from '../helpers/tokens.js';

type Scenario = Awaited<ReturnType<typeof scenario>>;
let s: Scenario;
let hospital: string;
beforeEach(async () => {
  s = await scenario();
  hospital = await s.issuer.mint({
    ...sourceClaims(SOURCE_A, 'system/*.cu'),
    sub: 'hospital-a',
    client_id: 'hospital-a',
    organization: 'Organization/hospital-a-org',
  });
});
const post = (entries: object[]) => s.send('POST', '/fhir', hospital, bundle('transaction', entries, SOURCE_A));
const condition = (id: string, fields: object) =>
  putEntry({ resourceType: 'Condition', id, meta: { source: SOURCE_A }, subject: { reference: 'Patient/pa-1' }, ...fields });
const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

describe('codes in the wrong shape are refused, not stored unlabelled', () => {
  const shapes: [string, object][] = [
    ['code as bare words', { code: 'opioid use disorder' }],
    ['coding as an object', { code: { coding: { system: ICD, code: 'F11.20' } } }],
    ['a Coding code as a list', { code: { coding: [{ system: ICD, code: ['F11.20'] }] } }],
    ['concept text as a list', { code: { text: ['opioid use disorder'] } }],
  ];
  for (const [name, fields] of shapes)
    it(name, async () => {
      const res = await post([condition('c-odd', fields)]);
      expect(res.status).toBe(400);
      expect((await s.get('/fhir/Condition/c-odd', s.tokens.maria)).status).toBe(404);
    });
});

describe('nothing visible points at something hidden, however it is referred to', () => {
  const medication = (reason: string) =>
    putEntry({
      resourceType: 'MedicationRequest',
      id: 'mr-1',
      meta: { source: SOURCE_A },
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: 'metformin 500 mg tablet' },
      subject: { reference: 'Patient/pa-1' },
      reasonReference: [{ reference: reason }],
    });

  it('a versioned reference to the hidden Part 2 diagnosis is withheld too', async () => {
    expect((await post([medication('Condition/c-oud/_history/1')])).status).toBe(200);
    const text = await (await s.get('/fhir/MedicationRequest/mr-1', s.tokens.chen)).text();
    expect(text).not.toContain('c-oud');
  });

  it('a reference to something that does not exist looks the same as one to something hidden', async () => {
    expect((await post([medication('Condition/c-oud')])).status).toBe(200);
    const hidden = JSON.parse(await (await s.get('/fhir/MedicationRequest/mr-1', s.tokens.chen)).text()).reasonReference;
    expect((await post([medication('Condition/never-was')])).status).toBe(200);
    const missing = JSON.parse(await (await s.get('/fhir/MedicationRequest/mr-1', s.tokens.chen)).text()).reasonReference;
    expect(missing).toEqual(hidden);
    // The patient herself sees her record as it was sent.
    expect(await (await s.get('/fhir/MedicationRequest/mr-1', s.tokens.maria)).text()).toContain('Condition/never-was');
  });
});

describe('what sources may write', () => {
  it('a hospital cannot write a Coverage even naming its own organization: only payers can', async () => {
    // Mercy is a registered source (not a payer), writing for its own patient record.
    const MERCY = 'https://hosp-mercy.example.org/fhir';
    const mercy = await s.issuer.mint({
      ...sourceClaims(MERCY, 'system/*.cu'),
      sub: 'hosp-mercy',
      client_id: 'hosp-mercy',
      organization: 'Organization/hosp-mercy-org',
    });
    const res = await s.send(
      'POST',
      '/fhir',
      mercy,
      bundle(
        'transaction',
        [
          putEntry({ resourceType: 'Patient', id: 'mercy-p1', meta: { source: MERCY }, name: [{ family: 'Q' }] }),
          putEntry({
            resourceType: 'Coverage',
            id: 'cov-h',
            meta: { source: MERCY },
            status: 'active',
            beneficiary: { reference: 'Patient/mercy-p1' },
            payor: [{ reference: 'Organization/hosp-mercy-org' }],
          }),
        ],
        MERCY,
      ),
    );
    expect(res.status).toBe(403);
    expect((await res.json()).issue[0].diagnostics).toMatch(/payer/);
  });

  it('a Consent contained two levels deep is refused', async () => {
    const consent = { resourceType: 'Consent', id: 'forged', status: 'active', patient: { reference: 'Patient/pa-1' } };
    const res = await post([
      putEntry({
        resourceType: 'Observation',
        id: 'o-nest',
        meta: { source: SOURCE_A },
        status: 'final',
        subject: { reference: 'Patient/pa-1' },
        code: { text: 'x' },
        contained: [{ resourceType: 'Provenance', id: 'p', contained: [consent] }],
      }),
    ]);
    // 400 at the edge today (R4 forbids a contained resource to contain another, dom-2, and
    // only stored types may be contained); 403 where a source's write of a Consent is caught.
    expect([400, 403]).toContain(res.status);
  });
});
