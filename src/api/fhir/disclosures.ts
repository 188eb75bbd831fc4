import type { Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError, type Issue } from '../../fhir/errors.js';
import { FHIR_ID } from '../../fhir/types.js';
import type { AccountingCursor } from '../../gate/index.js';
import { FHIR_JSON } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { DEFAULT_COUNT, modifierIssue, pageCount, strictHandling } from './paging.js';

interface AccountingQuery {
  patient: string;
  count: number;
  cursor?: AccountingCursor;
}

/**
 * The accounting's own few parameters: `patient`, `_count` and `_cursor` (from a next link).
 * `_offset` is refused: over a trail that grows as it is read, offsets repeat and skip. Pure.
 */
export function parseAccountingQuery(params: URLSearchParams, strict: boolean): AccountingQuery | Issue[] {
  const issues: Issue[] = [];
  let patient: string | undefined;
  let count = DEFAULT_COUNT;
  let cursor: AccountingCursor | undefined;
  for (const [name, value] of params) {
    const modified = modifierIssue(name, 'the accounting of disclosures');
    if (modified) {
      issues.push(modified);
      continue;
    }
    switch (name) {
      case 'patient': {
        const id = value.replace(/^Patient\//, '');
        if (!FHIR_ID.test(id)) issues.push({ code: 'value', diagnostics: 'patient must be a Patient reference', expression: name });
        // A second patient is not an OR this route can answer: refused, as the searches refuse it.
        else if (patient !== undefined && patient !== id)
          issues.push({ code: 'not-supported', diagnostics: 'The accounting of disclosures names one patient per search', expression: name });
        else patient = id;
        break;
      }
      case '_count': {
        const n = pageCount(value, name);
        if (typeof n === 'number') count = n;
        else issues.push(n);
        break;
      }
      case '_cursor': {
        const m = /^(\d{1,9})\.(\d{1,9})$/.exec(value);
        if (!m) issues.push({ code: 'value', diagnostics: '_cursor is not one this server gave: follow the next link of the page before', expression: name });
        else cursor = { snapshot: Number(m[1]), skip: Number(m[2]) };
        break;
      }
      case '_offset':
        issues.push({ code: 'not-supported', diagnostics: 'The accounting of disclosures pages by its next links (_cursor), not _offset', expression: name });
        break;
      case '_format':
        // Decided by content negotiation before the route.
        break;
      case '_summary':
      case '_elements':
      case '_sort':
      case '_include':
      case '_id':
      case '_lastUpdated':
        // FHIR parameters that change the answer: ignoring one would answer another question.
        issues.push({
          code: 'not-supported',
          diagnostics: `${name} is not supported on the accounting of disclosures (it takes patient, _count and the next link's _cursor)`,
          expression: name,
        });
        break;
      default:
        if (strict) issues.push({ code: 'not-supported', diagnostics: `Search parameter '${name}' is not supported on AuditEvent`, expression: name });
    }
  }
  if (issues.length > 0) return issues;
  if (!patient) return [{ code: 'required', diagnostics: 'AuditEvent search needs patient=Patient/{your id}', expression: 'patient' }];
  return { patient, count, ...(cursor ? { cursor } : {}) };
}

/**
 * GET /fhir/AuditEvent?patient=…: a patient's accounting of disclosures, newest first. Each
 * next link carries the walk's snapshot, so every page of one walk has the same total and no
 * event appears twice or is skipped.
 */
export async function accountingOfDisclosures(c: Context<AppEnv>): Promise<Response> {
  const url = new URL(c.req.url);
  const q = parseAccountingQuery(url.searchParams, strictHandling(c));
  if (Array.isArray(q)) throw new FhirError(400, q);
  const page = await gateOf(c).accounting(q.patient, q.count, q.cursor);
  const at = `${c.var.deps.config.baseUrl}/fhir/AuditEvent`;
  // The self link shows only what was applied: an ignored parameter is not echoed back as if it were.
  const self = new URLSearchParams({
    patient: `Patient/${q.patient}`,
    _count: String(q.count),
    ...(q.cursor ? { _cursor: `${q.cursor.snapshot}.${q.cursor.skip}` } : {}),
  });
  const links = [{ relation: 'self', url: `${at}?${self}` }];
  if (page.next) {
    const next = new URLSearchParams({ patient: `Patient/${q.patient}`, _count: String(q.count), _cursor: `${page.next.snapshot}.${page.next.skip}` });
    links.push({ relation: 'next', url: `${at}?${next}` });
  }
  const entries = page.rows.map((r) => `{"fullUrl":${JSON.stringify(`${at}/${r.id}`)},"resource":${r.content},"search":{"mode":"match"}}`);
  const body = `{"resourceType":"Bundle","type":"searchset","total":${page.total},"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return c.body(body, 200, { 'content-type': FHIR_JSON });
}
