import { and, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { resourceHistory } from '../db/schema.js';
import { requesterOf } from '../auth/middleware.js';
import type { Requester } from '../auth/requester.js';
import { allows } from '../auth/scopes.js';
import { audit } from '../audit/record.js';
import { eventsAbout } from '../audit/log.js';
import { categoriesOf, categoryIndex, codesOf } from '../consent/categories.js';
import type { Decision } from '../consent/decide.js';
import type { AppEnv } from '../http/env.js';
import { linkedPatientIds, readCurrent, resolvePerson } from '../store/read.js';
import { COMPARTMENT_TYPES, isStoredType } from '../store/search-values.js';
import { FhirError } from './errors.js';
import { INCLUDE_PATHS, MAX_COUNT, parseSearch, type SearchQuery } from './search/params.js';
import { runSearch, searchWhere, type ClassGrant } from './search/sql.js';
import { FHIR_JSON } from '../http/fhir-response.js';

/** Directory data: not about a patient, readable by any authenticated requester with the scope. */
const DIRECTORY = new Set(['Organization', 'Practitioner', 'PractitionerRole', 'Location']);
const COMPARTMENT = COMPARTMENT_TYPES;

/**
 * Reads, searches and $everything for people and systems, every one decided by the consent
 * engine and audited before the response leaves. A resource the requester may not see answers
 * exactly as one that does not exist.
 */
export function brokerRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/AuditEvent', accountingOfDisclosures);
  routes.get('/Patient/:id/$everything', everything);
  routes.get('/:type/:id/_history/:vid', read);
  routes.get('/:type/:id', read);
  routes.get('/:type', search);
  return routes;
}

function knownType(type: string): void {
  if (!isStoredType(type)) throw FhirError.of(404, 'not-supported', `Resource type '${type}' is not supported`);
}

/**
 * The scope check: the token must grant read/search on the type, and a patient-scoped grant
 * covers only its own patient. A token with no grant for the type gets 403; a patient-scoped
 * token asking about someone else is treated as not permitted (404), so it cannot probe who exists.
 */
function scopeAllows(r: Requester, type: string, permission: 'r' | 's'): boolean {
  const contexts: ('patient' | 'user' | 'system')[] = r.kind === 'system' ? ['system'] : ['patient', 'user'];
  return allows(r.scopes, type, permission, contexts);
}

function scopeCoversPatient(r: Requester, type: string, permission: 'r' | 's', person: string): boolean {
  if (r.kind === 'system') return true;
  return allows(r.scopes, type, permission, ['user']) || (r.patient === person && allows(r.scopes, type, permission, ['patient']));
}

const notFound = (what: string) => FhirError.of(404, 'not-found', `${what} is not known`);

async function personOf(c: Context<AppEnv>, type: string, id: string, patientId: string | null): Promise<string | undefined> {
  const ref = type === 'Patient' ? id : patientId;
  if (!ref) return undefined;
  return (await resolvePerson(c.var.deps.db, ref)) ?? ref;
}

