import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Found, Row } from '../../gate/index.js';
import { FhirError } from '../../fhir/errors.js';
import { FHIR_JSON } from '../../http/fhir-response.js';
import { MAX_COUNT, parseSearch, type SearchQuery } from '../../search/params.js';
import { strictHandling } from './paging.js';

/** The request's search parameters, or a 400 saying which one is wrong. */
export function parseQuery(c: Context<AppEnv>, everything: boolean): SearchQuery {
  const url = new URL(c.req.url);
  const strict = strictHandling(c);
  const type = everything ? undefined : c.req.param('type');
  const parsed = parseSearch(url.searchParams, { strict, everything, ...(type ? { type } : {}), now: c.var.deps.clock() });
  if (Array.isArray(parsed)) throw new FhirError(400, parsed);
  return parsed;
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/** A searchset Bundle, built as text around the stored JSON so nothing is parsed twice (but for _elements). */
export function searchset(c: Context<AppEnv>, result: Found, q: SearchQuery, moreOverride?: boolean): Response {
  const base = c.var.deps.config.baseUrl;
  const url = new URL(c.req.url);
  const link = (offset: number) => `${base}${url.pathname}${queryString(url, q, offset)}`;
  const links = [{ relation: 'self', url: link(q.offset) }];
  const more = q.summary !== 'count' && (moreOverride ?? (q.noTotal ? result.more === true : q.offset + result.rows.length < result.total));
  if (more) links.push({ relation: 'next', url: link(q.offset + q.count) });
  // A later page leads back: clients such as fhir-kit-client's prevPage follow `previous`.
  if (q.summary !== 'count' && q.offset > 0)
    links.push({ relation: 'previous', url: link(Math.max(0, q.offset - q.count)) }, { relation: 'first', url: link(0) });
  const entry = (r: Row, mode: string, content = r.content) =>
    `{"fullUrl":${JSON.stringify(`${base}/fhir/${r.type}/${r.id}`)},"resource":${content},"search":{"mode":"${mode}"}}`;
  const entries =
    q.summary === 'count'
      ? []
      : [
          ...result.rows.map((r) => entry(r, 'match', q.elements ? subset(r.content, q.elements) : r.content)),
          ...result.included.map((r) => entry(r, 'include')),
        ];
  if (q.countAsked !== undefined) entries.push(countCapped(q.countAsked));
  // Without a total asked for, none is given, whether or not anything may be seen: an empty answer and a refusal look alike.
  const total = q.noTotal ? '' : `"total":${result.total},`;
  const body = `{"resourceType":"Bundle","type":"searchset",${total}"link":${JSON.stringify(links)}${q.summary === 'count' && entries.length === 0 ? '' : `,"entry":[${entries.join(',')}]`}}`;
  return c.body(body, 200, { 'content-type': FHIR_JSON });
}

/**
 * The parameters applied, normalised: those ignored are left out, _count shows the count used and
 * _offset where this page starts. Without a parsed list (internal callers), the request's own.
 */
function queryString(url: URL, q: SearchQuery, offset: number): string {
  const params = new URLSearchParams(q.applied ?? [...url.searchParams].filter(([name]) => name !== '_count' && name !== '_offset'));
  if (url.searchParams.has('_count') || q.countAsked !== undefined || offset > 0) params.set('_count', String(q.count));
  if (offset > 0) params.set('_offset', String(offset));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** `_elements`: the named top-level elements, with id, meta and resourceType, tagged SUBSETTED. */
function subset(content: string, elements: readonly string[]): string {
  const resource = JSON.parse(content) as Record<string, unknown> & { meta?: { tag?: unknown[] } };
  const kept: Record<string, unknown> = { resourceType: resource.resourceType, id: resource.id };
  for (const name of elements) if (name in resource && name !== 'meta') kept[name] = resource[name];
  kept.meta = { ...resource.meta, tag: [...(resource.meta?.tag ?? []), SUBSETTED] };
  return JSON.stringify(kept);
}

function countCapped(asked: number): string {
  const outcome = {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'warning',
        code: 'informational',
        diagnostics: `_count=${asked} is above this server's maximum; ${MAX_COUNT} per page are returned`,
        expression: ['_count'],
      },
    ],
  };
  return `{"resource":${JSON.stringify(outcome)},"search":{"mode":"outcome"}}`;
}
