import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Patient } from '../../src/fhir/types.js';
import { decideLink, demographicKey, matchKeys, normaliseName } from '../../src/matching/index.js';

const maria = (name: Record<string, unknown>, extra: Partial<Patient> = {}): Patient =>
  ({ resourceType: 'Patient', name: [name], birthDate: '1968-04-12', gender: 'female', address: [{ postalCode: '48911' }], ...extra }) as Patient;

describe('demographic key', () => {
  it('is the same across case, accents, hyphens, middle names and ZIP+4', () => {
    const a = demographicKey(maria({ family: 'Garcia-López', given: ['María', 'Elena'] }));
    const b = demographicKey(maria({ family: 'GARCIA LOPEZ', given: ['  Maria E'] }, { address: [{ postalCode: '48911-2204' }] }));
    expect(a).toBeDefined();
    expect(b).toBe(a);
  });

  it('differs when birth date, sex, ZIP or given name differ', () => {
    const base = demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }));
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }, { birthDate: '1968-04-13' }))).not.toBe(base);
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }, { gender: 'male' }))).not.toBe(base);
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }, { address: [{ postalCode: '48912' }] }))).not.toBe(base);
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Marta'] }))).not.toBe(base);
  });

  it('is absent when any part is missing, so partial records never link on demographics', () => {
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }, { address: [] }))).toBeUndefined();
    expect(demographicKey(maria({ family: 'Alvarez' }))).toBeUndefined();
    expect(demographicKey(maria({ family: 'Alvarez', given: ['Maria'] }, { birthDate: '1968' }))).toBeUndefined();
  });

  it('normalisation ignores case and combining accents for any name (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (s) => {
        const n = normaliseName(s);
        expect(n).toMatch(/^[a-z]*$/);
        expect(normaliseName(s.toUpperCase())).toBe(normaliseName(s.toLowerCase()));
        expect(normaliseName(s.normalize('NFD'))).toBe(n);
      }),
    );
  });
});

describe('decideLink', () => {
  const ssn = { system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-11-2222' };

  it('links on a shared identifier before demographics, and says which system matched without the value', () => {
    const keys = matchKeys(maria({ family: 'Alvarez', given: ['Maria'] }, { identifier: [ssn] }));
    const index = new Map([
      [keys.find((k) => k.rule === 'demographics')!.key, 'person-by-demographics'],
      [`identifier|${ssn.system}|${ssn.value}`, 'person-by-ssn'],
    ]);
    const link = decideLink('p2', keys, (k) => index.get(k));
    expect(link).toMatchObject({ personId: 'person-by-ssn', rule: 'identifier' });
    expect(link.reason).toContain(ssn.system);
    expect(link.reason).not.toContain(ssn.value);
  });

  it('falls back to demographics, then to a new person named after the record', () => {
    const keys = matchKeys(maria({ family: 'Alvarez', given: ['Maria'] }));
    const demo = keys.find((k) => k.rule === 'demographics')!.key;
    expect(decideLink('p3', keys, (k) => (k === demo ? 'person-1' : undefined))).toMatchObject({ personId: 'person-1', rule: 'demographics' });
    expect(decideLink('p4', keys, () => undefined)).toEqual({ patientId: 'p4', personId: 'p4', rule: 'new', reason: 'no identifier or demographic match' });
  });

  it('never links on an identifier without both system and value', () => {
    const keys = matchKeys(maria({}, { identifier: [{ value: '123' }, { system: 'urn:x' }] }));
    expect(keys.filter((k) => k.rule === 'identifier')).toEqual([]);
  });
});
