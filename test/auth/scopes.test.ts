import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allows, intersect, parseScope, parseScopes, reach, reaches, within, type SmartScope } from '../../src/auth/scopes.js';

type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const ALL: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];
const perms = (scope: SmartScope | undefined) => (scope ? [...scope.permissions].sort() : undefined);

describe('parseScope', () => {
  it('parses SMART v2 scopes', () => {
    expect(parseScope('patient/Observation.rs')).toMatchObject({ context: 'patient', type: 'Observation' });
    expect(perms(parseScope('patient/Observation.rs'))).toEqual(['r', 's']);
    expect(parseScope('user/*.cruds')).toMatchObject({ context: 'user', type: '*' });
    expect(perms(parseScope('user/*.cruds'))).toEqual(['c', 'd', 'r', 's', 'u']);
    expect(parseScope('system/*.cu')).toMatchObject({ context: 'system', type: '*' });
    expect(perms(parseScope('system/*.cu'))).toEqual(['c', 'u']);
  });

  it('maps SMART v1 scopes onto v2 permissions', () => {
    expect(parseScope('patient/*.read')).toMatchObject({ context: 'patient', type: '*' });
    expect(perms(parseScope('patient/*.read'))).toEqual(['r', 's']);
    expect(parseScope('user/Observation.write')).toMatchObject({ context: 'user', type: 'Observation' });
    expect(perms(parseScope('user/Observation.write'))).toEqual(['c', 'd', 'u']);
    expect(perms(parseScope('system/Patient.*'))).toEqual(['c', 'd', 'r', 's', 'u']);
  });

  it('gives undefined for scopes that are not resource scopes', () => {
    for (const token of ['openid', 'fhirUser', 'launch/patient', 'launch', 'profile', 'offline_access', '']) {
      expect(parseScope(token), token).toBeUndefined();
    }
  });

  it('gives undefined for malformed resource scopes', () => {
    for (const token of [
      'patient/observation.rs', // resource type must start upper case
      'patient/*.sr', // permissions out of canonical order
      'patient/*.rr', // repeated permission
      'patient/*.', // no permissions
      'patient/*', // no permissions at all
      'other/*.rs', // unknown context
      'Patient/*.rs', // context is lower case
      'patient/*.rsx', // unknown permission
      'patient/*.readwrite',
      ' patient/*.rs', // stray whitespace
      'patient/*.rs\n',
      'patient/Obs-ervation.rs',
    ]) {
      expect(parseScope(token), JSON.stringify(token)).toBeUndefined();
    }
  });
});

describe('parseScopes', () => {
  it('keeps the resource scopes of a space-separated list and drops the rest', () => {
    const scopes = parseScopes('openid  fhirUser launch/patient patient/*.rs\tuser/Observation.read bogus/*.rs');
    expect(scopes.map((s) => `${s.context}/${s.type}`)).toEqual(['patient/*', 'user/Observation']);
  });

  it('gives no scopes for an empty or missing scope', () => {
    expect(parseScopes(undefined)).toEqual([]);
    expect(parseScopes('')).toEqual([]);
    expect(parseScopes('   ')).toEqual([]);
  });
});

