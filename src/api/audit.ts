import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { chainStatus, operationsDeps, verifyOnDemand } from '../operations/index.js';
import { operatorFrom, operatorOnly } from './operator-only.js';

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
  app.use(operatorOnly('check the audit trail'));
  app.get('/', async (c) => c.json(await chainStatus(operationsDeps(c.var.deps), operatorFrom(c))));
  app.post('/verify', async (c) => {
    const verdict = await verifyOnDemand(operationsDeps(c.var.deps), operatorFrom(c));
    const intact = verdict.problems.length === 0 && verdict.anchors.problems.length === 0;
    return c.json({ intact, ...verdict });
  });
  return app;
}
