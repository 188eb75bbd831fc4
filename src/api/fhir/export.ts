import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Requester } from '../../auth/requester.js';
import { allows } from '../../auth/scopes.js';
import { audit } from '../../http/audit.js';
import { createExportJob, exportJob, setExportJob, type ExportJob } from '../../export/jobs.js';
import { buildManifest, ERROR_FILE_TYPE, fileName, ignoredNdjson } from '../../export/manifest.js';
import { readKickOff } from '../../export/params.js';
import { COMPARTMENT_TYPES } from '../../store/search-values.js';
import { FhirError, type Issue } from '../../fhir/errors.js';
import { gateOf } from '../../http/gate.js';
import type { ExportLevel, ExportSnapshot } from '../../gate/index.js';

/** export_jobs.level of an async `$care-gaps` run; its snapshot holds `{ reportId }` (no column of its own). */
export const CARE_GAPS_LEVEL = 'care-gaps';

/**
 * FHIR Bulk Data Access (v2) export: `Group/{id}/$export`, `Patient/$export` and `$export`.
 * Kick-off answers 202 with a status URL; the status answers 202 (X-Progress, Retry-After)
 * until the manifest is ready, then the manifest as application/json; each NDJSON file streams
 * from the gate, its members decided as it goes; DELETE cancels. The files are a snapshot as of
 * the manifest's transactionTime (see the gate's exportTransactionTime and planExport).
 */
export function exportRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Group/:id/$export', (c) => kickOff(c, 'group', c.req.param('id')));
  routes.get('/Patient/$export', (c) => kickOff(c, 'patient'));
  routes.get('/$export', (c) => kickOff(c, 'system'));
  routes.get('/$export-status/:job', status);
  routes.delete('/$export-status/:job', cancel);
  routes.get('/$export-file/:job/:file', file);
  return routes;
}

export const ownerOf = (r: Requester) => `${r.clientId}|${r.subject}`;

/** The query a kick-off names in the audit trail and in each file's audit records. */
const operationOf = (job: Pick<ExportJob, 'level' | 'groupId'>) =>
  job.level === 'group' ? `Group/${job.groupId}/$export` : job.level === 'patient' ? 'Patient/$export' : '$export';

/**
 * Prefer: respond-async is required (the IG's kick-off is asynchronous only); handling=lenient is
 * read from the same header. Preferences are comma-separated; a `;` between them, which some
 * clients send, is read the same way.
 */
function preferOf(c: Context<AppEnv>): { lenient: boolean } {
  const prefer = (c.req.header('prefer') ?? '').split(/[,;]/).map((p) => p.trim().toLowerCase());
  if (!prefer.includes('respond-async'))
    throw new FhirError(400, [{ code: 'required', diagnostics: 'Bulk export is asynchronous: send Prefer: respond-async', expression: 'Prefer' }]);
  return { lenient: prefer.includes('handling=lenient') };
}

/** The kick-off's OperationOutcomes are FHIR JSON: an Accept that excludes it is refused; none at all is read as asking for it. */
function requireFhirJsonAccept(c: Context<AppEnv>): void {
  const accept = c.req.header('accept');
  if (accept === undefined || accept.trim() === '') return;
  const ranges = accept.split(',').map((r) => r.split(';')[0]!.trim().toLowerCase());
  if (ranges.some((r) => ['application/fhir+json', 'application/json', 'application/*', '*/*'].includes(r))) return;
  throw new FhirError(406, [
    { code: 'not-supported', diagnostics: 'The kick-off answers in application/fhir+json: send Accept: application/fhir+json', expression: 'Accept' },
  ]);
}

