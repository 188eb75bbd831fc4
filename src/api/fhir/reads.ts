import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError } from '../../fhir/errors.js';
import { notModified, validatorHeaders } from '../../http/conditional.js';
import { FHIR_JSON } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { isStoredType } from '../../store/search-values.js';
import { accountingOfDisclosures } from './disclosures.js';
import { instanceHistory } from './history.js';
import { parseQuery, searchset } from './searchset.js';

/**
 * Reads (conditional too), instance history, searches, $everything and the accounting of
 * disclosures: each parses, asks the request's gate, and renders. A resource the requester may not see answers exactly as one that
 * does not exist.
 */
export function readRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/AuditEvent', accountingOfDisclosures);
  routes.get('/Patient/:id/$everything', everything);
  routes.get('/:type/:id/_history/:vid', read);
  routes.get('/:type/:id/_history', history);
  routes.get('/:type/:id', read);
  routes.get('/:type', search);
  return routes;
}

function knownType(type: string): void {
  if (!isStoredType(type)) throw FhirError.of(404, 'not-supported', `Resource type '${type}' is not supported`);
}

const notFound = (what: string) => FhirError.of(404, 'not-found', `${what} is not known`);

async function read(c: Context<AppEnv>): Promise<Response> {
  const { type, id, vid } = c.req.param() as { type: string; id: string; vid?: string };
  knownType(type);
  const row = await gateOf(c).read(type, id, vid);
  if (!row) throw notFound(vid === undefined ? `${type}/${id}` : `${type}/${id}/_history/${vid}`);
  // Decided and audited as any read first: a 304 for what may not be seen would say it exists.
  const validators = validatorHeaders(row);
  if (notModified({ ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') }, row))
    return c.body(null, 304, validators);
  return c.body(row.content, 200, { 'content-type': FHIR_JSON, ...validators });
}

async function history(c: Context<AppEnv>): Promise<Response> {
  const { type, id } = c.req.param() as { type: string; id: string };
  knownType(type);
  return instanceHistory(c, type, id);
}

async function search(c: Context<AppEnv>): Promise<Response> {
  const type = c.req.param('type')!;
  knownType(type);
  const gate = gateOf(c);
  const q = parseQuery(c, false);
  return searchset(c, await gate.search(type, q, `${type}${new URL(c.req.url).search}`), q);
}

async function everything(c: Context<AppEnv>): Promise<Response> {
  const gate = gateOf(c);
  const id = c.req.param('id')!;
  const q = parseQuery(c, true);
  const found = await gate.everything(id, q, `Patient/${id}/$everything${new URL(c.req.url).search}`);
  if (!found) throw notFound(`Patient/${id}`);
  return searchset(c, found, q);
}
