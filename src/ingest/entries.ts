import type { Issue } from '../fhir/errors.js';
import { versionPrecondition } from '../fhir/etag.js';
import { FHIR_ID, type Resource } from '../fhir/types.js';
import { nextTurn, STEP } from './turns.js';
import { validateResource } from './validate.js';

/** One resource to write, as read from a Bundle entry, a REST call or an NDJSON line. */
export interface WriteRequest {
  index: number;
  method: 'PUT' | 'POST';
  type: string;
  /** Given for PUT; assigned by the server for POST. */
  id?: string;
  /** The entry's fullUrl, when other entries may reference this one by it (urn:uuid:…). */
  fullUrl?: string;
  resource: Resource;
  /** If-Match: the versionIds this update may replace, or `*` (it must exist). Checked where the write is planned, in its atomic unit. */
  ifMatch?: '*' | readonly number[];
}

export type EntryRead = { ok: true; request: WriteRequest } | { ok: false; index: number; issues: Issue[] };

export type BundleMode = 'transaction' | 'batch';

export interface BundleRead {
  mode: BundleMode;
  source?: string;
  entries: EntryRead[];
}

/**
 * Reads a transaction or batch Bundle into write requests, entry by entry. Problems with the
 * Bundle itself throw; problems with an entry are returned against that entry, so a batch can
 * still write the others and a transaction can report every bad entry at once.
 */
export function readBundle(body: unknown): BundleRead | Issue[] {
  const head = readHead(body);
  if (Array.isArray(head)) return head;
  return { ...head.read, entries: head.entries.map((entry, index) => readEntry(entry, index)) };
}

/**
 * readBundle for a server: the same answer, its entries validated STEP at a time between turns
 * of the event loop, so a 100,000-entry Bundle (half a second of validation) does not stop
 * every other request meanwhile.
 */
export async function readBundleInSteps(body: unknown): Promise<BundleRead | Issue[]> {
  const head = readHead(body);
  if (Array.isArray(head)) return head;
  const entries: EntryRead[] = new Array(head.entries.length);
  for (let i = 0; i < head.entries.length; i++) {
    if (i > 0 && i % STEP === 0) await nextTurn();
    entries[i] = readEntry(head.entries[i], i);
  }
  return { ...head.read, entries };
}

function readHead(body: unknown): { read: Omit<BundleRead, 'entries'>; entries: readonly unknown[] } | Issue[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [{ code: 'structure', diagnostics: 'The body must be a JSON object' }];
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown; meta?: { source?: unknown } };
  if (bundle.resourceType !== 'Bundle') {
    return [{ code: 'invalid', diagnostics: `POST to the base URL takes a Bundle, not '${String(bundle.resourceType)}'`, expression: 'resourceType' }];
  }
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    return [{ code: 'not-supported', diagnostics: `Bundle.type must be 'transaction' or 'batch', not '${String(bundle.type)}'`, expression: 'Bundle.type' }];
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
    return [{ code: 'structure', diagnostics: 'Bundle.entry must be an array', expression: 'Bundle.entry' }];
  const source = typeof bundle.meta?.source === 'string' ? bundle.meta.source : undefined;
  return { read: { mode: bundle.type, ...(source ? { source } : {}) }, entries: (bundle.entry as unknown[] | undefined) ?? [] };
}

function readEntry(entry: unknown, index: number): EntryRead {
  const at = `Bundle.entry[${index}]`;
  const fail = (issue: Issue): EntryRead => ({ ok: false, index, issues: [issue] });
  if (entry === null || typeof entry !== 'object') return fail({ code: 'structure', diagnostics: 'An entry must be an object', expression: at });
  const { resource, request, fullUrl } = entry as { resource?: unknown; request?: Record<string, unknown>; fullUrl?: unknown };
  if (!request || typeof request !== 'object')
    return fail({ code: 'required', diagnostics: 'entry.request is required in a transaction or batch', expression: `${at}.request` });
  const method = request.method;
  const url = typeof request.url === 'string' ? request.url.replace(/^\//, '') : undefined;
  if (method !== 'PUT' && method !== 'POST') {
    return fail({
      code: 'not-supported',
      diagnostics: `request.method '${String(method)}' is not supported; use PUT or POST`,
      expression: `${at}.request.method`,
    });
  }
  for (const conditional of ['ifNoneExist', 'ifNoneMatch', 'ifModifiedSince'] as const) {
    if (request[conditional] !== undefined)
      return fail({ code: 'not-supported', diagnostics: `request.${conditional} is not supported`, expression: `${at}.request.${conditional}` });
  }
  const ifMatch = typeof request.ifMatch === 'string' ? versionPrecondition(request.ifMatch) : undefined;
  if (request.ifMatch !== undefined && (method !== 'PUT' || ifMatch === undefined))
    return fail({ code: 'value', diagnostics: 'request.ifMatch is for PUT, as * or an ETag such as W/"3"', expression: `${at}.request.ifMatch` });
  if (!url) return fail({ code: 'required', diagnostics: 'request.url is required', expression: `${at}.request.url` });
  if (url.includes('?'))
    return fail({ code: 'not-supported', diagnostics: 'Conditional writes (a query in request.url) are not supported', expression: `${at}.request.url` });
  const [type, id, ...rest] = url.split('/');
  if (rest.length > 0 || (method === 'PUT') !== (id !== undefined)) {
    const expected = method === 'PUT' ? '<type>/<id>' : '<type>';
    return fail({ code: 'invalid', diagnostics: `request.url for ${method} must be '${expected}'`, expression: `${at}.request.url` });
  }
  const issues = validateResource(resource, `${at}.resource`, type);
  if (issues.length > 0) return { ok: false, index, issues };
  const r = resource as Resource;
  if (method === 'PUT') {
    if (!FHIR_ID.test(id!)) return fail({ code: 'value', diagnostics: 'The id in request.url breaks the FHIR id rule', expression: `${at}.request.url` });
    if (r.id !== id)
      return fail({ code: 'invalid', diagnostics: `resource.id '${String(r.id)}' does not match request.url id '${id}'`, expression: `${at}.resource.id` });
  }
  return {
    ok: true,
    request: {
      index,
      method,
      type: type!,
      ...(method === 'PUT' ? { id } : {}),
      ...(typeof fullUrl === 'string' ? { fullUrl } : {}),
      resource: r,
      ...(ifMatch !== undefined ? { ifMatch } : {}),
    },
  };
}
