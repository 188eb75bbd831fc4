import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError } from '../../fhir/errors.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import { rosterGroups } from '../../metrics/attribution-data.js';

const GROUP_ID = /^attribution-([A-Za-z0-9.-]{1,64})-(\d{4})$/;

/**
 * Attribution rosters as FHIR Groups (Da Vinci ATR style), from the latest release:
 * `Group/attribution-{organization}-{year}`. Who sees which members is the gate's rule; a
 * roster with nothing visible does not exist for the requester.
 */
export function attributionRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Group/:id', read);
  return routes;
}

async function read(c: Context<AppEnv>, next: () => Promise<void>): Promise<Response | void> {
  const id = c.req.param('id')!;
  const m = GROUP_ID.exec(id);
  if (!m) return next();
  const roster = await gateOf(c).roster(`Organization/${m[1]}`, Number(m[2]), id);
  if (!roster) throw FhirError.of(404, 'not-found', `Group/${id} is not known`);
  const [group] = rosterGroups(roster.members, Number(m[2]));
  return fhirJson(c, { ...group, meta: { source: `${c.var.deps.config.baseUrl}/public/datasets/${roster.release.id}/`, lastUpdated: roster.release.issued } });
}
