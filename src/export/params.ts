import type { Issue } from '../fhir/errors.js';
import { instantToUtc } from './instant.js';

/** What a kick-off asks for, once its parameters are read. */
export interface KickOffRequest {
  types: string[];
  /** `_since` as the store writes instants (UTC, milliseconds), or null. */
  since: string | null;
  /** What a lenient kick-off ignored, each naming its parameter: the manifest's error file. */
  ignored: Issue[];
}

/**
 * The NDJSON spellings the IG names for `_outputFormat`; `application/fhir ndjson` is the
 * first with its `+` sent unencoded, which a query string turns into a space.
 */
const NDJSON = new Set(['application/fhir+ndjson', 'application/fhir ndjson', 'application/ndjson', 'ndjson']);

/**
 * Parameters of the IG this server does not implement. Answering them as if they had been
 * applied would hand the client more (or other) data than it asked for, so they are refused,
 * or with `Prefer: handling=lenient` ignored and reported.
 */
const UNSUPPORTED: Record<string, string> = {
  _typeFilter: '_typeFilter is not supported: every resource of each requested type is exported',
  _elements: '_elements is not supported: resources are exported whole',
  includeAssociatedData: 'includeAssociatedData is not supported: no associated data is exported',
  patient: 'patient is not supported: export a Group, or every patient the client may export',
  _outputFormat: '_outputFormat is not supported: only application/fhir+ndjson is produced',
  _until: '_until is not supported: an export is everything up to its transactionTime',
  organizeOutputBy: 'organizeOutputBy is not supported: each file holds one resource type',
  allowPartialManifests: 'allowPartialManifests is not supported: the manifest is complete when it is served',
};

/** Parameters this server reads; anything else the IG does not define is refused the same way. */
const KNOWN = new Set(['_type', '_since', ...Object.keys(UNSUPPORTED)]);

/**
 * Reads a kick-off's query. Pure: `types` are the types this server can export. Problems come
 * back as issues naming the parameter; with `lenient`, those a client may have ignored (an
 * unsupported parameter, an unknown type) are moved to `ignored` instead, while a malformed
 * `_since` is always refused (ignoring it would send a whole export for an incremental one).
 */
export function readKickOff(
  query: ReadonlyMap<string, readonly string[]>,
  exportable: readonly string[],
  lenient: boolean,
): { ok: true; request: KickOffRequest } | { ok: false; issues: Issue[] } {
  const refused: Issue[] = [];
  const ignored: Issue[] = [];
  const problem = (issue: Issue, ignorable: boolean) => (lenient && ignorable ? ignored : refused).push(issue);

  for (const [name, values] of query) {
    if (name === '_outputFormat' && values.every((v) => NDJSON.has(v))) continue;
    if (UNSUPPORTED[name]) problem({ code: 'not-supported', diagnostics: UNSUPPORTED[name], expression: name }, true);
    else if (!KNOWN.has(name)) problem({ code: 'not-supported', diagnostics: `${name} is not a parameter of $export`, expression: name }, true);
  }

  const typeValues = query.get('_type');
  const asked = typeValues ? typeValues.flatMap((v) => v.split(',')).map((t) => t.trim()) : [...exportable];
  const unknown = asked.filter((t) => !exportable.includes(t));
  if (unknown.length > 0) problem({ code: 'not-supported', diagnostics: `_type names types not exported: ${unknown.join(', ')}`, expression: '_type' }, true);
  const types = [...new Set(asked.filter((t) => exportable.includes(t)))];

  const sinceValues = query.get('_since') ?? [];
  let since: string | null = null;
  if (sinceValues.length > 1) refused.push({ code: 'invalid', diagnostics: '_since may be given once', expression: '_since' });
  else if (sinceValues.length === 1) {
    since = instantToUtc(sinceValues[0]!) ?? null;
    if (since === null)
      refused.push({
        code: 'value',
        diagnostics: '_since must be a FHIR instant: a date and time to the second with a zone, e.g. 2025-01-01T00:00:00Z or 2025-01-01T00:00:00-05:00',
        expression: '_since',
      });
  }
  return refused.length > 0 ? { ok: false, issues: refused } : { ok: true, request: { types, since, ignored } };
}
