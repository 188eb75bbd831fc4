import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ageBand, generaliseState, generaliseZip } from '../../src/deid/safe-harbor.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };

describe('Safe Harbor generalisation', () => {
  it('keeps the first three ZIP digits of populous areas and turns the 17 small ones into 000', () => {
    expect(generaliseZip('48911', zip3)).toBe('489');
    expect(generaliseZip('48911-1234', zip3)).toBe('489');
    expect(generaliseZip('03601', zip3)).toBe('000'); // 036: fewer than 20,000 people
    expect(generaliseZip('89301', zip3)).toBe('000');
    expect(zip3.restricted).toHaveLength(17);
    expect(zip3.vintage).toMatch(/Census/);
  });
  it('turns malformed or missing ZIPs into 000 rather than guessing', () => {
    for (const z of [undefined, '', '4891', 'ABCDE', '489111', '48 911']) expect(generaliseZip(z, zip3)).toBe('000');
  });
  it('never publishes a restricted ZIP3, whatever the input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), (z) => !zip3.restricted.includes(generaliseZip(z, zip3)) || generaliseZip(z, zip3) === '000'));
  });
  it('pools every age over 89 as 90+, and 89 stays in its band', () => {
    expect(ageBand(89)).toBe('75-89');
    expect(ageBand(90)).toBe('90+');
    expect(ageBand(117)).toBe('90+');
    expect(ageBand(17)).toBe('0-17');
    expect(ageBand(18)).toBe('18-34');
    expect(ageBand(undefined)).toBe('unknown');
    fc.assert(fc.property(fc.integer({ min: 90, max: 130 }), (a) => ageBand(a) === '90+'));
  });
  it('keeps only two-letter states', () => {
    expect(generaliseState('mi')).toBe('MI');
    expect(generaliseState('Michigan')).toBe('unknown');
    expect(generaliseState(undefined)).toBe('unknown');
  });
});
