import { describe, expect, it } from 'vitest';
import { defaultCodeLists, mergeLabels, sensitiveCategories } from '../../src/labels/index.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const SCT = 'http://snomed.info/sct';
const codes = (resource: unknown) => mergeLabels(undefined, sensitiveCategories(resource, defaultCodeLists), defaultCodeLists).map((c) => c.code);
const condition = (system: string, code: string) => ({ resourceType: 'Condition', code: { coding: [{ system, code }] } });

describe('sensitivity labels', () => {
  it('labels substance use disorder as ETH and 42 CFR Part 2, restricted', () => {
    expect(codes(condition(ICD, 'F11.20'))).toEqual(['ETH', '42CFRPart2', 'R']);
    expect(codes(condition(SCT, '5602001'))).toEqual(['ETH', '42CFRPart2', 'R']);
  });

  it('labels HIV, behavioural health and sexual and reproductive health', () => {
    expect(codes(condition(ICD, 'B20'))).toEqual(['HIV', 'R']);
    expect(codes({ resourceType: 'Observation', code: { coding: [{ system: 'http://loinc.org', code: '20447-9' }] } })).toEqual(['HIV', 'R']);
    expect(codes(condition(ICD, 'F32.9'))).toEqual(['PSY', 'BH', 'R']);
    expect(codes(condition(ICD, 'Z34.90'))).toEqual(['SEX', 'R']);
    expect(codes(condition(ICD, 'A56.09'))).toEqual(['SEX', 'R']);
  });

  it('leaves ordinary data unlabelled', () => {
    expect(codes(condition(ICD, 'E11.9'))).toEqual([]);
    expect(codes(condition(ICD, 'I10'))).toEqual([]);
    // F-codes outside the lists (e.g. F01 vascular dementia) are not behavioural-health labelled by prefix accident.
    expect(codes(condition(ICD, 'F01.50'))).toEqual([]);
  });

  it('finds codes anywhere in the resource, e.g. a claim diagnosis or an encounter reason', () => {
    const eob = { resourceType: 'ExplanationOfBenefit', diagnosis: [{ diagnosisCodeableConcept: { coding: [{ system: ICD, code: 'F10.20' }] } }] };
    expect(codes(eob)).toContain('42CFRPart2');
    const encounter = { resourceType: 'Encounter', reasonCode: [{ coding: [{ system: ICD, code: 'F41.1' }] }] };
    expect(codes(encounter)).toContain('PSY');
  });

  it('keeps what the source sent, adds ours once, and ignores codes inside meta', () => {
    const sent = [
      { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' },
      { system: 'urn:local', code: 'VIP' },
    ];
    const merged = mergeLabels(sent, sensitiveCategories(condition(ICD, 'B20'), defaultCodeLists), defaultCodeLists);
    expect(merged.map((c) => c.code)).toEqual(['R', 'VIP', 'HIV']);
    expect(sensitiveCategories({ resourceType: 'Patient', meta: { security: [{ system: ICD, code: 'B20' }] } }, defaultCodeLists).size).toBe(0);
  });
});
