import { Hono, type Context } from 'hono';
import type { AppEnv } from '../app-env.js';
import { FhirError } from '../fhir/errors.js';
import { DeliveryLog, summarize, verifySignature } from '../subscriptions/demo-receiver.js';
import { listSubscriptions } from '../subscriptions/store.js';
import { CLINICS } from '../synthetic/catalog.js';
import { receiverPage } from '../web/dev/receiver-page.js';

const NAME = /^[a-z0-9-]{1,64}$/;
const PATH = '/dev/receiver/';

/**
 * Development only (createApp mounts it in development mode and never in production): a demo
 * subscriber, so notifications can be seen arriving. `POST /dev/receiver/{name}` receives a
 * notification as a clinic's endpoint would: it checks the Standard Webhooks signature with
 * the secret of the subscription(s) pointing at it, records what it was told (event numbers,
 * topic, focus), and refuses a signature that does not verify, as a real subscriber must.
 * `GET /dev/receiver` lists what was received. The log is this app's, in memory.
 */
export function devRoutes(): Hono<AppEnv> {
  const log = new DeliveryLog();
  const routes = new Hono<AppEnv>();
  routes.post('/receiver/:name', (c) => receive(c, log));
  routes.get('/receiver', (c) => c.html(receiverPage(log.list(), CLINICS)));
  return routes;
}

async function receive(c: Context<AppEnv>, log: DeliveryLog): Promise<Response> {
  const name = c.req.param('name')!;
  if (!NAME.test(name)) throw FhirError.of(404, 'not-found', `There is no demo receiver ${name}`);
  const { db, clock } = c.var.deps;
  const body = await c.req.text();
  const headers = { id: c.req.header('webhook-id'), timestamp: c.req.header('webhook-timestamp'), signature: c.req.header('webhook-signature') };
  const now = clock();
  let signatureOk = false;
  for (const sub of await listSubscriptions(db)) {
    if (endpointPath(sub.endpoint) !== `${PATH}${name}`) continue;
    if (await verifySignature(sub.secret, headers, body, now)) signatureOk = true;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  log.record({ ...summarize(parsed), receiver: name, receivedAt: now.toISOString(), ...(headers.id ? { messageId: headers.id } : {}), signatureOk });
  if (!signatureOk)
    throw FhirError.of(401, 'security', "webhook-signature does not verify with the secret of this receiver's subscriptions", 'webhook-signature');
  return c.body(null, 204);
}

function endpointPath(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).pathname;
  } catch {
    return undefined;
  }
}