/** read and vread: the version asked for is decided on its own labels, in the current record's compartment. */
async function read(c: Context<AppEnv>): Promise<Response> {
  const { type, id, vid } = c.req.param() as { type: string; id: string; vid?: string };
  knownType(type);
  const requester = requesterOf(c);
  const { deps } = c.var;
  const current = await readCurrent(deps.db, type, id);
  const row = vid === undefined || !current || String(current.versionId) === vid ? current : await readVersion(deps.db, type, id, vid, current);
  const query = vid === undefined ? `${type}/${id}` : `${type}/${id}/_history/${vid}`;
  if (!row) {
    await audit(c, { interaction: 'read', query, outcome: 'not-found' });
    throw notFound(query);
  }
  if (DIRECTORY.has(type)) {
    if (!scopeAllows(requester, type, 'r')) throw FhirError.of(403, 'forbidden', `The token does not grant read on ${type}`);
    return c.body(row.content, 200, { 'content-type': FHIR_JSON, etag: `W/"${row.versionId}"` });
  }
  const person = await personOf(c, type, id, current!.patientId);
  if (!scopeAllows(requester, type, 'r')) throw FhirError.of(403, 'forbidden', `The token does not grant read on ${type}`);
  if (!person || !deps.consent || !scopeCoversPatient(requester, type, 'r', person)) {
    await audit(c, { interaction: 'read', query, outcome: 'not-found' });
    throw notFound(query);
  }
  const categories = categoriesOf(row.security.trim().split(' ').filter(Boolean), categoryIndex(deps.codeLists));
  const decision = await deps.consent.decide(person, { requester, cls: type, categories, ...(row.dateStart ? { date: row.dateStart } : {}) });
  await audit(c, { interaction: 'read', query, person, outcome: decision.permit ? 'permit' : 'not-found', reasons: decision.reasons, ...purposeOf(decision) });
  if (!decision.permit) throw notFound(query);
  return c.body(row.content, 200, { 'content-type': FHIR_JSON, etag: `W/"${row.versionId}"`, 'last-modified': new Date(row.lastUpdated).toUTCString() });
}

/** An earlier version, with the current record's search columns (labels are re-derived from its own meta). */
async function readVersion(db: AppEnv['Variables']['deps']['db'], type: string, id: string, vid: string, current: NonNullable<Awaited<ReturnType<typeof readCurrent>>>) {
  if (!/^\d{1,9}$/.test(vid)) return undefined;
  const [old] = await db.orm.select().from(resourceHistory).where(and(eq(resourceHistory.type, type), eq(resourceHistory.id, id), eq(resourceHistory.versionId, Number(vid))));
  if (!old) return undefined;
  const labels = ((JSON.parse(old.content) as { meta?: { security?: { code?: string }[] } }).meta?.security ?? []).map((s) => s.code).filter(Boolean);
  return { ...current, versionId: old.versionId, lastUpdated: old.lastUpdated, content: old.content, security: ` ${labels.join(' ')} ` };
}

function purposeOf(d: Decision): { purpose?: string; breakGlass?: boolean } {
  return { ...(d.purpose ? { purpose: d.purpose } : {}), ...(d.permit && d.reasons.some((r) => r.layer === 'break-glass') ? { breakGlass: true } : {}) };
}

function parse(c: Context<AppEnv>, everything: boolean): SearchQuery {
  const url = new URL(c.req.url);
  const strict = /handling=strict/.test(c.req.header('prefer') ?? '');
  const parsed = parseSearch(url.searchParams, { strict, everything });
  if (Array.isArray(parsed)) throw new FhirError(400, parsed);
  return parsed;
}

/** Decides each class for this patient and turns the answers into query grants. */
async function grantsFor(c: Context<AppEnv>, requester: Requester, person: string, types: readonly string[]): Promise<{ grants: ClassGrant[]; decisions: Decision[] }> {
  const { deps } = c.var;
  const grants: ClassGrant[] = [];
  const decisions: Decision[] = [];
  for (const type of types) {
    if (!scopeAllows(requester, type, 's') || !scopeCoversPatient(requester, type, 's', person)) continue;
    const decision = await deps.consent!.decide(person, { requester, cls: type });
    decisions.push(decision);
    if (decision.permit) grants.push({ type, withhold: codesOf(decision.obligations.redact, deps.codeLists) });
  }
  return { grants, decisions };
}

