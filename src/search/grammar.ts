import { parseFhirDate, type DateRange } from '../store/fhir-dates.js';

/**
 * The value grammar of search.html (R4 §3.1.1): commas separate alternatives, a backslash
 * escapes `,`, `|`, `$` and itself, a token is `[system]|[code]`, a date carries a prefix. Pure.
 */

/** Splits on commas that are not escaped, and unescapes each part. */
export function splitValues(value: string): string[] {
  return splitUnescaped(value, ',').map(unescape);
}

/** Splits on commas that are not escaped, keeping the escapes (a token still has its `|` to find). */
export function splitRaw(value: string): string[] {
  return splitUnescaped(value, ',');
}

function splitUnescaped(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      current += ch + value[++i]!;
    } else if (ch === separator) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

const unescape = (s: string) => s.replace(/\\([\\,|$])/g, '$1');

/** One token alternative. system undefined: any system; '' : no system. code undefined: any code in the system. */
export interface TokenValue {
  system?: string;
  code?: string;
}

/** `code`, `system|code`, `|code` or `system|` (escapes still in); undefined when it is none of them. */
export function parseToken(raw: string): TokenValue | undefined {
  const parts = splitUnescaped(raw, '|');
  if (parts.length > 2) return undefined;
  const [a, b] = parts.map(unescape) as [string, string | undefined];
  const value: TokenValue = b === undefined ? { code: a } : b === '' ? { system: a } : { system: a, code: b };
  if (value.code === '' || (value.code === undefined && !value.system)) return undefined;
  if ((value.code?.length ?? 0) > 256 || (value.system?.length ?? 0) > 512) return undefined;
  return value;
}

export const DATE_PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** A prefixed date: the prefix (eq when absent) and the range the value covers. */
export function parseDateValue(raw: string): { prefix: DatePrefix; range: DateRange } | undefined {
  const m = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(\d.*)$/.exec(raw);
  const range = m && parseFhirDate(m[2]!);
  return range ? { prefix: (m[1] ?? 'eq') as DatePrefix, range } : undefined;
}

const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * `ap`: the value's range widened on each side by 10% of the time between the value and now (R4's
 * suggestion), so "about 2020" is looser than "about last week". A resource matches when its
 * range overlaps the widened one.
 */
export function approximately(range: DateRange, now: Date): DateRange {
  const lo = Date.parse(range[0]);
  const hi = Date.parse(range[1]);
  const gap = Math.abs(now.getTime() - (lo + hi) / 2);
  const widen = Math.round(gap * 0.1);
  return [new Date(Math.max(EARLIEST, lo - widen)).toISOString(), new Date(Math.min(LATEST, hi + widen)).toISOString()];
}
