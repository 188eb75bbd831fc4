/**
 * Calendar arithmetic on the fixed study window. Days are integer offsets from
 * 2024-01-01 (day 0) so plans can compare and add dates cheaply; everything is
 * computed with Date.UTC, never from the clock, so output does not drift.
 */

export const WINDOW_START = '2024-01-01';
export const WINDOW_END = '2025-12-31';
export const WINDOW_YEARS = [2024, 2025] as const;

const MS_PER_DAY = 86_400_000;
const EPOCH = Date.UTC(2024, 0, 1);

/** Offset of the last window day (2024 is a leap year, so 731 days in all). */
export const LAST_DAY = Math.round((Date.UTC(2025, 11, 31) - EPOCH) / MS_PER_DAY);

const isoCache = new Map<number, string>();

export function dayToIso(day: number): string {
  let iso = isoCache.get(day);
  if (iso === undefined) {
    iso = new Date(EPOCH + day * MS_PER_DAY).toISOString().slice(0, 10);
    if (isoCache.size < 100_000) isoCache.set(day, iso);
  }
  return iso;
}

export function isoToDay(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number);
  return Math.round((Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1) - EPOCH) / MS_PER_DAY);
}

export function dayOfYearStart(year: number): number {
  return Math.round((Date.UTC(year, 0, 1) - EPOCH) / MS_PER_DAY);
}

export function yearOfDay(day: number): number {
  return new Date(EPOCH + day * MS_PER_DAY).getUTCFullYear();
}

/** The day a person born on `birthIso` turns `years` (Feb 29 birthdays roll to Mar 1). */
export function birthdayDay(birthIso: string, years: number): number {
  const [y, m, d] = birthIso.split('-').map(Number);
  return Math.round((Date.UTC((y ?? 0) + years, (m ?? 1) - 1, d ?? 1) - EPOCH) / MS_PER_DAY);
}

/** Completed years of age on `day`. */
export function ageOnDay(birthIso: string, day: number): number {
  const [by] = birthIso.split('-').map(Number);
  const year = yearOfDay(day);
  let age = year - (by ?? year);
  if (birthdayDay(birthIso, age) > day) age -= 1;
  return age;
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(day: number): number {
  return new Date(EPOCH + day * MS_PER_DAY).getUTCDay();
}

/** Clinics are closed at weekends: move to the nearest weekday inside [lo, hi]. */
export function toWeekday(day: number, lo: number, hi: number): number {
  const wd = weekday(day);
  const forward = wd === 6 ? 2 : wd === 0 ? 1 : 0;
  const back = wd === 6 ? 1 : wd === 0 ? 2 : 0;
  if (forward === 0) return day;
  if (day + forward <= hi) return day + forward;
  if (day - back >= lo) return day - back;
  return day;
}

function nthSunday(year: number, month: number, n: number): number {
  const first = Date.UTC(year, month, 1);
  const firstWd = new Date(first).getUTCDay();
  const firstSunday = 1 + ((7 - firstWd) % 7);
  return Math.round((Date.UTC(year, month, firstSunday + 7 * (n - 1)) - EPOCH) / MS_PER_DAY);
}

const dstCache = new Map<number, readonly [number, number]>();

/** Michigan observes US Eastern time: daylight time from the 2nd Sunday of March to the 1st Sunday of November. */
export function easternOffset(day: number): '-04:00' | '-05:00' {
  const year = yearOfDay(day);
  let range = dstCache.get(year);
  if (!range) {
    range = [nthSunday(year, 2, 2), nthSunday(year, 10, 1)] as const;
    dstCache.set(year, range);
  }
  return day >= range[0] && day < range[1] ? '-04:00' : '-05:00';
}

/** Local wall-clock time on `day` as a FHIR dateTime with the Eastern offset. */
export function localDateTime(day: number, minuteOfDay: number): string {
  const minutes = Math.max(0, Math.min(23 * 60 + 59, Math.round(minuteOfDay)));
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${dayToIso(day)}T${hh}:${mm}:00${easternOffset(day)}`;
}
