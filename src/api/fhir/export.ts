import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Requester } from '../../auth/requester.js';
import { allows } from '../../auth/scopes.js';
import { audit } from '../../http/audit.js';
import { createExportJob, exportJob, setExportJob, type ExportJob } from '../../export/jobs.js';
import { COMPARTMENT_TYPES } from '../../store/search-values.js';
import { FhirError } from '../../fhir/errors.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';

/**
 * FHIR Bulk Data export of a group (an organization's roster): kick-off answers 202 with a
 * status URL, the status answers 202 until the manifest is ready, each NDJSON file streams from
 * the gate with every member's data decided as it goes, and DELETE cancels.
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
  const gate = gateOf(c);
  const { deps } = c.var;
  if (!/respond-async/.test(c.req.header('prefer') ?? '')) throw FhirError.of(400, 'required', 'Bulk export is asynchronous: send Prefer: respond-async');
  const groupId = c.req.param('id')!;
  if (!gate.mayExport(groupId)) throw FhirError.of(404, 'not-found', `Group/${groupId} is not known`);
  const types = (c.req.query('_type') ?? COMPARTMENT_TYPES.join(',')).split(',');
  const unknown = types.filter((t) => !COMPARTMENT_TYPES.includes(t));
  if (unknown.length > 0) throw FhirError.of(400, 'not-supported', `_type names types not exported: ${unknown.join(', ')}`);
  const permitted = types.filter((t) => allows(gate.requester.scopes, t, 'r', ['system', 'user']));
  if (permitted.length === 0) throw FhirError.of(403, 'forbidden', 'The token grants read on none of the requested types');
  const since = c.req.query('_since');
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw FhirError.of(400, 'value', '_since must be an instant');
  const id = deps.newId();
  await createExportJob(deps.db, {
    id,
    owner: ownerOf(gate.requester),
    requester: JSON.stringify(gate.requester),
    groupId,
    types: permitted.join(','),
    since: since ?? null,
    transactionTime: deps.clock().toISOString(),
  });
  await audit(c, { interaction: 'operation', query: `Group/${groupId}/$export?_type=${permitted.join(',')}`, outcome: 'permit' });
  // The manifest is prepared after the response; the client polls the status URL.
  void (async () => {
    const members = await gate.exportMembers(groupId);
    const output = permitted.map((type) => ({ type, url: `${deps.config.baseUrl}/fhir/$export-file/${id}/${type}.ndjson` }));
    await setExportJob(deps.db, id, { status: 'complete', members: JSON.stringify(members), manifest: JSON.stringify(output) }, 'in-progress');
  })().catch((err: unknown) => {
    deps.log('error', { where: 'export', job: id, message: String(err) });
    void setExportJob(deps.db, id, { status: 'error' });
  });
  return c.body(null, 202, { 'content-location': `${deps.config.baseUrl}/fhir/$export-status/${id}` });
}

async function ownedJob(c: Context<AppEnv>): Promise<ExportJob> {
  const requester = gateOf(c).requester;
  const job = await exportJob(c.var.deps.db, c.req.param('job')!);
  if (!job || job.owner !== ownerOf(requester) || job.status === 'cancelled') throw FhirError.of(404, 'not-found', 'No such export');
  return job;
}

async function status(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status === 'in-progress') return c.body(null, 202, { 'x-progress': 'building the roster', 'retry-after': '1' });
  if (job.status === 'error') throw FhirError.of(500, 'exception', 'The export failed; it has been logged');
  return fhirJson(c, {
    transactionTime: job.transactionTime,
    request: `${c.var.deps.config.baseUrl}/fhir/Group/${job.groupId}/$export`,
    requiresAccessToken: true,
    output: JSON.parse(job.manifest ?? '[]'),
    error: [],
  });
}

async function cancel(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  await setExportJob(c.var.deps.db, job.id, { status: 'cancelled' });
  return c.body(null, 202);
}

/** One type's NDJSON, streamed from the gate; each pull waits for the next non-empty chunk or the end. */
async function file(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status !== 'complete') throw FhirError.of(404, 'not-found', 'The export is not ready');
  const type = /^([A-Za-z]+)\.ndjson$/.exec(c.req.param('file')!)?.[1];
  if (!type || !job.types.split(',').includes(type)) throw FhirError.of(404, 'not-found', 'No such file in this export');
  const chunks = gateOf(c).exportFile(job.groupId, JSON.parse(job.members ?? '[]') as string[], type, job.since);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
  return c.body(stream, 200, { 'content-type': 'application/fhir+ndjson' });
}
