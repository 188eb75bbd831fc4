/**
 * FHIR date, dateTime and instant values as the [lower, upper] instants they cover, as ISO
 * strings in UTC, so that text comparison in SQL is time comparison. "2024" covers the whole year.
 * Values without a time zone are read as UTC: sources in this region send offsets with times,
 * and a date alone has no zone to honour.
 */
const FHIR_DATE_TIME = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export type DateRange = readonly [start: string, end: string];

export function parseFhirDate(value: string): DateRange | undefined {
  const m = FHIR_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : undefined;
  const day = d ? Number(d) : undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysIn(year, month!))) return undefined;
  if (h !== undefined && zone === 'Z' && s !== undefined && frac === undefined) {
    // The common case, built as text: Date objects here cost more than the rest of ingest's indexing.
    if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
    const stem = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
    return [`${stem}.000Z`, `${stem}.999Z`];
  }
  if (h !== undefined) {
    if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return undefined;
    const ms = frac ? Math.floor(Number(frac) * 1000) : 0;
    const offset = zone && zone !== 'Z' ? zoneMinutes(zone) : 0;
    const t = Date.UTC(year, month! - 1, day!, Number(h), Number(mi), s ? Number(s) : 0, ms) - offset * 60_000;
    const instant = new Date(t).toISOString();
    const upper = s === undefined ? new Date(t + 59_999).toISOString() : frac ? instant : new Date(t + 999).toISOString();
    return [instant, upper];
  }
  if (day !== undefined) return [`${y}-${mo}-${d}T00:00:00.000Z`, `${y}-${mo}-${d}T23:59:59.999Z`];
  const start = Date.UTC(year, (month ?? 1) - 1, day ?? 1);
  const end = day !== undefined ? Date.UTC(year, month! - 1, day + 1) : month !== undefined ? Date.UTC(year, month, 1) : Date.UTC(year + 1, 0, 1);
  return [new Date(start).toISOString(), new Date(end - 1).toISOString()];
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function zoneMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}
