import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { measureResource } from '../../caregaps/measures.js';
import { parametersPairs, parseCareGaps, queryPairs } from '../../caregaps/params.js';
import { FhirError } from '../../fhir/errors.js';
import { requesterOf } from '../../http/authenticate.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { QUALITY_MEASURES } from '../../metrics/quality/index.js';
import { createExportJob, setExportJob } from '../../export/jobs.js';
import { buildManifest } from '../../export/manifest.js';
import type { CareGapsParams } from '../../caregaps/params.js';
import { CARE_GAPS_LEVEL, ownerOf } from './export.js';
import { strictHandling } from './paging.js';

/**
 * The quality measures as `Measure` (directory data: any authenticated requester) and Da Vinci
 * DEQM `Measure/$care-gaps` (GET or POST Parameters, type or instance level), answered through
 * the gate on what the requester may see.
 */
export function careGapsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Measure/$care-gaps', (c) => run(c, queryPairs(new URL(c.req.url).searchParams)));
  routes.post('/Measure/$care-gaps', async (c) => run(c, parametersPairs(await body(c))));
  routes.get('/Measure/:id/$care-gaps', (c) => run(c, queryPairs(new URL(c.req.url).searchParams), c.req.param('id')));
  routes.post('/Measure/:id/$care-gaps', async (c) => run(c, parametersPairs(await body(c)), c.req.param('id')));
  routes.get('/Measure', (c) => {
    requesterOf(c);
    // Three measures: no search parameters, so under strict handling any parameter is refused.
    const unknown = [...new URL(c.req.url).searchParams.keys()].find((k) => k !== '_count' && k !== '_format');
    if (unknown !== undefined && strictHandling(c)) throw FhirError.of(400, 'not-supported', `Measure has no search parameter ${unknown}`, unknown);
    const entry = QUALITY_MEASURES.map((m) => ({
      fullUrl: `${c.var.deps.config.baseUrl}/fhir/Measure/${m.id}`,
      resource: measureResource(m),
      search: { mode: 'match' },
    }));
    return fhirJson(c, { resourceType: 'Bundle', type: 'searchset', total: entry.length, entry });
  });
  routes.get('/Measure/:id', (c) => {
    requesterOf(c);
    const m = QUALITY_MEASURES.find((q) => q.id === c.req.param('id'));
    if (!m) throw FhirError.of(404, 'not-found', `Measure/${c.req.param('id')} is not known`);
    return fhirJson(c, measureResource(m));
  });
  return routes;
}

async function body(c: Context<AppEnv>): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw FhirError.of(400, 'invalid', 'the body must be a FHIR JSON Parameters resource');
  }
}

async function run(c: Context<AppEnv>, pairs: [string, string][], measureId?: string): Promise<Response> {
  const gate = gateOf(c);
  const params = parseCareGaps(pairs, strictHandling(c), measureId);
  const url = new URL(c.req.url);
  if (respondAsync(c)) return kickOff(c, params, `${url.pathname}${url.search}`);
  const answer = await gate.careGaps(params, c.var.deps.config.baseUrl, `${url.pathname}${url.search}`);
  return fhirJson(c, answer.parameters, 200, { 'x-report-id': answer.reportId });
}

const respondAsync = (c: Context<AppEnv>) =>
  (c.req.header('prefer') ?? '')
    .split(/[,;]/)
    .map((p) => p.trim().toLowerCase())
    .includes('respond-async');

/**
 * A large roster's run, as Bulk Data: 202 with the status URL of an export job (the export
 * routes' status, DELETE and file), the run stored in the background with no disclosure audited
 * yet; the manifest's one `Bundle` file is read from the stored documents at download, each
 * member decided again and audited then (gate.gapsFile).
 */
async function kickOff(c: Context<AppEnv>, params: CareGapsParams, query: string): Promise<Response> {
  const gate = gateOf(c);
  const { deps } = c.var;
  // A Group or organization it may not ask about is the same 404 as the synchronous run, before any job exists.
  await gate.checkCareGapsSubject(params);
  const id = deps.newId();
  const transactionTime = deps.clock().toISOString();
  const request = `${deps.config.baseUrl}${query}`;
  await createExportJob(deps.db, {
    id,
    owner: ownerOf(gate.requester),
    requester: JSON.stringify(gate.requester),
    level: CARE_GAPS_LEVEL,
    groupId: '',
    types: 'Bundle',
    since: null,
    transactionTime,
    request,
    ignored: '[]',
  });
  void (async () => {
    const answer = await gate.careGaps(params, deps.config.baseUrl, query, { deferAudit: true });
    const manifest = buildManifest({
      transactionTime,
      request,
      fileUrl: (name) => `${deps.config.baseUrl}/fhir/$export-file/${id}/${name}`,
      counts: [['Bundle', answer.parameters.parameter.length]],
      ignored: [],
    });
    await setExportJob(
      deps.db,
      id,
      { status: 'complete', snapshot: JSON.stringify({ reportId: answer.reportId }), manifest: JSON.stringify(manifest) },
      'in-progress',
    );
  })().catch((err: unknown) => {
    // A client's mistake found only in the run (e.g. a Patient of whom nothing is visible) is its
    // 4xx OperationOutcome at the status URL; anything else is logged and a 500 there.
    if (err instanceof FhirError && err.status < 500) {
      void setExportJob(deps.db, id, { status: 'error', manifest: JSON.stringify({ status: err.status, issues: err.issues }) }, 'in-progress');
      return;
    }
    deps.log('error', { where: 'care-gaps', job: id, message: String(err) });
    void setExportJob(deps.db, id, { status: 'error' }, 'in-progress');
  });
  return c.body(null, 202, { 'content-location': `${deps.config.baseUrl}/fhir/$export-status/${id}` });
}
