import { and, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { requesterOf } from '../../auth/middleware.js';
import type { Requester } from '../../auth/requester.js';
import { allows } from '../../auth/scopes.js';
import { audit } from '../../audit/record.js';
import { codesOf } from '../../consent/categories.js';
import { exportJobs } from '../../db/schema.js';
import type { AppEnv } from '../../http/env.js';
import { fhirJson } from '../../http/fhir-response.js';
import { COMPARTMENT_TYPES } from '../../store/search-values.js';
import { FhirError } from '../errors.js';
import { runSearch, searchWhere } from '../search/sql.js';
import type { SearchQuery } from '../search/params.js';
import { linkedPatientIds } from '../../store/read.js';
import { rosterOf } from './members.js';

const COMPARTMENT = COMPARTMENT_TYPES;
const PAGE = 500;

/**
 * FHIR Bulk Data export of a group (an organization's roster): kick-off answers 202 with a
 * status URL, the status answers 202 until the manifest is ready, each NDJSON file streams from
 * the store with every member's data decided as it goes, and DELETE cancels.
 */
export function exportRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Group/:id/$export', kickOff);
  routes.get('/$export-status/:job', status);
  routes.delete('/$export-status/:job', cancel);
  routes.get('/$export-file/:job/:file', file);
  return routes;
}

const ownerOf = (r: Requester) => `${r.clientId}|${r.subject}`;

async function kickOff(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const { deps } = c.var;
  if (!/respond-async/.test(c.req.header('prefer') ?? '')) throw FhirError.of(400, 'required', 'Bulk export is asynchronous: send Prefer: respond-async');
  const groupId = c.req.param('id')!;
  // A requester exports only the roster of the organization it acts for; any other group does not exist for it.
  if (requester.organization !== `Organization/${groupId}`) throw FhirError.of(404, 'not-found', `Group/${groupId} is not known`);
  const types = (c.req.query('_type') ?? COMPARTMENT.join(',')).split(',');
  const unknown = types.filter((t) => !COMPARTMENT.includes(t));
  if (unknown.length > 0) throw FhirError.of(400, 'not-supported', `_type names types not exported: ${unknown.join(', ')}`);
  const permitted = types.filter((t) => allows(requester.scopes, t, 'r', ['system', 'user']));
  if (permitted.length === 0) throw FhirError.of(403, 'forbidden', 'The token grants read on none of the requested types');
  const since = c.req.query('_since');
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw FhirError.of(400, 'value', '_since must be an instant');
  const id = deps.newId();
  const transactionTime = deps.clock().toISOString();
  await deps.db.orm.insert(exportJobs).values({ id, owner: ownerOf(requester), requester: JSON.stringify(requester), groupId, types: permitted.join(','), since: since ?? null, transactionTime, status: 'in-progress' });
  await audit(c, { interaction: 'operation', query: `Group/${groupId}/$export?_type=${permitted.join(',')}`, outcome: 'permit' });
  // The manifest is prepared after the response; the client polls the status URL.
  void prepareManifest(deps, id, groupId, permitted).catch((err: unknown) => {
    deps.log('error', { where: 'export', job: id, message: String(err) });
    void deps.db.orm.update(exportJobs).set({ status: 'error' }).where(eq(exportJobs.id, id));
  });
  return c.body(null, 202, { 'content-location': `${deps.config.baseUrl}/fhir/$export-status/${id}` });
}

async function prepareManifest(deps: AppEnv['Variables']['deps'], id: string, groupId: string, types: string[]): Promise<void> {
  const members = await rosterOf(deps.db, groupId);
  const output = types.map((type) => ({ type, url: `${deps.config.baseUrl}/fhir/$export-file/${id}/${type}.ndjson` }));
  await deps.db.orm
    .update(exportJobs)
    .set({ status: 'complete', members: JSON.stringify(members), manifest: JSON.stringify(output) })
    .where(and(eq(exportJobs.id, id), eq(exportJobs.status, 'in-progress')));
}

async function ownedJob(c: Context<AppEnv>) {
  const requester = requesterOf(c);
  const [job] = await c.var.deps.db.orm.select().from(exportJobs).where(eq(exportJobs.id, c.req.param('job')!));
  if (!job || job.owner !== ownerOf(requester) || job.status === 'cancelled') throw FhirError.of(404, 'not-found', 'No such export');
  return job;
}

async function status(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status === 'in-progress') return c.body(null, 202, { 'x-progress': 'building the roster', 'retry-after': '1' });
  if (job.status === 'error') throw FhirError.of(500, 'exception', 'The export failed; it has been logged');
  return fhirJson(c, { transactionTime: job.transactionTime, request: `${c.var.deps.config.baseUrl}/fhir/Group/${job.groupId}/$export`, requiresAccessToken: true, output: JSON.parse(job.manifest ?? '[]'), error: [] });
}

async function cancel(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  await c.var.deps.db.orm.update(exportJobs).set({ status: 'cancelled' }).where(eq(exportJobs.id, job.id));
  return c.body(null, 202);
}

/** One type's NDJSON, streamed member by member, page by page; each member's class decided now. */
async function file(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status !== 'complete') throw FhirError.of(404, 'not-found', 'The export is not ready');
  const type = /^([A-Za-z]+)\.ndjson$/.exec(c.req.param('file')!)?.[1];
  if (!type || !job.types.split(',').includes(type)) throw FhirError.of(404, 'not-found', 'No such file in this export');
  const { deps } = c.var;
  const requester = requesterOf(c);
  const members = JSON.parse(job.members ?? '[]') as string[];
  const encoder = new TextEncoder();
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // One member per pull: memory holds at most one page of one member.
      if (index >= members.length) return controller.close();
      const person = members[index++]!;
      const decision = await deps.consent!.decide(person, { requester, cls: type });
      await audit(c, { interaction: 'operation', query: `Group/${job.groupId}/$export ${type}`, person, outcome: decision.permit ? 'permit' : 'not-found', reasons: decision.reasons, ...(decision.purpose ? { purpose: decision.purpose } : {}) });
      if (!decision.permit) return;
      const ids = await linkedPatientIds(deps.db, person);
      const grant = [{ type, withhold: codesOf(decision.obligations.redact, deps.codeLists) }];
      for (let offset = 0; ; offset += PAGE) {
        const q: SearchQuery = { dates: job.since ? [{ column: 'lastUpdated', op: 'ge', range: [job.since, job.since] }] : [], tokens: [], includes: [], count: PAGE, offset, sort: { column: 'lastUpdated', descending: false } };
        const { rows } = await runSearch(deps.db, searchWhere(ids, grant, q), q);
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map((r) => `${r.content}\n`).join('')));
        if (rows.length < PAGE) break;
      }
    },
  });
  return c.body(stream, 200, { 'content-type': 'application/fhir+ndjson' });
}
