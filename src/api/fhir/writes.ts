import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { readJson, limitBody } from '../../http/body.js';
import { audit } from '../../http/audit.js';
import { parseIfMatch, validatorHeaders } from '../../http/conditional.js';
import { fhirJson } from '../../http/fhir-response.js';
import { unauthorized } from '../../http/authenticate.js';
import type { Requester } from '../../auth/requester.js';
import { allows } from '../../auth/scopes.js';
import { ingest, readBundleInSteps, validateResource, type EntryRead, type IngestResult, type Outcome } from '../../ingest/index.js';
import { isStoredType } from '../../store/search-values.js';
import { FhirError, operationOutcome } from '../../fhir/errors.js';
import { FHIR_ID, type Resource } from '../../fhir/types.js';

/**
 * Writes come from source systems (SMART Backend Services clients registered with a source URI),
 * each writing as itself. Which types and interactions each may use is checked per entry.
 */
function requireWriter(): MiddlewareHandler<AppEnv> {
  return async function requireWriter(c, next) {
    const requester = c.var.requester;
    if (!requester) throw unauthorized('missing_token', 'Authentication is required to write');
    if (requester.kind !== 'system' || !requester.source) throw FhirError.of(403, 'forbidden', 'Only registered source systems write clinical data');
    await next();
    // A write may change who is whose member (a Coverage): decisions look for it at once.
    c.var.deps.consent.recheck();
  };
}

/** Each entry needs a system scope for its type: `c` to POST, `u` to PUT. */
function checkWriteScopes(requester: Requester, entries: readonly EntryRead[]): void {
  for (const entry of entries) {
    if (!entry.ok) continue;
    const { type, method, index } = entry.request;
    const permission = method === 'POST' ? 'c' : 'u';
    if (!allows(requester.scopes, type, permission, ['system'])) {
      throw FhirError.of(403, 'forbidden', `The token does not grant system/${type}.${permission}`, `Bundle.entry[${index}]`);
    }
  }
}

function knownType(): MiddlewareHandler<AppEnv> {
  return async function knownType(c, next) {
    const type = c.req.param('type')!;
    if (!isStoredType(type)) throw FhirError.of(404, 'not-supported', `Resource type '${type}' is not supported`);
    await next();
  };
}

/** Writes by registered source systems: transaction and batch Bundles, create and update. */
export function writeRoutes(): Hono<AppEnv> {
  const fhir = new Hono<AppEnv>();

  fhir.post('/', requireWriter(), limitBody(), async (c) => {
    const body = await readJson(c);
    const bundle = await readBundleInSteps(body);
    if (Array.isArray(bundle)) throw new FhirError(400, bundle);
    const requester = c.var.requester!;
    if (bundle.source && bundle.source !== requester.source)
      throw FhirError.of(403, 'forbidden', `Bundle.meta.source is not the sending system '${requester.source}'`, 'Bundle.meta.source');
    checkWriteScopes(requester, bundle.entries);
    const result = await ingest(c.var.deps, { source: requester.source, channel: bundle.mode, mode: bundle.mode, entries: bundle.entries });
    await auditWrites(c, requester.source!, result);
    return fhirJson(c, responseBundle(bundle.mode, result, bundle.entries, preferredReturn(c), c.var.deps.config.baseUrl));
  });

  fhir.post('/:type', knownType(), requireWriter(), limitBody(), async (c) => {
    const type = c.req.param('type');
    const resource = await readJson(c);
    const issues = validateResource(resource, type, type);
    if (issues.length > 0) throw new FhirError(400, issues);
    const entry = { ok: true, request: { index: 0, method: 'POST', type, resource: resource as Resource } } as const;
    checkWriteScopes(c.var.requester!, [entry]);
    const outcome = await single(c, entry);
    return written(c, outcome, entry.request.resource);
  });

  fhir.put('/:type/:id', knownType(), requireWriter(), limitBody(), async (c) => {
    const { type, id } = c.req.param();
    if (!FHIR_ID.test(id)) throw FhirError.of(400, 'value', 'The id in the URL breaks the FHIR id rule');
    const resource = await readJson(c);
    const issues = validateResource(resource, type, type);
    if (issues.length > 0) throw new FhirError(400, issues);
    if ((resource as Resource).id !== id) throw FhirError.of(400, 'invalid', `The resource's id does not match the URL's id '${id}'`, `${type}.id`);
    const ifMatch = parseIfMatch(c.req.header('if-match'));
    const entry = { ok: true, request: { index: 0, method: 'PUT', type, id, resource: resource as Resource, ...(ifMatch ? { ifMatch } : {}) } } as const;
    checkWriteScopes(c.var.requester!, [entry]);
    const outcome = await single(c, entry);
    return written(c, outcome, entry.request.resource);
  });

  return fhir;
}

