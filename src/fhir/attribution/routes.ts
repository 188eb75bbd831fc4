import { and, eq } from 'drizzle-orm';
import { Hono, type Context } from 'hono';
import { requesterOf } from '../../auth/middleware.js';
import { allows } from '../../auth/scopes.js';
import { audit } from '../../audit/record.js';
import { attributions } from '../../db/schema.js';
import type { AppEnv } from '../../http/env.js';
import { fhirJson } from '../../http/fhir-response.js';
import { rosterGroups } from '../../metrics/attribution-data.js';
import type { Attribution } from '../../metrics/attribution.js';
import { listReleases } from '../../release/store.js';
import { linkedPatientIds } from '../../store/read.js';
import { FhirError } from '../errors.js';

const GROUP_ID = /^attribution-([A-Za-z0-9.-]{1,64})-(\d{4})$/;

/**
 * Attribution rosters as FHIR Groups (Da Vinci ATR style), from the latest release: read
 * `Group/attribution-{organization}-{year}`. Each member is shown only if `decide` permits the
 * requester the Group class for that patient, so the organization sees its roster under its
 * agreement, a payer sees only its own members (its DUA's member scope), and a patient's consent
 * against an organization removes them from what it sees. A roster with nothing visible does not
 * exist for the requester.
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
  const requester = requesterOf(c);
  const { deps } = c.var;
  if (!allows(requester.scopes, 'Group', 'r', ['system', 'user'])) throw FhirError.of(403, 'forbidden', 'The token does not grant read on Group');
  if (!deps.consent) throw FhirError.of(404, 'not-found', `Group/${id} is not known`);
  const [latest] = await listReleases(deps.db);
  const organization = `Organization/${m[1]}`;
  const year = Number(m[2]);
  const rows = latest
    ? await deps.db.orm
        .select()
        .from(attributions)
        .where(and(eq(attributions.releaseId, latest.id), eq(attributions.year, year), eq(attributions.organization, organization)))
    : [];
  const visible: Attribution[] = [];
  for (const r of rows) {
    const decision = await deps.consent.decide(r.person, { requester, cls: 'Group' });
    // Members reference a Patient record the requester can read, not the internal person id.
    const [patientId] = await linkedPatientIds(deps.db, r.person);
    if (decision.permit && patientId) visible.push({ person: patientId, year: r.year, organization, method: r.method as Attribution['method'], reason: r.reason });
  }
  await audit(c, { interaction: 'read', query: `Group/${id}`, outcome: visible.length > 0 ? 'permit' : 'not-found' });
  if (visible.length === 0) throw FhirError.of(404, 'not-found', `Group/${id} is not known`);
  const [group] = rosterGroups(visible, year);
  return fhirJson(c, { ...group, meta: { source: `${deps.config.baseUrl}/public/datasets/${latest!.id}/`, lastUpdated: latest!.issued } });
}
