/**
 * A FHIR `instant` (http://hl7.org/fhir/R4/datatypes.html#instant): a full date-time to the
 * second, with a zone. The year, month, day and time ranges are checked here; whether the day
 * exists (no 30 February) is checked by building the date.
 */
const INSTANT = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d{1,9}))?(Z|[+-](?:(?:0\d|1[0-3]):[0-5]\d|14:00))$/;

/**
 * The instant as the store writes `lastUpdated`: UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text order
 * is time order. Digits past the millisecond are dropped (floored), which keeps `lastUpdated >
 * since` exact: a stored millisecond is later than the given instant exactly when it is later
 * than the instant floored to the millisecond. Undefined for anything that is not an instant.
 *
 * An unencoded `+` in a query string arrives as a space (`…T10:00:00 05:00`); since a space
 * can stand for nothing else there, it is read as the `+` the client wrote.
 */
export function instantToUtc(text: string): string | undefined {
  const m = INSTANT.exec(text.replace(/ (\d\d:\d\d)$/, '+$1'));
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const ms = Number((fraction ?? '').padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const day = new Date(local);
  // Date.UTC rolls 30 February over into March: a day that does not exist is not an instant.
  if (day.getUTCFullYear() !== Number(y) || day.getUTCMonth() !== Number(mo) - 1 || day.getUTCDate() !== Number(d)) return undefined;
  const offsetMinutes = zone === 'Z' ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const utc = local - offsetMinutes * 60_000;
  // Years before 1000 or after 9999 once shifted would not keep the fixed-width form text order needs.
  const iso = new Date(utc).toISOString();
  return /^\d{4}-/.test(iso) ? iso : undefined;
}