async function search(c: Context<AppEnv>): Promise<Response> {
  const type = c.req.param('type')!;
  knownType(type);
  const requester = requesterOf(c);
  const { deps } = c.var;
  const q = parse(c, false);
  const url = new URL(c.req.url);
  const queryText = `${type}${url.search}`;
  if (DIRECTORY.has(type)) {
    if (!scopeAllows(requester, type, 's')) throw FhirError.of(403, 'forbidden', `The token does not grant search on ${type}`);
    const result = await runSearch(deps.db, searchWhere(undefined, [{ type, withhold: [] }], q), q);
    return bundle(c, result, q);
  }
  if (!COMPARTMENT.includes(type)) throw FhirError.of(403, 'forbidden', `${type} is not searchable here`);
  if (!q.patient) throw FhirError.of(400, 'required', `Searching ${type} needs a patient (or subject) parameter`, 'patient');
  if (!deps.consent) throw FhirError.of(405, 'not-supported', 'Patient-level search is served on the Node deployment');
  if (!scopeAllows(requester, type, 's')) throw FhirError.of(403, 'forbidden', `The token does not grant search on ${type}`);
  const person = (await resolvePerson(deps.db, q.patient)) ?? undefined;
  const { grants, decisions } = person ? await grantsFor(c, requester, person, [type]) : { grants: [], decisions: [] };
  await audit(c, { interaction: 'search-type', query: queryText, ...(person ? { person } : {}), outcome: grants.length > 0 ? 'permit' : 'not-found', reasons: decisions.flatMap((d) => d.reasons), ...(decisions[0] ? purposeOf(decisions[0]) : {}) });
  // An unknown patient and a patient the requester may not see give the same empty result.
  if (!person || grants.length === 0) return bundle(c, { total: 0, rows: [] }, q);
  const ids = await linkedPatientIds(deps.db, person);
  const result = await runSearch(deps.db, searchWhere(ids, grants, q), q);
  const included = q.includes.length > 0 ? await includes(c, requester, person, ids, result.rows, q) : [];
  return bundle(c, result, q, undefined, included);
}

/**
 * `_include`: the Practitioners, Organizations and Encounters the page's resources reference.
 * Directory entries need only the scope; an Encounter is patient data, so it must be in the
 * patient's compartment and pass the same decision as a search for Encounters would.
 */
async function includes(c: Context<AppEnv>, requester: Requester, person: string, patientIds: string[], rows: { type: string; content: string }[], q: SearchQuery) {
  const { deps } = c.var;
  const wanted = new Map<string, Set<string>>();
  for (const row of rows) {
    const resource = JSON.parse(row.content) as Record<string, unknown>;
    for (const inc of q.includes) {
      if (inc.source !== row.type) continue;
      for (const path of INCLUDE_PATHS[inc.param]) {
        for (const ref of referencesAt(resource, path.split('.'))) {
          const m = /^(Practitioner|Organization|Encounter)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
          if (m) wanted.set(m[1]!, (wanted.get(m[1]!) ?? new Set()).add(m[2]!));
        }
      }
    }
  }
  const out: { type: string; id: string; content: string }[] = [];
  for (const [type, idSet] of wanted) {
    if (!scopeAllows(requester, type, 'r')) continue;
    const grant: ClassGrant[] = type === 'Encounter' ? (await grantsFor(c, requester, person, ['Encounter'])).grants : [{ type, withhold: [] }];
    if (grant.length === 0) continue;
    const all = { ...q, ids: [...idSet], dates: [], tokens: [], status: undefined, offset: 0, count: MAX_COUNT };
    const found = await runSearch(deps.db, searchWhere(type === 'Encounter' ? patientIds : undefined, grant, all), all);
    out.push(...found.rows);
  }
  return out;
}

function referencesAt(node: unknown, path: string[]): string[] {
  if (Array.isArray(node)) return node.flatMap((n) => referencesAt(n, path));
  if (node === null || typeof node !== 'object') return [];
  if (path.length === 0) {
    const ref = (node as { reference?: unknown }).reference;
    return typeof ref === 'string' ? [ref] : [];
  }
  return referencesAt((node as Record<string, unknown>)[path[0]!], path.slice(1));
}

