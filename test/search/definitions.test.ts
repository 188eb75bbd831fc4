import { describe, expect, it } from 'vitest';
import { searchParamsOf } from '../../src/search/definitions.js';
import { parseSearch } from '../../src/search/params.js';
import { COMPARTMENT_TYPES, RESOURCE_TYPES } from '../../src/store/search-values.js';

const SAMPLE = { token: 'http://loinc.org|4548-4', date: 'ge2025-01-01', reference: 'Patient/pa-1', string: 'oak' } as const;
const ALL_MODIFIERS = ['missing', 'not', 'text', 'exact', 'contains', 'below', 'above', 'in', 'not-in', 'of-type', 'identifier', 'Patient', 'iterate'];

describe('searchParamsOf: what the CapabilityStatement can claim', () => {
  it('declares each parameter with an R4 definition and never claims patient on directory types', () => {
    for (const type of Object.keys(RESOURCE_TYPES)) {
      const params = searchParamsOf(type);
      expect(params.map((p) => p.name).slice(0, 2), type).toEqual(['_id', '_lastUpdated']);
      for (const p of params) expect(p.definition, `${type}.${p.name}`).toMatch(/^http:\/\/hl7\.org\/fhir\/SearchParameter\/[A-Za-z-]+$/);
      const names = params.map((p) => p.name);
      expect(new Set(names).size, type).toBe(names.length);
      if (['Organization', 'Practitioner', 'PractitionerRole', 'Location'].includes(type)) expect(names, type).not.toContain('patient');
      else if (type !== 'Patient' && type !== 'Group') expect(COMPARTMENT_TYPES.includes(type) && names.includes('patient'), type).toBe(true);
    }
    expect(searchParamsOf('Spaceship')).toEqual([]);
    expect(searchParamsOf('Observation').find((p) => p.name === 'code')?.modifiers).toEqual(['missing', 'not', 'text']);
    expect(searchParamsOf('Organization').find((p) => p.name === 'name')?.modifiers).toEqual(['missing', 'exact', 'contains']);
  });

  it('the parser accepts every declared parameter and modifier, and refuses every other modifier, strict or not', () => {
    for (const type of Object.keys(RESOURCE_TYPES)) {
      for (const p of searchParamsOf(type)) {
        const value = p.name === '_id' ? 'pa-1' : p.field === 'status' ? 'final' : SAMPLE[p.type];
        for (const strict of [false, true]) {
          const ok = parseSearch(new URLSearchParams([[p.name, value]]), { strict, type });
          expect(Array.isArray(ok) ? ok : [], `${type}?${p.name}=${value}`).toEqual([]);
          for (const m of ALL_MODIFIERS) {
            const v = m === 'missing' ? 'true' : value;
            const parsed = parseSearch(new URLSearchParams([[`${p.name}:${m}`, v]]), { strict, type });
            if ((p.modifiers as readonly string[]).includes(m)) expect(Array.isArray(parsed) ? parsed : [], `${type}?${p.name}:${m}`).toEqual([]);
            else expect(Array.isArray(parsed) && parsed[0]?.expression, `${type}?${p.name}:${m}`).toBe(`${p.name}:${m}`);
          }
        }
      }
    }
  });

  it('an undeclared parameter: ignored and not applied when lenient, refused when strict; with a modifier, always refused', () => {
    const lenient = parseSearch(new URLSearchParams('patient=pa-1&flavour=mint'), { strict: false, type: 'Organization' });
    expect(Array.isArray(lenient) ? lenient : lenient.applied).toEqual([]);
    expect(parseSearch(new URLSearchParams('patient=pa-1'), { strict: true, type: 'Organization' })).toMatchObject([{ expression: 'patient' }]);
    expect(parseSearch(new URLSearchParams('flavour:not=mint'), { strict: false, type: 'Observation' })).toMatchObject([{ expression: 'flavour:not' }]);
  });

  it('malformed values are 400s naming the parameter', () => {
    for (const q of [
      'code=|',
      'code=a|b|c',
      'code=',
      'code:missing=maybe',
      'date=ap',
      'date=xx2025',
      'status=FINAL',
      '_elements=a.b',
      '_summary=text',
      '_count=-1',
      'patient=a,b',
    ]) {
      const parsed = parseSearch(new URLSearchParams(q), { strict: false, type: 'Observation' });
      expect(Array.isArray(parsed) && parsed[0]?.expression, q).toBe(q.split('=')[0]);
    }
  });

  it('escapes: a backslash keeps a comma or bar inside a value', () => {
    const q = parseSearch(new URLSearchParams('code=a\\,b,c\\|d'), { strict: false, type: 'Observation' });
    expect(Array.isArray(q) ? q : q.tokens).toEqual([{ param: 'code', anyOf: [{ code: 'a,b' }, { code: 'c|d' }] }]);
  });
});