async function kickOff(c: Context<AppEnv>, level: ExportLevel, groupId?: string): Promise<Response> {
  const gate = gateOf(c);
  const { deps } = c.var;
  const { lenient } = preferOf(c);
  requireFhirJsonAccept(c);
  const rosters = gate.exportRosters(level, groupId);
  // An unknown group and one the requester may not export are the same answer.
  if (!rosters && level === 'group') throw FhirError.of(404, 'not-found', `Group/${groupId} is not known`);
  if (!rosters) throw FhirError.of(403, 'forbidden', 'This requester may not run this export');
  const read = readKickOff(new Map(Object.entries(c.req.queries())), COMPARTMENT_TYPES, lenient);
  if (!read.ok) throw new FhirError(400, read.issues);
  const { types, since, ignored } = read.request;
  if (types.length === 0) throw new FhirError(400, [{ code: 'not-supported', diagnostics: '_type names no type this server exports', expression: '_type' }]);
  const permitted = types.filter((t) => allows(gate.requester.scopes, t, 'r', ['system', 'user']));
  if (permitted.length === 0) throw FhirError.of(403, 'forbidden', 'The token grants read on none of the requested types');

  const url = new URL(c.req.url);
  const request = `${deps.config.baseUrl}${url.pathname}${url.search}`;
  const id = deps.newId();
  const transactionTime = await gate.exportTransactionTime();
  const job = { level, groupId: rosters.join(',') };
  await createExportJob(deps.db, {
    id,
    owner: ownerOf(gate.requester),
    requester: JSON.stringify(gate.requester),
    ...job,
    types: permitted.join(','),
    since,
    transactionTime,
    request,
    ignored: JSON.stringify(ignored),
  });
  await audit(c, { interaction: 'operation', query: `${operationOf(job)}?_type=${permitted.join(',')}`, outcome: 'permit' });
  // The snapshot is planned after the response; the client polls the status URL.
  void (async () => {
    const snapshot = await gate.planExport(rosters, permitted, since, transactionTime);
    const manifest = buildManifest({
      transactionTime,
      request,
      fileUrl: (name) => `${deps.config.baseUrl}/fhir/$export-file/${id}/${name}`,
      counts: permitted.map((type) => [type, Object.values(snapshot.files[type] ?? {}).reduce((n, versions) => n + versions.length, 0)]),
      ignored,
    });
    await setExportJob(
      deps.db,
      id,
      { status: 'complete', members: JSON.stringify(snapshot.members), snapshot: JSON.stringify(snapshot.files), manifest: JSON.stringify(manifest) },
      'in-progress',
    );
  })().catch((err: unknown) => {
    deps.log('error', { where: 'export', job: id, message: String(err) });
    void setExportJob(deps.db, id, { status: 'error' }, 'in-progress');
  });
  return c.body(null, 202, { 'content-location': `${deps.config.baseUrl}/fhir/$export-status/${id}` });
}

/** The requester's own job; anyone else's, a cancelled one and a missing one are the same 404. */
async function ownedJob(c: Context<AppEnv>): Promise<ExportJob> {
  const requester = gateOf(c).requester;
  const job = await exportJob(c.var.deps.db, c.req.param('job')!);
  if (!job || job.owner !== ownerOf(requester) || job.status === 'cancelled') throw FhirError.of(404, 'not-found', 'No such export');
  return job;
}

async function status(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status === 'in-progress') return c.body(null, 202, { 'x-progress': 'taking the snapshot', 'retry-after': '1' });
  if (job.status === 'error' && job.manifest) {
    // A run that failed on the client's request keeps the answer it would have had at once.
    const failed = JSON.parse(job.manifest) as { status: FhirError['status']; issues: FhirError['issues'] };
    throw new FhirError(failed.status, failed.issues);
  }
  if (job.status !== 'complete' || !job.manifest) throw FhirError.of(500, 'exception', 'The export failed; it has been logged');
  return c.body(job.manifest, 200, { 'content-type': 'application/json; charset=utf-8' });
}

async function cancel(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  await setExportJob(c.var.deps.db, job.id, { status: 'cancelled' });
  return c.body(null, 202);
}

const NDJSON = { 'content-type': 'application/fhir+ndjson' };

/** One type's NDJSON, streamed from the gate; each pull waits for the next non-empty chunk or the end. The error file is the lenient kick-off's. */
async function file(c: Context<AppEnv>): Promise<Response> {
  const job = await ownedJob(c);
  if (job.status !== 'complete') throw FhirError.of(404, 'not-found', 'The export is not ready');
  const name = c.req.param('file')!;
  const ignored = JSON.parse(job.ignored ?? '[]') as Issue[];
  if (name === fileName(ERROR_FILE_TYPE) && ignored.length > 0) return c.body(ignoredNdjson(ignored), 200, NDJSON);
  const type = /^([A-Za-z]+)\.ndjson$/.exec(name)?.[1];
  if (!type || !job.types.split(',').includes(type)) throw FhirError.of(404, 'not-found', 'No such file in this export');
  // An async $care-gaps run (src/api/fhir/care-gaps.ts): its one file is the stored documents, read from the report.
  if (job.level === CARE_GAPS_LEVEL)
    return ndjsonStream(c, gateOf(c).gapsFile((JSON.parse(job.snapshot ?? '{}') as { reportId?: string }).reportId ?? '', job.request ?? '$care-gaps'));
  const snapshot = { members: JSON.parse(job.members ?? '[]') as string[], files: JSON.parse(job.snapshot ?? '{}') as ExportSnapshot['files'] };
  return ndjsonStream(c, gateOf(c).exportFile(job.groupId.split(',').filter(Boolean), snapshot, type, operationOf(job)));
}

function ndjsonStream(c: Context<AppEnv>, chunks: AsyncGenerator<string>): Response {
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
  return c.body(stream, 200, NDJSON);
}
