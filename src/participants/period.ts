import { ParticipantError } from './errors.js';
import type { Period } from './types.js';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A DUA version's effective period as stored: ISO instants in UTC with milliseconds, so that
 * text order is time order (the Casbin matcher and the overlap triggers compare text), and ''
 * for an open end. A date-only start is the start of that day and a date-only end its last
 * millisecond (UTC): "ends 2026-06-30" includes that day.
 *
 * @example normalisePeriod('2026-01-01', '2026-06-30') // { start: '2026-01-01T00:00:00.000Z', end: '2026-06-30T23:59:59.999Z' }
 */
export function normalisePeriod(start: string, end: string): Period {
  const period = { start: instant(start.trim(), 'start'), end: instant(end.trim(), 'end') };
  if (period.start !== '' && period.end !== '' && period.start > period.end)
    throw new ParticipantError('invalid', [`the period's start ${start} is after its end ${end}`]);
  return period;
}

function instant(value: string, edge: 'start' | 'end'): string {
  if (value === '') return '';
  const date = DATE.exec(value);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const at = new Date(Date.UTC(y, m - 1, d));
    if (at.getUTCFullYear() !== y || at.getUTCMonth() !== m - 1 || at.getUTCDate() !== d) throw notADate(edge, value);
    return edge === 'start' ? at.toISOString() : new Date(at.getTime() + 86_400_000 - 1).toISOString();
  }
  if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw notADate(edge, value);
  const at = new Date(value).toISOString();
  // An offset can carry a year-9999 instant past 9999 ('+010000-…'), which sorts before every
  // four-digit year as text and so would be in effect now (red team 9): refused.
  if (!/^\d{4}-/.test(at)) throw notADate(edge, value);
  return at;
}

const notADate = (edge: string, value: string) =>
  new ParticipantError('invalid', [`${edge} '${value}' is not a date (YYYY-MM-DD) or an ISO instant with a time zone`]);

/** Whether two stored periods share an instant ('' is open-ended). */
export function periodsOverlap(a: Period, b: Period): boolean {
  return (a.start === '' || b.end === '' || a.start <= b.end) && (b.start === '' || a.end === '' || b.start <= a.end);
}

/** The first version whose period overlaps `candidate`, skipping the version being changed. */
export function findOverlap<V extends Period & { version: number }>(versions: readonly V[], candidate: Period, except?: number): V | undefined {
  return versions.find((v) => v.version !== except && periodsOverlap(v, candidate));
}
