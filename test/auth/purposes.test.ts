import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPurpose, narrowPurposes, PURPOSES, type Purpose } from '../../src/auth/purposes.js';

const ALL = Object.keys(PURPOSES) as Purpose[];

describe('narrowPurposes', () => {
  it('grants everything allowed but break-the-glass when nothing is requested', () => {
    expect(narrowPurposes(['TREAT', 'ETREAT'], undefined)).toEqual({ ok: true, purposes: ['TREAT'] });
    expect(narrowPurposes(['TREAT', 'ETREAT'], '')).toEqual({ ok: true, purposes: ['TREAT'] });
    expect(narrowPurposes(['TREAT', 'ETREAT'], '   ')).toEqual({ ok: true, purposes: ['TREAT'] });
    expect(narrowPurposes(['ETREAT'], undefined)).toEqual({ ok: true, purposes: [] });
  });

  it('honours a request for a subset of what is allowed', () => {
    expect(narrowPurposes(['TREAT', 'HPAYMT', 'HOPERAT'], 'HPAYMT')).toEqual({ ok: true, purposes: ['HPAYMT'] });
    expect(narrowPurposes(['TREAT', 'HPAYMT', 'HOPERAT'], ' HOPERAT  TREAT ')).toEqual({ ok: true, purposes: ['HOPERAT', 'TREAT'] });
  });

  it('grants break-the-glass only when asked for explicitly and allowed', () => {
    expect(narrowPurposes(['TREAT', 'ETREAT'], 'ETREAT')).toEqual({ ok: true, purposes: ['ETREAT'] });
    expect(narrowPurposes(['TREAT'], 'ETREAT').ok).toBe(false);
  });

  it('drops repeated purposes', () => {
    expect(narrowPurposes(['TREAT'], 'TREAT TREAT')).toEqual({ ok: true, purposes: ['TREAT'] });
  });

  it('never widens: a purpose outside the allowed set is refused', () => {
    const decision = narrowPurposes(['PATRQT'], 'PATRQT TREAT');
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.error).toContain('TREAT');
    expect(narrowPurposes([], 'TREAT').ok).toBe(false);
  });

  it('refuses unknown purpose codes', () => {
    for (const requested of ['BOGUS', 'TREAT BOGUS', 'treat', '__proto__', 'constructor', 'toString']) {
      const decision = narrowPurposes(ALL, requested);
      expect(decision.ok, requested).toBe(false);
      if (!decision.ok) expect(decision.error).toMatch(/unknown/);
    }
  });

  it('isPurpose recognises only the listed codes', () => {
    for (const p of ALL) expect(isPurpose(p)).toBe(true);
    for (const p of ['', 'treat', '__proto__', 'hasOwnProperty']) expect(isPurpose(p)).toBe(false);
  });

  it('property: whatever is requested, a granted result is within the allowed set', () => {
    const code = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ALL) }, { weight: 1, arbitrary: fc.constantFrom('BOGUS', 'treat', '__proto__') });
    fc.assert(
      fc.property(fc.subarray(ALL), fc.option(fc.array(code, { maxLength: 5 }), { nil: undefined }), (allowed, asked) => {
        const decision = narrowPurposes(allowed, asked?.join(' '));
        if (decision.ok) {
          for (const p of decision.purposes) expect(allowed).toContain(p);
          if (asked === undefined || asked.length === 0) expect(decision.purposes).not.toContain('ETREAT');
          else expect(new Set(decision.purposes)).toEqual(new Set(asked));
        } else {
          // Refused only when something asked for is unknown or not allowed.
          expect(asked!.some((p) => !(allowed as string[]).includes(p))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
