import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError } from '../../fhir/errors.js';
import { FHIR_ID } from '../../fhir/types.js';
import { requesterOf } from '../../http/authenticate.js';
import { limitBody, readJson } from '../../http/body.js';
import { parseIfMatch, validatorHeaders } from '../../http/conditional.js';
import { fhirJson } from '../../http/fhir-response.js';
import { subscriptionResource } from '../../subscriptions/resource.js';
import {
  createSubscription,
  deleteSubscription,
  listSubscriptions,
  readSubscription,
  updateSubscription,
  type ManageDeps,
} from '../../subscriptions/manage.js';
import type { SubscriptionRow } from '../../subscriptions/store.js';

/**
 * The Subscription resource (R4 Backport IG): create, read, update, delete and the requester's
 * own list. Each parses, asks src/subscriptions/manage.ts, and renders; a subscription the
 * requester may not manage answers exactly as one that does not exist. Mounted before the
 * generic routes, which know Subscription as no stored type.
 */
export function subscriptionRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.post('/Subscription', limitBody(), create);
  routes.get('/Subscription', list);
  routes.get('/Subscription/:id', read);
  routes.get('/Subscription/:id/_history/:vid', read);
  routes.put('/Subscription/:id', limitBody(), update);
  routes.delete('/Subscription/:id', remove);
  return routes;
}

const depsOf = (c: Context<AppEnv>): ManageDeps => c.var.deps;
const location = (c: Context<AppEnv>, row: SubscriptionRow) => `${c.var.deps.config.baseUrl}/fhir/Subscription/${row.id}/_history/${row.versionId}`;
const notFound = (id: string) => FhirError.of(404, 'not-found', `Subscription/${id} is not known`);

function idOf(c: Context<AppEnv>): string {
  const id = c.req.param('id')!;
  if (!FHIR_ID.test(id)) throw notFound(id);
  return id;
}

async function create(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const { row, resource } = await createSubscription(depsOf(c), requester, await readJson(c));
  return fhirJson(c, resource, 201, { location: location(c, row), ...validatorHeaders({ versionId: row.versionId, lastUpdated: row.updated }) });
}

async function read(c: Context<AppEnv>): Promise<Response> {
  const id = idOf(c);
  const row = await readSubscription(depsOf(c), requesterOf(c), id);
  const vid = c.req.param('vid');
  // Only the current version is kept: an older one is as unknown as a missing id.
  if (!row || (vid !== undefined && vid !== String(row.versionId))) throw notFound(vid === undefined ? id : `${id}/_history/${vid}`);
  return fhirJson(c, subscriptionResource(row), 200, validatorHeaders({ versionId: row.versionId, lastUpdated: row.updated }));
}

async function update(c: Context<AppEnv>): Promise<Response> {
  const id = idOf(c);
  const requester = requesterOf(c);
  const body = await readJson(c);
  const row = await updateSubscription(depsOf(c), requester, id, body, parseIfMatch(c.req.header('if-match')));
  if (!row) throw notFound(id);
  return fhirJson(c, subscriptionResource(row), 200, {
    location: location(c, row),
    ...validatorHeaders({ versionId: row.versionId, lastUpdated: row.updated }),
  });
}

async function remove(c: Context<AppEnv>): Promise<Response> {
  const id = idOf(c);
  if (!(await deleteSubscription(depsOf(c), requesterOf(c), id))) throw notFound(id);
  return c.body(null, 204);
}

async function list(c: Context<AppEnv>): Promise<Response> {
  // The list is every Subscription of the requester's, whatever is asked: a parameter (status,
  // _id, _count, a modifier) would be silently dropped and answer another question (red team 8).
  const asked = [...new URL(c.req.url).searchParams.keys()].filter((name) => name !== '_format');
  if (asked.length > 0)
    throw new FhirError(
      400,
      asked.map((name) => ({
        code: 'not-supported' as const,
        diagnostics: `Search parameter '${name}' is not supported on Subscription: the list is every one of yours, read one by its id`,
        expression: name,
      })),
    );
  const rows = await listSubscriptions(depsOf(c), requesterOf(c));
  const base = c.var.deps.config.baseUrl;
  return fhirJson(c, {
    resourceType: 'Bundle',
    type: 'searchset',
    total: rows.length,
    link: [{ relation: 'self', url: `${base}/fhir/Subscription` }],
    // R4 JSON has no empty arrays: an empty searchset has no entry element.
    ...(rows.length > 0
      ? { entry: rows.map((row) => ({ fullUrl: `${base}/fhir/Subscription/${row.id}`, resource: subscriptionResource(row), search: { mode: 'match' } })) }
      : {}),
  });
}
