import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { requesterOf } from '../http/authenticate.js';
import { FhirError, type IssueCode } from '../fhir/errors.js';
import { limitBody, readJson } from '../http/body.js';
import type { AppEnv } from '../app-env.js';
import { operatorOnly } from './operator-only.js';
import { clientBody, duaVersionBody, endBody, organizationBody, reasonBody, versionParam } from './participant-bodies.js';
import { ParticipantError, participantOps, type Actor, type ParticipantOps, type Status } from '../participants/index.js';

/**
 * The operator's API over participants (mounted at /admin/participants), JSON in and out:
 *
 * - `GET /`: every organization, backend client and DUA with its versions.
 * - `POST /organizations`, `POST /clients`, `POST /duas` (a new version of a DUA, creating it if new).
 * - `POST /organizations/{id}/suspend|resume`, `POST /clients/{id}/suspend|resume`,
 *   `POST /duas/{id}/versions/{n}/suspend|resume` (optionally with `{"reason": …}`, kept in the audit trail), `POST /duas/{id}/versions/{n}/end` with `{"end": …}`.
 *
 * Operators only (a person token with role `operator`): anonymous 401, anyone else 403. Every
 * change goes through the same audited, all-or-nothing operations as the CLI; a refusal is an
 * OperationOutcome (400 invalid, 404 unknown, 409 conflict) and changes nothing. Changes take
 * effect on the next request, in this process at once and in others through the change sequence.
 */
export function participantRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(operatorOnly('manage participants'), managed(), limitBody());

  app.get('/', async (c) => c.json(await opsOf(c).list()));

  app.post('/organizations', async (c) => c.json(await refused(opsOf(c).addOrganization(organizationBody(await readJson(c)), actorOf(c))), 201));

  app.post('/clients', async (c) => c.json(await refused(opsOf(c).addClient(clientBody(await readJson(c)), actorOf(c))), 201));

  app.post('/duas', async (c) => c.json(await refused(opsOf(c).addDuaVersion(duaVersionBody(await readJson(c)), actorOf(c))), 201));

  app.post('/duas/:id/versions/:version/end', async (c) => {
    const { end } = endBody(await readJson(c));
    return c.json(await refused(opsOf(c).endDuaVersion({ dua: c.req.param('id'), version: versionOf(c), end }, actorOf(c))));
  });

  app.post('/organizations/:id/:action{suspend|resume}', (c) => setStatus(c, { target: 'organization', id: `Organization/${c.req.param('id')}` }));
  app.post('/clients/:id/:action{suspend|resume}', (c) => setStatus(c, { target: 'client', id: c.req.param('id') }));
  app.post('/duas/:id/versions/:version/:action{suspend|resume}', (c) => setStatus(c, { target: 'dua-version', id: c.req.param('id'), version: versionOf(c) }));
  return app;
}

function managed(): MiddlewareHandler<AppEnv> {
  return async function managed(c, next) {
    if (!c.var.deps.participants) throw FhirError.of(404, 'not-supported', 'Participants are not managed by this deployment');
    await next();
  };
}

async function setStatus(
  c: Context<AppEnv>,
  target: { target: 'organization' | 'client'; id: string } | { target: 'dua-version'; id: string; version: number },
) {
  const status: Status = c.req.param('action') === 'suspend' ? 'suspended' : 'active';
  const reason = await optionalReason(c);
  await refused(opsOf(c).setStatus({ ...target, status, reason }, actorOf(c)));
  return c.json({ ...target, status });
}

/** A status change may carry a reason; without a body (as before) it has none. */
async function optionalReason(c: Context<AppEnv>): Promise<string | undefined> {
  if (!c.req.header('content-type')) return undefined;
  return reasonBody(await readJson(c)).reason;
}

function opsOf(c: Context<AppEnv>): ParticipantOps {
  const { deps } = c.var;
  const registry = deps.participants!;
  return participantOps({ db: deps.db, audit: deps.audit, clock: deps.clock, newId: deps.newId, changed: () => registry.changed() });
}

function actorOf(c: Context<AppEnv>): Actor {
  const r = requesterOf(c);
  return { via: 'api', id: r.subject, clientId: r.clientId, tokenId: r.tokenId, ...(r.fhirUser ? { fhirUser: r.fhirUser } : {}) };
}

function versionOf(c: Context<AppEnv>): number {
  return versionParam(c.req.param('version') ?? '');
}

const STATUS: Record<ParticipantError['code'], [400 | 404 | 409, IssueCode]> = {
  invalid: [400, 'invalid'],
  'not-found': [404, 'not-found'],
  conflict: [409, 'conflict'],
};

/** A refused change as an OperationOutcome, one issue per problem. */
async function refused<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (!(err instanceof ParticipantError)) throw err;
    const [status, code] = STATUS[err.code];
    throw new FhirError(
      status,
      err.problems.map((diagnostics) => ({ code, diagnostics })),
    );
  }
}
