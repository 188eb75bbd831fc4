import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instantToUtc } from '../../src/export/instant.js';

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** An instant written in a zone `offset` minutes from UTC, with `digits` of fraction (0 = none). */
function written(ms: number, offset: number, fraction: string): string {
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const zone = offset === 0 ? 'Z' : `${offset < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${local}${fraction === '' ? '' : `.${fraction}`}${zone}`;
}

const seconds = fc.integer({ min: Date.UTC(1970, 0, 1) / 1000, max: Date.UTC(2200, 0, 1) / 1000 }).map((s) => s * 1000);
const offsets = fc.integer({ min: -12 * 60, max: 14 * 60 });
const fractions = fc.stringMatching(/^[0-9]{0,9}$/);

describe('_since as an instant', () => {
  it('is the same UTC millisecond in every zone, with the fraction floored to the millisecond', () => {
    fc.assert(
      fc.property(seconds, offsets, fractions, (ms, offset, fraction) => {
        const expected = new Date(ms + Number(fraction.padEnd(3, '0').slice(0, 3))).toISOString();
        expect(instantToUtc(written(ms, offset, fraction))).toBe(expected);
      }),
    );
  });

  it('keeps text order as time order, so lastUpdated > since is a comparison of instants', () => {
    fc.assert(
      fc.property(seconds, offsets, seconds, offsets, (a, oa, b, ob) => {
        const x = instantToUtc(written(a, oa, ''))!;
        const y = instantToUtc(written(b, ob, ''))!;
        expect(x < y).toBe(a < b);
      }),
    );
  });

  it('refuses what is not a full instant: no zone, no seconds, a date, a day that does not exist', () => {
    for (const bad of [
      '2025-01-01',
      '2025-01-01T10:00Z',
      '2025-01-01T10:00:00',
      '2025-02-29T00:00:00Z',
      '2025-04-31T00:00:00Z',
      '2025-01-01T10:00:00+15:00',
      '2025-01-01T10:00:00.Z',
      '0050-01-01T00:00:00Z',
    ])
      expect({ bad, utc: instantToUtc(bad) }).toEqual({ bad, utc: undefined });
    expect(instantToUtc('2024-02-29T23:30:00-01:00')).toBe('2024-03-01T00:30:00.000Z');
    // An unencoded '+' arrives as a space.
    expect(instantToUtc('2025-01-01T10:00:00 05:00')).toBe('2025-01-01T05:00:00.000Z');
  });
});
