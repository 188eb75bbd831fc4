import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { parseRemarkPatch } from '../../caregaps/remark.js';
import { isCalendarDate } from '../../fhir/calendar-date.js';
import { FhirError } from '../../fhir/errors.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';

const DATE = /^(le)?(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))$/;
const KINDS = new Set(['care-gaps', 'performance']);

/**
 * Stored gaps-in-care reports: a gap (DetectedIssue) read or remarked on by PATCH, a patient's
 * document by its Bundle id, and an organization's reports of a day. All through the gate.
 */
export function storedGapsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/DetectedIssue/:id', async (c) => {
    const issue = await gateOf(c).storedGap(c.req.param('id'));
    if (!issue) throw FhirError.of(404, 'not-found', `DetectedIssue/${c.req.param('id')} is not known`);
    return fhirJson(c, issue);
  });
  routes.patch('/DetectedIssue/:id', async (c) => {
    const gate = gateOf(c);
    const remark = parseRemarkPatch(c.req.header('content-type'), await c.req.text());
    return fhirJson(c, await gate.remarkGap(c.req.param('id'), remark));
  });
  routes.get('/Bundle/:id', async (c) => {
    const doc = await gateOf(c).storedDocument(c.req.param('id'));
    if (!doc) throw FhirError.of(404, 'not-found', `Bundle/${c.req.param('id')} is not known`);
    return fhirJson(c, doc);
  });
  routes.get('/Organization/:id/$reports', async (c) => {
    const gate = gateOf(c);
    const url = new URL(c.req.url);
    const date = DATE.exec(url.searchParams.get('date') ?? '');
    if (!date || !isCalendarDate(date[2]!)) throw FhirError.of(400, 'invalid', 'date is required, as YYYY-MM-DD or leYYYY-MM-DD', 'date');
    const kind = url.searchParams.get('kind') ?? 'care-gaps';
    if (!KINDS.has(kind)) throw FhirError.of(400, 'invalid', 'kind must be care-gaps or performance', 'kind');
    const organization = `Organization/${c.req.param('id')}`;
    const found = await gate.reports(organization, { date: date[2]!, le: date[1] === 'le', kind }, `${url.pathname}${url.search}`);
    if (!found) throw FhirError.of(404, 'not-found', `${organization} is not known`);
    const base = c.var.deps.config.baseUrl;
    return fhirJson(c, {
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      link: [{ relation: 'self', url: `${base}${url.pathname}${url.search}` }],
      entry: found.map((r) => ({
        resource: {
          resourceType: 'Parameters',
          id: r.id,
          parameter: [
            { name: 'report', valueString: r.id },
            { name: 'kind', valueCode: r.kind },
            { name: 'created', valueDateTime: r.createdAt },
            { name: 'period', valuePeriod: r.period },
            ...r.rosters.map((roster) => ({ name: 'roster', valueReference: { reference: roster } })),
            ...(r.contract ? [{ name: 'contract', valueString: r.contract }] : []),
            // The counts of the documents listed (care-gaps only).
            ...Object.entries(r.counts).map(([name, n]) => ({ name, valueInteger: n })),
            ...r.documents.map((d) => ({ name: 'document', valueReference: { reference: d } })),
          ],
        },
        search: { mode: 'match' },
      })),
    });
  });
  return routes;
}