describe('allows', () => {
  const scopes = parseScopes('patient/Observation.rs user/Condition.c');

  it('grants a permission on the named type, or on any type for *', () => {
    expect(allows(scopes, 'Observation', 'r')).toBe(true);
    expect(allows(scopes, 'Observation', 's')).toBe(true);
    expect(allows(scopes, 'Observation', 'c')).toBe(false);
    expect(allows(scopes, 'Patient', 'r')).toBe(false);
    expect(allows(scopes, 'Condition', 'c')).toBe(true);
    expect(allows(parseScopes('system/*.cu'), 'Anything', 'u')).toBe(true);
    expect(allows(parseScopes('system/*.cu'), 'Anything', 'r')).toBe(false);
  });

  it('only looks at the given contexts', () => {
    expect(allows(scopes, 'Observation', 'r', ['user', 'system'])).toBe(false);
    expect(allows(scopes, 'Observation', 'r', ['patient'])).toBe(true);
    expect(allows(scopes, 'Condition', 'c', ['patient'])).toBe(false);
  });

  it('allows nothing with no scopes', () => {
    expect(allows([], 'Observation', 'r')).toBe(false);
  });

  it('property: any canonical permission subset round-trips and allows exactly what it names', () => {
    const context = fc.constantFrom<SmartScope['context']>('patient', 'user', 'system');
    const type = fc.oneof(fc.constant('*'), fc.stringMatching(/^[A-Z][A-Za-z]{0,15}$/));
    const subset = fc.subarray([...ALL], { minLength: 1 }); // keeps the order: c r u d s
    fc.assert(
      fc.property(context, type, subset, fc.string({ unit: fc.constantFrom('A', 'B', 'c', 'x'), maxLength: 6 }), (ctx, t, granted, otherSuffix) => {
        const scope = parseScope(`${ctx}/${t}.${granted.join('')}`);
        expect(scope).toBeDefined();
        expect(scope!.context).toBe(ctx);
        expect(scope!.type).toBe(t);
        expect([...scope!.permissions].sort()).toEqual([...granted].sort());
        for (const p of ALL) {
          expect(allows([scope!], t === '*' ? 'Observation' : t, p)).toBe(granted.includes(p));
          expect(allows([scope!], t, p, [ctx])).toBe(granted.includes(p));
          // Other contexts never get it.
          expect(
            allows(
              [scope!],
              t,
              p,
              (['patient', 'user', 'system'] as const).filter((c) => c !== ctx),
            ),
          ).toBe(false);
        }
        // A named type does not reach another type.
        if (t !== '*') {
          const other = `Z${t}${otherSuffix}`;
          for (const p of ALL) expect(allows([scope!], other, p)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('granular scopes', () => {
  const OBS = 'http://terminology.hl7.org/CodeSystem/observation-category';
  const letters = fc.subarray([...ALL], { minLength: 1 }).map((ls) => ls.join(''));
  const context = fc.constantFrom<SmartScope['context']>('patient', 'user', 'system');
  const category = fc.record({ system: fc.constantFrom(OBS, 'http://example.org/cs'), code: fc.constantFrom('laboratory', 'vital-signs', 'exam') });

  it('parses every ordered combination of c r u d s, with or without a category restriction', () => {
    fc.assert(
      fc.property(context, fc.constantFrom('Observation', 'Condition'), letters, fc.array(category, { minLength: 1, maxLength: 3 }), (ctx, type, ls, cats) => {
        const plain = parseScope(`${ctx}/${type}.${ls}`);
        expect(perms(plain)).toEqual(ls.split('').sort());
        const granular = parseScope(`${ctx}/${type}.${ls}?category=${cats.map((c) => `${c.system}|${c.code}`).join(',')}`);
        expect(perms(granular)).toEqual(ls.split('').sort());
        expect(granular?.categories).toEqual(cats);
      }),
    );
  });

  it('never lets a restricted scope count as the whole type, and reaches only resources in its categories', () => {
    fc.assert(
      fc.property(letters, category, fc.array(category, { maxLength: 3 }), (ls, cat, resourceCats) => {
        const scopes = parseScopes(`patient/Observation.${ls}?category=${cat.system}|${cat.code}`);
        for (const p of ALL) {
          expect(allows(scopes, 'Observation', p, ['patient'])).toBe(false);
          const r = reach(scopes, 'Observation', p, ['patient']);
          expect(r.kind).toBe(ls.includes(p) ? 'some' : 'none');
          const inside = resourceCats.some((c) => c.system === cat.system && c.code === cat.code);
          expect(reaches(r, resourceCats)).toBe(ls.includes(p) && inside);
        }
      }),
    );
  });

  it('refuses what it cannot enforce: another parameter, another type, an empty value', () => {
    for (const token of [
      'patient/Observation.rs?code=http://loinc.org|1234-5',
      'patient/Observation.rs?category=laboratory&code=x',
      'patient/Patient.rs?category=x',
      'patient/*.rs?category=laboratory',
      'patient/Observation.rs?category=',
      'patient/Observation.rs?category=|laboratory',
      'patient/Observation.rs?',
    ]) {
      expect(parseScope(token), token).toBeUndefined();
    }
  });

  it('intersects search and read: the whole type with a category is that category; two categories share only their overlap', () => {
    const lab = { kind: 'some', categories: [{ system: OBS, code: 'laboratory' }] } as const;
    const anyLab = { kind: 'some', categories: [{ code: 'laboratory' }] } as const;
    const vitals = { kind: 'some', categories: [{ system: OBS, code: 'vital-signs' }] } as const;
    expect(intersect({ kind: 'all' }, lab)).toEqual(lab);
    expect(intersect(lab, { kind: 'none' })).toEqual({ kind: 'none' });
    expect(intersect(lab, vitals)).toEqual({ kind: 'none' });
    expect(intersect(anyLab, lab)).toEqual(lab);
  });

  it('keeps a backend client within its registration', () => {
    const registered = parseScope('system/*.rs')!;
    expect(within(parseScope('system/Observation.r')!, registered)).toBe(true);
    expect(within(parseScope('system/Observation.rs?category=laboratory')!, registered)).toBe(true);
    expect(within(parseScope('system/Observation.cr')!, registered)).toBe(false);
    expect(within(parseScope('user/Observation.r')!, registered)).toBe(false);
    expect(within(parseScope('system/Observation.r')!, parseScope('system/Observation.rs?category=laboratory')!)).toBe(false);
  });
});
