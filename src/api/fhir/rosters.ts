import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError } from '../../fhir/errors.js';
import { FHIR_ID } from '../../fhir/types.js';
import { limitBody, readJson } from '../../http/body.js';
import { parseIfMatch } from '../../http/conditional.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import type { VisibleRoster } from '../../gate/roster-versions.js';
import { disputeTask, parseDecision, parseDisputeTask, type Dispute } from '../../rosters/dispute.js';
import { rosterGroup } from '../../rosters/group.js';

const ROSTER_ID = /^roster-\d{4}-\d{2}-[0-9a-f]{12}$/;
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const absent = (what: string) => FhirError.of(404, 'not-found', `${what} is not known`);

/**
 * Monthly ATR roster Groups (`Group/roster-…`, read, vread, history and search by month) and
 * their disputes as Tasks. Mounted before the generic writes and reads: neither Task nor these
 * Groups are stored resources. Who sees what is the gate's rule.
 */
export function rosterRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Group', search);
  routes.get('/Group/:id/_history/:vid', vread);
  routes.get('/Group/:id/_history', history);
  routes.get('/Group/:id', read);
  routes.post('/Task', limitBody(), file);
  routes.get('/Task', searchTasks);
  routes.get('/Task/:id', readTask);
  routes.put('/Task/:id', limitBody(), decide);
  return routes;
}

const groupOf = (r: VisibleRoster) => rosterGroup(r.version, r.members);
const etag = (v: number | string) => ({ etag: `W/"${v}"` });

async function read(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  if (!ROSTER_ID.test(id)) return next();
  const r = await gateOf(c).rosterVersion(id);
  if (!r) throw absent(`Group/${id}`);
  return fhirJson(c, groupOf(r), 200, etag(r.version.version));
}

async function vread(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  if (!ROSTER_ID.test(id)) return next();
  const vid = c.req.param('vid')!;
  const r = /^[1-9]\d{0,8}$/.test(vid) ? await gateOf(c).rosterVersion(id, Number(vid)) : undefined;
  if (!r) throw absent(`Group/${id}/_history/${vid}`);
  return fhirJson(c, groupOf(r), 200, etag(r.version.version));
}

async function history(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  if (!ROSTER_ID.test(id)) return next();
  const versions = await gateOf(c).rosterHistory(id);
  if (!versions) throw absent(`Group/${id}`);
  const base = c.var.deps.config.baseUrl;
  return fhirJson(c, {
    resourceType: 'Bundle',
    type: 'history',
    total: versions.length,
    entry: versions.map((r) => ({
      fullUrl: `${base}/fhir/Group/${id}`,
      resource: groupOf(r),
      request: { method: r.version.version === 1 ? 'POST' : 'PUT', url: `Group/${id}` },
      response: { status: r.version.version === 1 ? '201 Created' : '200 OK', lastModified: r.version.createdAt },
    })),
  });
}

/** `Group?period=YYYY-MM[&managing-entity=Organization/x]`: the monthly rosters; other Group searches go on to the generic search. */
async function search(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const period = c.req.query('period');
  if (period === undefined) return next();
  if (!PERIOD.test(period)) throw FhirError.of(400, 'value', 'period must be a month, YYYY-MM', 'period');
  const entity = c.req.query('managing-entity');
  if (entity !== undefined && !/^Organization\/[A-Za-z0-9.-]{1,64}$/.test(entity))
    throw FhirError.of(400, 'value', 'managing-entity must be Organization/{id}', 'managing-entity');
  const url = new URL(c.req.url);
  const found = await gateOf(c).rosters({ period, ...(entity ? { organization: entity } : {}) }, `Group${url.search}`);
  return fhirJson(c, bundleOf(c, found.map(groupOf)));
}

function bundleOf(c: Context<AppEnv>, resources: readonly { resourceType: string; id: string }[]) {
  const base = c.var.deps.config.baseUrl;
  const url = new URL(c.req.url);
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    total: resources.length,
    link: [{ relation: 'self', url: `${base}${url.pathname}${url.search}` }],
    entry: resources.map((resource) => ({ fullUrl: `${base}/fhir/${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
  };
}

const taskOf = (d: Dispute) => disputeTask(d);

async function file(c: Context<AppEnv>): Promise<Response> {
  const gate = gateOf(c);
  const req = parseDisputeTask(await readJson(c));
  const d = await gate.openDispute(req);
  const base = c.var.deps.config.baseUrl;
  return fhirJson(c, taskOf(d), 201, { location: `${base}/fhir/Task/${d.id}/_history/${d.versionId}`, ...etag(d.versionId) });
}

async function readTask(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id')!;
  const d = FHIR_ID.test(id) ? await gateOf(c).dispute(id) : undefined;
  if (!d) throw absent(`Task/${id}`);
  return fhirJson(c, taskOf(d), 200, etag(d.versionId));
}

async function searchTasks(c: Context<AppEnv>): Promise<Response> {
  const q = { owner: c.req.query('owner'), requester: c.req.query('requester'), status: c.req.query('status') };
  const url = new URL(c.req.url);
  const found = await gateOf(c).disputes(
    Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as { owner?: string; requester?: string; status?: string },
    `Task${url.search}`,
  );
  return fhirJson(c, bundleOf(c, found.map(taskOf)));
}

async function decide(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id')!;
  if (!FHIR_ID.test(id)) throw absent(`Task/${id}`);
  const gate = gateOf(c);
  const decision = parseDecision(await readJson(c), id);
  const d = await gate.decideDispute(id, decision, parseIfMatch(c.req.header('if-match')));
  return fhirJson(c, taskOf(d), 200, etag(d.versionId));
}
