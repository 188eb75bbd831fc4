import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LAST_DAY, ageOnDay, birthdayDay, dayToIso, easternOffset, isoToDay, localDateTime, toWeekday, weekday } from '../../src/synthetic/dates.js';
import { Rng, hashSeed } from '../../src/synthetic/prng.js';

describe('study-window calendar', () => {
  it('spans 2024-01-01 to 2025-12-31 (731 days, 2024 being a leap year)', () => {
    expect(dayToIso(0)).toBe('2024-01-01');
    expect(dayToIso(LAST_DAY)).toBe('2025-12-31');
    expect(LAST_DAY).toBe(730);
    expect(dayToIso(59)).toBe('2024-02-29');
  });

  it('round-trips day offsets and ISO dates', () => {
    fc.assert(fc.property(fc.integer({ min: -40_000, max: 2_000 }), (day) => isoToDay(dayToIso(day)) === day));
  });

  it('computes completed years of age, with Feb 29 birthdays rolling to Mar 1', () => {
    expect(ageOnDay('1968-04-12', isoToDay('2024-04-11'))).toBe(55);
    expect(ageOnDay('1968-04-12', isoToDay('2024-04-12'))).toBe(56);
    expect(dayToIso(birthdayDay('1960-02-29', 65))).toBe('2025-03-01');
    fc.assert(
      fc.property(fc.integer({ min: -36_000, max: 0 }), fc.integer({ min: 0, max: LAST_DAY }), (birth, day) => {
        const age = ageOnDay(dayToIso(birth), day);
        return birthdayDay(dayToIso(birth), age) <= day && birthdayDay(dayToIso(birth), age + 1) > day;
      }),
    );
  });

  it('uses Eastern daylight time only between the second Sunday of March and the first Sunday of November', () => {
    expect(easternOffset(isoToDay('2024-03-09'))).toBe('-05:00');
    expect(easternOffset(isoToDay('2024-03-10'))).toBe('-04:00');
    expect(easternOffset(isoToDay('2024-11-02'))).toBe('-04:00');
    expect(easternOffset(isoToDay('2024-11-03'))).toBe('-05:00');
    expect(easternOffset(isoToDay('2025-03-09'))).toBe('-04:00');
    expect(localDateTime(isoToDay('2025-07-04'), 9 * 60 + 30)).toBe('2025-07-04T09:30:00-04:00');
  });

  it('moves weekend clinic days to a weekday inside the range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 7, max: LAST_DAY - 7 }), (day) => {
        const moved = toWeekday(day, 0, LAST_DAY);
        return weekday(moved) !== 0 && weekday(moved) !== 6 && Math.abs(moved - day) <= 2;
      }),
    );
  });
});

describe('seeded random numbers', () => {
  it('repeat for the same seed and stay within bounds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 0, max: 100 }), (seed, lo, span) => {
        const a = new Rng(seed);
        const b = new Rng(seed);
        for (let i = 0; i < 20; i++) {
          const x = a.int(lo, lo + span);
          if (x !== b.int(lo, lo + span) || x < lo || x > lo + span) return false;
        }
        return true;
      }),
    );
  });

  it('hash distinct labels to distinct streams', () => {
    expect(hashSeed(42, 'demo', 1)).not.toBe(hashSeed(42, 'demo', 2));
    expect(hashSeed(42, 'demo', 1)).not.toBe(hashSeed(43, 'demo', 1));
    expect(hashSeed(42, 'demo', 1)).toBe(hashSeed(42, 'demo', 1));
  });
});
