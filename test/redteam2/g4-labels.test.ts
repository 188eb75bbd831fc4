/** Guarantee 4: sensitive data is labelled the way real feeds send it; nothing visible points at something hidden. */
import { beforeEach, describe, expect, it } from 'vitest';
import { scenario } from '../helpers/scenario.js';
import { putEntry, SOURCE_A, type Scenario } from './helpers.js';

let s: Scenario;
beforeEach(async () => {
  s = await scenario();
  expect((await s.get('/fhir/Condition/c-oud', s.tokens.chen)).status).toBe(404); // Part 2 closed to Dr Chen by default
  expect((await s.get('/fhir/Condition/c-diabetes', s.tokens.chen)).status).toBe(200);
});
const subj = { reference: 'Patient/pa-1' };
const meta = { source: SOURCE_A };
const labelsOf = (type: string, id: string) =>
  ((s.db.sqlite.prepare('select security from resources where type = ? and id = ?').pluck().get(type, id) as string | undefined) ?? '').trim().split(' ');
const cond = (id: string, code: object) => putEntry({ resourceType: 'Condition', id, meta, subject: subj, code, recordedDate: '2025-03-01' });

describe('G4 codes as real feeds send them', () => {
  const variants: [string, object][] = [
    ['lower-case ICD-10-CM', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'f11.20' }] }],
    ['ICD without dot', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F1120' }] }],
    ['ICD-10-CM OID', { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.90', code: 'F11.20' }] }],
    ['ICD-10-CM system in upper case, trailing slash', { coding: [{ system: 'HTTP://HL7.ORG/FHIR/SID/ICD-10-CM/', code: 'F11.20' }] }],
    ['WHO ICD-10', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10', code: 'F11.2' }] }],
    ['WHO ICD-10 OID', { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.3', code: 'F10.2' }] }],
    ['text only', { text: 'Opioid use disorder, severe, in early remission' }],
    ['local code with display', { coding: [{ system: 'urn:oid:1.2.3.4.local', code: 'X1', display: 'Alcohol dependence' }] }],
    ['unsystemed code with display', { coding: [{ code: 'OUD', display: 'opioid dependence' }] }],
    ['text in upper case', { text: 'OPIOID USE DISORDER' }],
  ];
  for (const [name, code] of variants)
    it(`Condition coded as ${name} is Part 2 and withheld`, async () => {
      await s.seed(SOURCE_A, [cond('c-var', code)]);
      expect(labelsOf('Condition', 'c-var')).toContain('42CFRPart2');
      expect((await s.get('/fhir/Condition/c-var', s.tokens.chen)).status).toBe(404);
    });
  // R4's code has no leading or trailing whitespace: such a feed is refused at the edge, so no
  // unlabelled copy is stored.
  it('Condition coded as ICD with spaces is refused, so nothing unlabelled is stored', async () => {
    await expect(s.seed(SOURCE_A, [cond('c-spaces', { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: ' F11.20 ' }] })])).rejects.toThrow(
      /coding\[0\]\.code is not a valid code/,
    );
    expect((await s.get('/fhir/Condition/c-spaces', s.tokens.chen)).status).toBe(404);
  });

  const meds: [string, object][] = [
    ['RxNorm buprenorphine ingredient', { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1819' }] }],
    [
      'RxNorm SCD by name',
      { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '1010600', display: 'buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet' }] },
    ],
    ['RxNorm OID methadone', { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.88', code: '6813' }] }],
    ['brand name text only', { text: 'Suboxone 8mg/2mg film' }],
  ];
  for (const [name, med] of meds)
    it(`MedicationRequest ${name} is Part 2 and withheld`, async () => {
      await s.seed(SOURCE_A, [
        putEntry({
          resourceType: 'MedicationRequest',
          id: 'mr-var',
          meta,
          status: 'active',
          intent: 'order',
          subject: subj,
          medicationCodeableConcept: med,
          authoredOn: '2025-03-01',
        }),
      ]);
      expect(labelsOf('MedicationRequest', 'mr-var')).toContain('42CFRPart2');
      expect((await s.get('/fhir/MedicationRequest/mr-var', s.tokens.chen)).status).toBe(404);
    });

  it('an antiretroviral is HIV-labelled (RxNorm display)', async () => {
    await s.seed(SOURCE_A, [
      putEntry({
        resourceType: 'MedicationRequest',
        id: 'mr-arv',
        meta,
        status: 'active',
        intent: 'order',
        subject: subj,
        medicationCodeableConcept: {
          coding: [
            {
              system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
              code: '1999563',
              display: 'bictegravir 50 MG / emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral Tablet',
            },
          ],
        },
        authoredOn: '2025-03-01',
      }),
    ]);
    expect(labelsOf('MedicationRequest', 'mr-arv')).toContain('HIV');
  });

  for (const [name, code] of [
    ['HCPCS H0020', { system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'H0020' }],
    ['HCPCS lower case h0005', { system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'h0005' }],
    ['OTP G2067 via OID', { system: 'urn:oid:2.16.840.1.113883.6.285', code: 'G2067' }],
  ] as const)
    it(`Procedure ${name} is Part 2`, async () => {
      await s.seed(SOURCE_A, [
        putEntry({
          resourceType: 'Procedure',
          id: 'pr-var',
          meta,
          status: 'completed',
          subject: subj,
          code: { coding: [code] },
          performedDateTime: '2025-03-01',
        }),
      ]);
      expect(labelsOf('Procedure', 'pr-var')).toContain('42CFRPart2');
    });
});

describe('G4 nothing visible points at something hidden', () => {
  // Changed in issue 14: labels are inherited only from the sender's own records. Inheriting
  // this hospital Condition's Part 2 label let any source learn, by citing a record, whether it
  // was Part 2 (the label came back in its own write). A reader who may not see c-oud sees the
  // reference as withheld (the gate's dangling-reference rule); the EOB's own codes label it.
  it("an EOB citing another source's OUD Condition by reference is not labelled from it (the sender would learn the label)", async () => {
    await s.seed('https://payer-lakeshore.example.org/fhir', [
      putEntry({
        resourceType: 'ExplanationOfBenefit',
        id: 'eob-oud',
        meta: { source: 'https://payer-lakeshore.example.org/fhir' },
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
        use: 'claim',
        patient: { reference: 'Patient/pay-1' },
        created: '2025-03-01',
        insurer: { display: 'Lakeshore Health Plan' },
        provider: { display: 'A billing provider' },
        outcome: 'complete',
        insurance: [{ focal: true, coverage: { display: 'The member coverage' } }],
        diagnosis: [{ sequence: 1, diagnosisReference: { reference: 'https://hospital-a.example.org/fhir/Condition/c-oud' } }],
      }),
    ]);
    expect(labelsOf('ExplanationOfBenefit', 'eob-oud')).not.toContain('42CFRPart2');
  });

  it('an EOB coding F11.20 in diagnosisCodeableConcept is labelled', async () => {
    await s.seed('https://payer-lakeshore.example.org/fhir', [
      putEntry({
        resourceType: 'ExplanationOfBenefit',
        id: 'eob-oud2',
        meta: { source: 'https://payer-lakeshore.example.org/fhir' },
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
        use: 'claim',
        patient: { reference: 'Patient/pay-1' },
        created: '2025-03-01',
        insurer: { display: 'Lakeshore Health Plan' },
        provider: { display: 'A billing provider' },
        outcome: 'complete',
        insurance: [{ focal: true, coverage: { display: 'The member coverage' } }],
        diagnosis: [{ sequence: 1, diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F1120' }] } }],
      }),
    ]);
    expect(labelsOf('ExplanationOfBenefit', 'eob-oud2')).toContain('42CFRPart2');
  });

  it('an Observation recorded at an Encounter sent later, which turns out to be an OTP visit, is withheld', async () => {
    await s.seed(SOURCE_A, [
      putEntry({
        resourceType: 'Observation',
        id: 'o-vitals',
        meta,
        status: 'final',
        subject: subj,
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        encounter: { reference: 'Encounter/e-otp' },
        effectiveDateTime: '2025-03-01T10:00:00Z',
      }),
    ]);
    await s.seed(SOURCE_A, [
      putEntry({
        resourceType: 'Encounter',
        id: 'e-otp',
        meta,
        status: 'finished',
        class: { code: 'AMB' },
        subject: subj,
        type: [{ coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code: 'H0020' }] }],
        period: { start: '2025-03-01T09:00:00Z' },
      }),
    ]);
    expect((await s.get('/fhir/Encounter/e-otp', s.tokens.chen)).status).toBe(404);
    // The issue allows either: the referring resource withheld too, or its reference to the hidden one removed.
    const res = await s.get('/fhir/Observation/o-vitals', s.tokens.chen);
    if (res.status !== 404) expect(await res.text()).not.toContain('e-otp');
  });

  it('an Encounter later updated to cite the OUD diagnosis relabels what was recorded at it', async () => {
    const enc = (diagnosis?: object[]) =>
      putEntry({
        resourceType: 'Encounter',
        id: 'e-later',
        meta,
        status: 'finished',
        class: { code: 'AMB' },
        subject: subj,
        period: { start: '2025-03-02T09:00:00Z' },
        ...(diagnosis ? { diagnosis } : {}),
      });
    await s.seed(SOURCE_A, [
      enc(),
      putEntry({
        resourceType: 'Observation',
        id: 'o-at-later',
        meta,
        status: 'final',
        subject: subj,
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        encounter: { reference: 'Encounter/e-later' },
        effectiveDateTime: '2025-03-02T10:00:00Z',
      }),
    ]);
    await s.seed(SOURCE_A, [enc([{ condition: { reference: 'Condition/c-oud' } }])]);
    expect((await s.get('/fhir/Encounter/e-later', s.tokens.chen)).status).toBe(404);
    // The issue allows either: the referring resource withheld too, or its reference to the hidden one removed.
    const res = await s.get('/fhir/Observation/o-at-later', s.tokens.chen);
    if (res.status !== 404) expect(await res.text()).not.toContain('e-later');
  });

  for (const [type, extra] of [
    [
      'MedicationRequest',
      {
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: 'ibuprofen 200 mg' },
        reasonReference: [{ reference: 'Condition/c-oud' }],
        authoredOn: '2025-03-01',
      },
    ],
    [
      'Procedure',
      { status: 'completed', code: { text: 'wound dressing' }, reasonReference: [{ reference: 'Condition/c-oud' }], performedDateTime: '2025-03-01' },
    ],
    ['Encounter', { status: 'finished', class: { code: 'AMB' }, reasonReference: [{ reference: 'Condition/c-oud' }], period: { start: '2025-03-01' } }],
    ['DiagnosticReport', { status: 'final', code: { text: 'panel' }, result: [{ reference: 'Observation/o-hiv' }], effectiveDateTime: '2025-03-10' }],
    [
      'Observation',
      {
        status: 'final',
        code: { text: 'note' },
        derivedFrom: [{ reference: 'Condition/c-oud' }],
        hasMember: [{ reference: 'Observation/o-hiv' }],
        effectiveDateTime: '2025-03-10',
      },
    ],
  ] as const)
    it(`a visible ${type} does not point at hidden c-oud / o-hiv`, async () => {
      await s.seed(SOURCE_A, [putEntry({ resourceType: type, id: 'x-pointer', meta, subject: subj, ...extra } as never)]);
      const r = await s.get(`/fhir/${type}/x-pointer`, s.tokens.chen);
      if (r.status === 200) {
        const text = await r.text();
        const hiddenOud = (await s.get('/fhir/Condition/c-oud', s.tokens.chen)).status === 404;
        const hiddenHiv = (await s.get('/fhir/Observation/o-hiv', s.tokens.chen)).status === 404;
        if (hiddenOud) expect(text.includes('Condition/c-oud'), 'points at hidden Condition/c-oud').toBe(false);
        if (hiddenHiv) expect(text.includes('Observation/o-hiv'), 'points at hidden Observation/o-hiv').toBe(false);
      }
    });
});
