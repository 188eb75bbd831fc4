import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { FhirError } from '../fhir/errors.js';
import { requesterOf } from '../http/authenticate.js';
import { deliveryProgress } from '../subscriptions/progress.js';

/**
 * `GET /admin/notifications`: delivery progress for operators (a person token with role
 * `operator`; anonymous 401, anyone else 403), JSON: who holds the delivery lease, the outbox,
 * and per subscription its status, numbered, confirmed, failing since, next attempt, last error.
 */
export function notificationAdminRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async function progress(c) {
    const requester = requesterOf(c);
    if (requester.kind !== 'person' || requester.role !== 'operator') throw FhirError.of(403, 'forbidden', 'Only an operator may see notification delivery');
    return c.json(await deliveryProgress(c.var.deps.db));
  });
  return app;
}
