import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Found, Row } from '../../gate/index.js';
import { FhirError } from '../../fhir/errors.js';
import { FHIR_JSON } from '../../http/fhir-response.js';
import { parseSearch, type SearchQuery } from '../../search/params.js';

/** The request's search parameters, or a 400 saying which one is wrong. */
export function parseQuery(c: Context<AppEnv>, everything: boolean): SearchQuery {
  const url = new URL(c.req.url);
  const strict = /handling=strict/.test(c.req.header('prefer') ?? '');
  const parsed = parseSearch(url.searchParams, { strict, everything });
  if (Array.isArray(parsed)) throw new FhirError(400, parsed);
  return parsed;
}

/** A searchset Bundle, built as text around the stored JSON so nothing is parsed twice. */
export function searchset(c: Context<AppEnv>, result: Found, q: SearchQuery, moreOverride?: boolean): Response {
  const base = c.var.deps.config.baseUrl;
  const url = new URL(c.req.url);
  const links = [{ relation: 'self', url: `${base}${url.pathname}${url.search}` }];
  const more = moreOverride ?? q.offset + result.rows.length < result.total;
  if (more) {
    const next = new URLSearchParams(url.searchParams);
    next.set('_offset', String(q.offset + q.count));
    next.set('_count', String(q.count));
    links.push({ relation: 'next', url: `${base}${url.pathname}?${next}` });
  }
  const entry = (r: Row, mode: string) => `{"fullUrl":${JSON.stringify(`${base}/fhir/${r.type}/${r.id}`)},"resource":${r.content},"search":{"mode":"${mode}"}}`;
  const entries = [...result.rows.map((r) => entry(r, 'match')), ...result.included.map((r) => entry(r, 'include'))];
  const body = `{"resourceType":"Bundle","type":"searchset","total":${result.total},"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return c.body(body, 200, { 'content-type': FHIR_JSON });
}
