import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateRegion } from '../../src/synthetic/index.js';
import { ofType } from './helpers.js';

describe('generateRegion is deterministic', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  it('gives identical output for the same size and seed', () => {
    const a = generateRegion({ patients: 60, seed: 7 });
    const b = generateRegion({ patients: 60, seed: 7 });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('gives different output for a different seed', () => {
    const a = generateRegion({ patients: 60, seed: 7 });
    const b = generateRegion({ patients: 60, seed: 8 });
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
    const names = (r: typeof a) =>
      ofType(r, 'Patient')
        .map((p) => JSON.stringify(p.name))
        .sort();
    expect(names(b)).not.toEqual(names(a));
  });

  it('uses neither Math.random nor the clock', () => {
    const random = vi.spyOn(Math, 'random');
    vi.useFakeTimers({ now: new Date('2031-07-04T12:00:00Z') });
    const later = JSON.stringify(generateRegion({ patients: 25, seed: 3 }));
    vi.setSystemTime(new Date('1999-01-01T00:00:00Z'));
    const earlier = JSON.stringify(generateRegion({ patients: 25, seed: 3 }));
    expect(random).not.toHaveBeenCalled();
    expect(earlier).toBe(later);
  });

  it('keeps a person the same whatever the region size', () => {
    const small = generateRegion({ patients: 20, seed: 5 });
    const large = generateRegion({ patients: 80, seed: 5 });
    const story = (r: typeof small, index: number) =>
      ofType(r, 'Patient')
        .filter((p) => r.truth[p.id] === index)
        .map((p) => `${p.meta.source}|${JSON.stringify(p.name)}|${p.birthDate}|${p.gender}`)
        .sort();
    for (const index of [0, 3, 11, 19]) {
      expect(story(large, index)).toEqual(story(small, index));
      expect(story(small, index).length).toBeGreaterThan(0);
    }
  });

  it('rejects sizes and seeds that are not non-negative integers', () => {
    expect(() => generateRegion({ patients: 0, seed: 1 })).toThrow(RangeError);
    expect(() => generateRegion({ patients: 2.5, seed: 1 })).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: -1 })).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: Number.NaN })).toThrow(RangeError);
    expect(() => generateRegion({ patients: 10, seed: 2 ** 32 })).toThrow(RangeError);
  });
});
