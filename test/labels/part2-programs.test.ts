/** A source flagged as a 42 CFR Part 2 program: everything it sends is Part 2, whatever the codes. */
import { describe, expect, it } from 'vitest';
import { compileCodeLists, defaultCodeLists, mergeLabels, sensitiveCategories, type SensitivityCodeLists } from '../../src/labels/index.js';
import codeListsJson from '../../policies/sensitivity-codes.json' with { type: 'json' };
import programsJson from '../../policies/part2-programs.json' with { type: 'json' };

const OTP = 'https://otp.lakeside-recovery.example.org/fhir';
const lists = compileCodeLists(codeListsJson as unknown as SensitivityCodeLists, {
  ...programsJson,
  programs: [{ source: OTP, name: 'Lakeside Recovery OTP', designatedBy: 'test', since: '2026-01-01' }],
});
const vitals = { resourceType: 'Observation', code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] } };

describe('Part 2 programs', () => {
  it('labels an ordinary resource from a flagged source as Part 2', () => {
    expect(mergeLabels(undefined, sensitiveCategories(vitals, lists, OTP), lists).map((c) => c.code)).toEqual(['ETH', '42CFRPart2', 'R']);
  });

  it('matches the source URI however it is spelled (case of scheme and host, trailing slash)', () => {
    expect([...sensitiveCategories(vitals, lists, 'HTTPS://otp.Lakeside-Recovery.example.org/fhir/')]).toEqual(['sud']);
  });

  it('leaves other sources alone', () => {
    expect(sensitiveCategories(vitals, lists, 'https://hospital-a.example.org/fhir').size).toBe(0);
    expect(sensitiveCategories(vitals, defaultCodeLists, OTP).size).toBe(0);
  });

  it('refuses a program list that names no source', () => {
    expect(() => compileCodeLists(codeListsJson as unknown as SensitivityCodeLists, { ...programsJson, programs: [{ name: 'x' } as never] })).toThrow(/source/);
  });
});
