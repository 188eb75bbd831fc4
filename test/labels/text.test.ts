/** Text-only entries: a CodeableConcept with only text, or codings without a system, labelled by the reviewed term list. */
import { describe, expect, it } from 'vitest';
import { defaultCodeLists, sensitiveCategories } from '../../src/labels/index.js';

const categories = (resource: unknown) => [...sensitiveCategories(resource, defaultCodeLists)].sort();
const textCondition = (text: string) => ({ resourceType: 'Condition', code: { text } });

describe('text-only entries', () => {
  it('labels a CodeableConcept with only text by whole terms, in any case', () => {
    expect(categories(textCondition('Opioid use disorder, moderate'))).toEqual(['sud']);
    expect(categories(textCondition('on METHADONE maintenance'))).toEqual(['sud']);
    expect(categories({ resourceType: 'MedicationStatement', medicationCodeableConcept: { text: 'Suboxone 8/2 SL film' } })).toEqual(['sud']);
    expect(categories(textCondition('HIV-1 infection'))).toEqual(['hiv']);
    expect(categories(textCondition('Human immunodeficiency virus disease'))).toEqual(['hiv']);
  });

  it('reads codings without a system, and local codes, by their display', () => {
    expect(categories({ resourceType: 'Condition', code: { coding: [{ code: 'OUD', display: 'Opioid dependence' }] } })).toEqual(['sud']);
    expect(categories({ resourceType: 'Condition', code: { coding: [{ system: 'urn:local:dx', code: '77', display: 'Schizophrenia' }] } })).toEqual(['bh']);
  });

  it('errs toward labelling: a negated mention is still labelled', () => {
    expect(categories(textCondition('no HIV'))).toEqual(['hiv']);
  });

  it('avoids the false positives a substring match would make', () => {
    expect(categories(textCondition('hearing aids fitted'))).toEqual([]);
    expect(categories(textCondition('archived result'))).toEqual([]);
    expect(categories(textCondition('naloxone nasal spray dispensed'))).toEqual([]);
    expect(categories(textCondition('ST depression on ECG'))).toEqual([]);
    expect(categories(textCondition('alcohol swab'))).toEqual([]);
    expect(categories(textCondition('oxycodone 5 mg for post-operative pain'))).toEqual([]);
  });

  it('trusts an ICD-10 code over its text: a family history is not the patient’s disorder', () => {
    const familyHistory = {
      resourceType: 'Condition',
      code: {
        coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z81.1', display: 'Family history of alcohol abuse and dependence' }],
        text: 'Family history of alcoholism',
      },
    };
    expect(categories(familyHistory)).toEqual([]);
  });
});
