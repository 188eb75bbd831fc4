/**
 * Attacks on the labeller, as a sloppy or dishonest source sends them: the same Part 2, HIV,
 * behavioural-health and reproductive-health facts as the code lists name, in the spellings real
 * feeds use. Each of these went out unlabelled before codes were normalised and the lists grew.
 */
import { describe, expect, it } from 'vitest';
import { defaultCodeLists, mergeLabels, sensitiveCategories } from '../../src/labels/index.js';

const categories = (resource: unknown) => [...sensitiveCategories(resource, defaultCodeLists)].sort();
const codes = (resource: unknown) => mergeLabels(undefined, sensitiveCategories(resource, defaultCodeLists), defaultCodeLists).map((c) => c.code);
const condition = (system: string, code: string) => ({ resourceType: 'Condition', code: { coding: [{ system, code }] } });
const medication = (system: string, code: string, display?: string) => ({
  resourceType: 'MedicationRequest',
  medicationCodeableConcept: { coding: [{ system, code, ...(display ? { display } : {}) }] },
});
const claimLine = (system: string, code: string) => ({ resourceType: 'Claim', item: [{ sequence: 1, productOrService: { coding: [{ system, code }] } }] });

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const HCPCS = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
const CPT = 'http://www.ama-assn.org/go/cpt';
const LOINC = 'http://loinc.org';

describe('codes are normalised before matching', () => {
  it('finds ICD-10-CM under its OID, without the dot, in lower case and with spaces', () => {
    expect(categories(condition('urn:oid:2.16.840.1.113883.6.90', 'F11.20'))).toEqual(['sud']);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10-cm', 'F1120'))).toEqual(['sud']);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10-cm', 'f11.20'))).toEqual(['sud']);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10-cm', ' b20 '))).toEqual(['hiv']);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10-cm', 'O987'))).toEqual(['hiv', 'srh']);
  });

  it('maps WHO ICD-10 (canonical URI and OID) onto the ICD-10-CM category prefixes', () => {
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10', 'F11.2'))).toEqual(['sud']);
    expect(categories(condition('urn:oid:2.16.840.1.113883.6.3', 'F102'))).toEqual(['sud']);
    // WHO splits HIV disease over B20-B24 where ICD-10-CM has only B20: the WHO-only categories are listed for WHO.
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10', 'B24'))).toEqual(['hiv']);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10-cm', 'B24'))).toEqual([]);
    expect(categories(condition('http://hl7.org/fhir/sid/icd-10', 'B20.1'))).toEqual(['hiv']);
  });

  it('finds SNOMED CT, LOINC, RxNorm and CPT under their OIDs and sloppy URIs', () => {
    expect(categories(condition('urn:oid:2.16.840.1.113883.6.96', '5602001'))).toEqual(['sud']);
    expect(categories(condition('https://snomed.info/sct/', '86406008'))).toEqual(['hiv']);
    expect(categories({ resourceType: 'Observation', code: { coding: [{ system: 'urn:oid:2.16.840.1.113883.6.1', code: '20447-9' }] } })).toEqual(['hiv']);
    expect(categories(medication('urn:oid:2.16.840.1.113883.6.88', '1819'))).toEqual(['sud']);
    expect(categories(claimLine('urn:oid:2.16.840.1.113883.6.12', '87389'))).toEqual(['hiv']);
  });

  it('leaves ordinary codes ordinary in every spelling', () => {
    for (const system of ['http://hl7.org/fhir/sid/icd-10-cm', 'urn:oid:2.16.840.1.113883.6.90', 'http://hl7.org/fhir/sid/icd-10']) {
      expect(categories(condition(system, 'E11.9'))).toEqual([]);
      expect(categories(condition(system, 'f01.50'))).toEqual([]);
    }
    expect(categories(medication(RXNORM, '861007'))).toEqual([]);
  });
});

describe('the code lists cover what real feeds send', () => {
  it('labels opioid-use-disorder medications as Part 2, by RxNorm ingredient', () => {
    for (const rxcui of ['1819', '6813', '7407']) expect(codes(medication(RXNORM, rxcui))).toEqual(['ETH', '42CFRPart2', 'R']);
  });

  it('does not label naloxone alone: an overdose-reversal kit is not substance use treatment', () => {
    expect(categories(medication(RXNORM, '7242', 'naloxone 4 MG/ACTUAT Nasal Spray'))).toEqual([]);
  });

  it('labels a clinical-drug RxCUI the lists do not enumerate by its display name', () => {
    expect(categories(medication(RXNORM, '351267', 'buprenorphine 8 MG / naloxone 2 MG Sublingual Tablet'))).toEqual(['sud']);
    expect(categories(medication(RXNORM, '1999667', 'bictegravir 50 MG / emtricitabine 200 MG / tenofovir alafenamide 25 MG Oral Tablet'))).toEqual(['hiv']);
  });

  it('labels antiretrovirals as HIV', () => {
    for (const rxcui of ['276237', '195085', '11413', '68244', '719872', '1433868']) expect(categories(medication(RXNORM, rxcui))).toEqual(['hiv']);
  });

  it('labels methadone administration and alcohol/drug services billed as HCPCS H-codes, in any case', () => {
    expect(codes(claimLine(HCPCS, 'H0020'))).toEqual(['ETH', '42CFRPart2', 'R']);
    expect(categories(claimLine(HCPCS, 'h0020'))).toEqual(['sud']);
    expect(categories(claimLine('urn:oid:2.16.840.1.113883.6.285', 'H0005'))).toEqual(['sud']);
    expect(categories(claimLine(HCPCS, 'H0050'))).toEqual(['sud']);
    // Mental-health H-codes are behavioural health, not Part 2; foster care is neither.
    expect(categories(claimLine(HCPCS, 'H0031'))).toEqual(['bh']);
    expect(categories(claimLine(HCPCS, 'H0041'))).toEqual([]);
  });

  it('labels opioid treatment program G-codes and buprenorphine J/Q-codes as Part 2', () => {
    for (const code of ['G2067', 'G2078', 'G2080', 'G2086', 'Q9991', 'J0572']) expect(categories(claimLine(HCPCS, code))).toEqual(['sud']);
    expect(categories(claimLine(HCPCS, 'G2082'))).toEqual(['bh']); // esketamine, not an OTP code despite the range
  });

  it('labels HIV tests by CPT and LOINC', () => {
    for (const code of ['86701', '86703', '87389', '87391', '87534', '87539']) expect(categories(claimLine(CPT, code))).toEqual(['hiv']);
    expect(categories({ resourceType: 'Observation', code: { coding: [{ system: LOINC, code: '56888-1' }] } })).toEqual(['hiv']);
  });
});
