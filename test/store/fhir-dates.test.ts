import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFhirDate } from '../../src/store/fhir-dates.js';

describe('parseFhirDate', () => {
  it('turns partial dates into the instants they cover', () => {
    expect(parseFhirDate('2024')).toEqual(['2024-01-01T00:00:00.000Z', '2024-12-31T23:59:59.999Z']);
    expect(parseFhirDate('2024-02')).toEqual(['2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z']);
    expect(parseFhirDate('2025-03-05')).toEqual(['2025-03-05T00:00:00.000Z', '2025-03-05T23:59:59.999Z']);
  });

  it('converts offsets to UTC', () => {
    expect(parseFhirDate('2025-02-01T09:30:00-05:00')).toEqual(['2025-02-01T14:30:00.000Z', '2025-02-01T14:30:00.999Z']);
    expect(parseFhirDate('2025-02-01T09:30:00.250Z')?.[0]).toBe('2025-02-01T09:30:00.250Z');
  });

  it('rejects impossible or malformed dates', () => {
    for (const bad of ['2025-02-30', '2025-13-01', '25-01-01', '2025-1-1', '2025-01-01T25:00:00Z', 'yesterday', '']) {
      expect(parseFhirDate(bad), bad).toBeUndefined();
    }
  });

  it('always gives start <= end, and ISO text order equals time order (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.constantFrom(4, 7, 10, 24), (d, len) => {
        const iso = d.toISOString();
        const value = len === 24 ? iso : iso.slice(0, len);
        const range = parseFhirDate(value)!;
        expect(range).toBeDefined();
        expect(range[0] <= range[1]).toBe(true);
        expect(Date.parse(range[0]) <= d.getTime() && d.getTime() <= Date.parse(range[1])).toBe(true);
      }),
    );
  });
});