async function everything(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const { deps } = c.var;
  const id = c.req.param('id')!;
  const q = parse(c, true);
  const person = deps.consent ? await resolvePerson(deps.db, id) : undefined;
  const types = (q.types ?? COMPARTMENT).filter((t) => COMPARTMENT.includes(t));
  const { grants, decisions } = person ? await grantsFor(c, requester, person, types) : { grants: [], decisions: [] };
  await audit(c, { interaction: 'operation', query: `Patient/${id}/$everything${new URL(c.req.url).search}`, ...(person ? { person } : {}), outcome: grants.length > 0 ? 'permit' : 'not-found', reasons: decisions.flatMap((d) => d.reasons).slice(0, 6), ...(decisions.find((d) => d.permit) ? purposeOf(decisions.find((d) => d.permit)!) : {}) });
  if (!person || grants.length === 0) throw notFound(`Patient/${id}`);
  const ids = await linkedPatientIds(deps.db, person);
  return bundle(c, await runSearch(deps.db, searchWhere(ids, grants, q), q), q);
}

/** GET /fhir/AuditEvent?patient=…: a patient's accounting of disclosures, for them or a caregiver they delegated it to. */
async function accountingOfDisclosures(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const { deps } = c.var;
  const q = parse(c, false);
  if (!q.patient) throw FhirError.of(400, 'required', 'AuditEvent search needs patient=Patient/{your id}', 'patient');
  const person = (await resolvePerson(deps.db, q.patient)) ?? q.patient;
  const self = requester.kind === 'person' && requester.role === 'patient' && requester.patient === person;
  const delegated =
    requester.kind === 'person' && requester.role === 'caregiver' && requester.patient === person && deps.consent
      ? (await deps.consent.decide(person, { requester, cls: 'AuditEvent', categories: ['normal'] })).permit
      : false;
  await audit(c, { interaction: 'search-type', query: `AuditEvent?patient=${q.patient}`, person, outcome: self || delegated ? 'permit' : 'not-found' });
  if (!self && !delegated) return bundle(c, { total: 0, rows: [] }, q);
  const rows = await eventsAbout(deps.audit, person, q.count + 1, q.offset);
  const more = rows.length > q.count;
  const page = rows.slice(0, q.count).map((r) => ({ type: 'AuditEvent', id: (JSON.parse(r.content) as { id: string }).id, content: r.content }));
  return bundle(c, { total: q.offset + page.length + (more ? 1 : 0), rows: page }, q, more);
}

/** A searchset Bundle, built as text around the stored JSON so nothing is parsed twice. */
function bundle(
  c: Context<AppEnv>,
  result: { total: number; rows: { type: string; id: string; content: string }[] },
  q: SearchQuery,
  moreOverride?: boolean,
  included: { type: string; id: string; content: string }[] = [],
): Response {
  const base = c.var.deps.config.baseUrl;
  const url = new URL(c.req.url);
  const self = `${base}${url.pathname}${url.search}`;
  const links = [{ relation: 'self', url: self }];
  const more = moreOverride ?? q.offset + result.rows.length < result.total;
  if (more) {
    const next = new URLSearchParams(url.searchParams);
    next.set('_offset', String(q.offset + q.count));
    next.set('_count', String(q.count));
    links.push({ relation: 'next', url: `${base}${url.pathname}?${next}` });
  }
  const entry = (r: { type: string; id: string; content: string }, mode: string) => `{"fullUrl":${JSON.stringify(`${base}/fhir/${r.type}/${r.id}`)},"resource":${r.content},"search":{"mode":"${mode}"}}`;
  const entries = [...result.rows.map((r) => entry(r, 'match')), ...included.map((r) => entry(r, 'include'))];
  const body = `{"resourceType":"Bundle","type":"searchset","total":${result.total},"link":${JSON.stringify(links)},"entry":[${entries.join(',')}]}`;
  return c.body(body, 200, { 'content-type': FHIR_JSON });
}