async function single(c: Context<AppEnv>, entry: EntryRead): Promise<Outcome> {
  const source = c.var.requester!.source!;
  const result = await ingest(c.var.deps, { source, channel: 'rest', mode: 'transaction', entries: [entry] });
  await auditWrites(c, source, result);
  return result.outcomes[0]!;
}

/**
 * One AuditEvent per person whose record the ingestion changed, committed before the response,
 * so her accounting of disclosures shows who added to it. Per person, not per resource: a
 * 100,000-entry transaction about 1,000 people writes 1,000 events.
 */
async function auditWrites(c: Context<AppEnv>, source: string, result: IngestResult): Promise<void> {
  await Promise.all(
    result.touched.map((t) =>
      audit(c, {
        interaction: t.updated === 0 ? 'create' : 'update',
        query: `ingestion/${result.ingestionId}`,
        person: t.person,
        outcome: 'permit',
        written: { source, created: t.created, updated: t.updated },
      }),
    ),
  );
}

type Return = 'minimal' | 'representation' | 'OperationOutcome';

/** `Prefer: return=…` (RFC 7240; FHIR R4 http.html): the resource when not said, as most FHIR clients expect of create and update. */
function preferredReturn(c: Context<AppEnv>): Return {
  const m = /(?:^|[,;\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(c.req.header('prefer') ?? '');
  const value = m?.[1]?.toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}

type Written = Extract<Outcome, { ok: true }>;

/**
 * The version as stored. `prepare` and the write plan set the sent resource's meta (source,
 * labels) in place; its id, versionId and lastUpdated are the outcome's, also for an update
 * that changed nothing and so kept the version before.
 */
function storedVersion(outcome: Written, sent: Resource): Resource {
  return { ...sent, id: outcome.id, meta: { ...sent.meta, versionId: String(outcome.versionId), lastUpdated: outcome.lastUpdated } };
}

function writtenOutcome(outcome: Written) {
  const verb = outcome.created ? 'Created' : outcome.changed ? 'Updated' : 'Unchanged';
  return operationOutcome([{ code: 'processing' as const, diagnostics: `${verb} ${outcome.type}/${outcome.id} version ${outcome.versionId}` }], 'information');
}

function written(c: Context<AppEnv>, outcome: Outcome, sent: Resource): Response {
  if (!outcome.ok) throw new FhirError(outcome.status, outcome.issues);
  const headers = {
    location: `${c.var.deps.config.baseUrl}/fhir/${outcome.type}/${outcome.id}/_history/${outcome.versionId}`,
    ...validatorHeaders(outcome),
  };
  const status = outcome.created ? 201 : 200;
  const prefer = preferredReturn(c);
  if (prefer === 'minimal') return c.body(null, status, headers);
  return fhirJson(c, prefer === 'OperationOutcome' ? writtenOutcome(outcome) : storedVersion(outcome, sent), status, headers);
}

const STATUS_TEXT = {
  400: '400 Bad Request',
  403: '403 Forbidden',
  409: '409 Conflict',
  412: '412 Precondition Failed',
  413: '413 Content Too Large',
} as const;

/** A transaction-response or batch-response: one entry per request entry, in order, each as Prefer: return asks. */
function responseBundle(mode: 'transaction' | 'batch', result: IngestResult, entries: readonly EntryRead[], prefer: Return, base: string) {
  const sent = new Map(entries.flatMap((e) => (e.ok ? [[e.request.index, e.request.resource] as const] : [])));
  return {
    resourceType: 'Bundle',
    type: `${mode}-response`,
    entry: result.outcomes.map((o) => {
      if (!o.ok) return { response: { status: STATUS_TEXT[o.status], outcome: operationOutcome(o.issues) } };
      const response = {
        status: o.created ? '201 Created' : '200 OK',
        location: `${o.type}/${o.id}/_history/${o.versionId}`,
        etag: `W/"${o.versionId}"`,
        lastModified: o.lastUpdated,
      };
      const resource = sent.get(o.index);
      if (prefer === 'representation' && resource) return { fullUrl: `${base}/fhir/${o.type}/${o.id}`, resource: storedVersion(o, resource), response };
      if (prefer === 'OperationOutcome') return { response: { ...response, outcome: writtenOutcome(o) } };
      return { response };
    }),
  };
}
