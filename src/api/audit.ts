import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { FhirError } from '../fhir/errors.js';
import { requesterOf } from '../http/authenticate.js';
import { chainStatus, operationsDeps, operatorOf, verifyOnDemand, type Operator } from '../operations/index.js';

/**
 * The operator's audit API (mounted at /admin/audit), the console's check as JSON, the same on
 * Node (one file) and on the Worker (a chain per patient and the anchor object):
 *
 * - `GET /`: how many events, the head, the last check;
 * - `POST /verify`: every chain walked and every anchor checked, recorded as an audit event
 *   saying who ran it and what it found.
 *
 * Operators only (a person token with role `operator`): anonymous 401, anyone else 403.
 */
export function auditRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => c.json(await chainStatus(operationsDeps(c.var.deps), operator(c))));
  app.post('/verify', async (c) => {
    const verdict = await verifyOnDemand(operationsDeps(c.var.deps), operator(c));
    const intact = verdict.problems.length === 0 && verdict.anchors.problems.length === 0;
    return c.json({ intact, ...verdict });
  });
  return app;
}

function operator(c: Context<AppEnv>): Operator {
  const op = operatorOf(requesterOf(c));
  if (!op) throw FhirError.of(403, 'forbidden', 'Only an operator may check the audit trail');
  return op;
}
