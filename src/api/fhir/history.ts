import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError, type Issue } from '../../fhir/errors.js';
import { validatorHeaders } from '../../http/conditional.js';
import { FHIR_JSON } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { DEFAULT_COUNT, modifierIssue, pageCount, strictHandling } from './paging.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

interface HistoryQuery {
  count: number;
  since?: string;
  before?: number;
}

/** `_count`, `_since` and `_cursor` (the versionId a next link continues below). Pure. */
export function parseHistoryQuery(params: URLSearchParams, strict: boolean): HistoryQuery | Issue[] {
  const issues: Issue[] = [];
  const q: HistoryQuery = { count: DEFAULT_COUNT };
  for (const [name, value] of params) {
    const modified = modifierIssue(name, '_history');
    if (modified) {
      issues.push(modified);
      continue;
    }
    switch (name) {
      case '_count': {
        const n = pageCount(value, name);
        if (typeof n === 'number') q.count = n;
        else issues.push(n);
        break;
      }
      case '_since':
        if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) issues.push({ code: 'value', diagnostics: '_since must be an instant', expression: name });
        else q.since = value;
        break;
      case '_cursor':
        if (!/^\d{1,9}$/.test(value))
          issues.push({ code: 'value', diagnostics: '_cursor is not one this server gave: follow the next link', expression: name });
        else q.before = Number(value);
        break;
      case '_format':
        break;
      case '_at':
      case '_list':
      case '_summary':
      case '_elements':
      case '_sort':
        // FHIR parameters that change the answer: ignoring one would answer another question.
        issues.push({
          code: 'not-supported',
          diagnostics: `${name} is not supported on _history (it takes _count, _since and the next link's _cursor)`,
          expression: name,
        });
        break;
      default:
        if (strict) issues.push({ code: 'not-supported', diagnostics: `Parameter '${name}' is not supported on _history`, expression: name });
    }
  }
  return issues.length > 0 ? issues : q;
}

/**
 * `GET [type]/[id]/_history`: a history Bundle of the versions the requester may see, each as
 * vread would give it. None visible answers as a missing id does.
 */
export async function instanceHistory(c: Context<AppEnv>, type: string, id: string): Promise<Response> {
  const url = new URL(c.req.url);
  const q = parseHistoryQuery(url.searchParams, strictHandling(c));
  if (Array.isArray(q)) throw new FhirError(400, q);
  const found = await gateOf(c).history(type, id, q);
  if (!found) throw FhirError.of(404, 'not-found', `${type}/${id} is not known`);
  const base = `${c.var.deps.config.baseUrl}/fhir/${type}/${id}`;
  const applied = new URLSearchParams({
    _count: String(q.count),
    ...(q.since ? { _since: q.since } : {}),
    ...(q.before !== undefined ? { _cursor: String(q.before) } : {}),
  });
  const links = [{ relation: 'self', url: `${base}/_history?${applied}` }];
  if (found.next !== undefined) {
    const next = new URLSearchParams({ _count: String(q.count), ...(q.since ? { _since: q.since } : {}), _cursor: String(found.next) });
    links.push({ relation: 'next', url: `${base}/_history?${next}` });
  }
  // Which interaction wrote each version is not kept: every one is a PUT of the id, the first a create.
  const entries = found.versions.map((v) => {
    const { etag, 'last-modified': _ } = validatorHeaders(v);
    const request = { method: 'PUT', url: `${type}/${id}` };
    const response = { status: v.versionId === 1 ? '201 Created' : '200 OK', etag, lastModified: v.lastUpdated };
    return `{"fullUrl":${JSON.stringify(base)},"resource":${v.content},"request":${JSON.stringify(request)},"response":${JSON.stringify(response)}}`;
  });
  const body = `{"resourceType":"Bundle","type":"history","total":${found.total},"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return c.body(body, 200, { 'content-type': FHIR_JSON });
}
