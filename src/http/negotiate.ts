import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { FhirError } from '../fhir/errors.js';

/** What every /fhir route can answer in: FHIR JSON (served as application/fhir+json). */
const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir'];
/** The FHIR versions a `fhirVersion` media-type parameter may name for what we serve. */
const FHIR_VERSIONS = ['4.0', '4.0.1'];

export interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** An Accept header's media ranges (RFC 9110 §12.5.1); a range that does not parse is left out. Pure. */
export function mediaRanges(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [type, ...rest] = part.split(';').map((s) => s.trim());
    if (!type || !/^[\w.+*-]+\/[\w.+*-]+$/.test(type)) continue;
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0)
        params[p.slice(0, eq).trim().toLowerCase()] = p
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, '');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    out.push({ type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 });
  }
  return out;
}

/** Would this range take FHIR JSON in UTF-8, or (where `also` lists them) one of those types? */
function takes(range: MediaRange, also: readonly string[]): boolean {
  if (range.q <= 0) return false;
  const { fhirversion, charset } = range.params;
  if (fhirversion !== undefined && !FHIR_VERSIONS.includes(fhirversion)) return false;
  if (charset !== undefined && !/^utf-?8$/i.test(charset)) return false;
  return range.type === '*/*' || range.type === 'application/*' || JSON_TYPES.includes(range.type) || also.includes(range.type);
}

/** Does the Accept header allow what we serve? No header, or an empty one, allows anything. Pure. */
export function acceptAllows(header: string | undefined, also: readonly string[] = []): boolean {
  if (header === undefined || header.trim() === '') return true;
  return mediaRanges(header).some((r) => takes(r, also));
}

/**
 * Is this `_format` one we serve: `json`, `application/json` or `application/fhir+json`, with
 * optional parameters? A `+` left unencoded in a query string arrives as a space. Pure.
 */
export function formatAllowed(value: string): boolean {
  const v = value.trim().replace(/ /g, '+');
  if (v.toLowerCase() === 'json') return true;
  const [range] = mediaRanges(v);
  return range !== undefined && range.type !== '*/*' && range.type !== 'application/*' && takes({ ...range, q: 1 }, []);
}

/**
 * Content negotiation for the FHIR API (R4 http.html §2.21.0.6): `_format` when given, else
 * `Accept`. What we cannot answer in is 406 before the route runs, so a write that could not
 * be answered writes nothing. `alsoFor` names other types a path may serve (Bulk export's NDJSON).
 */
export function negotiate(alsoFor: (path: string) => readonly string[] = () => []): MiddlewareHandler<AppEnv> {
  return async function negotiate(c, next) {
    const formats = c.req.url.includes('_format') ? new URL(c.req.url).searchParams.getAll('_format') : [];
    if (formats.length > 0) {
      const bad = formats.find((f) => !formatAllowed(f));
      if (bad !== undefined)
        throw FhirError.of(406, 'not-supported', `_format '${bad}' is not served here: use json, application/json or application/fhir+json`, '_format');
    } else if (!acceptAllows(c.req.header('accept'), alsoFor(c.req.path))) {
      throw FhirError.of(406, 'not-supported', 'Accept names no type served here: this API answers in application/fhir+json', 'Accept');
    }
    await next();
  };
}

/** Bulk export's files are NDJSON. */
export const ndjsonForExportFiles = (path: string): readonly string[] =>
  path.includes('/$export-file/') ? ['application/fhir+ndjson', 'application/ndjson'] : [];
