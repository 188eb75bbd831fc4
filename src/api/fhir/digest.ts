import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FhirError } from '../../fhir/errors.js';
import { fhirJson } from '../../http/fhir-response.js';
import { gateOf } from '../../http/gate.js';
import type { DigestEntry } from '../../gate/index.js';
import { TOPIC_BASE } from '../../subscriptions/topics.js';

/** Our code for the digest's List.code: no published code names a daily ADT list. */
export const DIGEST_CODE = {
  system: 'https://consent-gateway.example/fhir/CodeSystem/list-kind',
  code: 'adt-digest',
  display: 'Daily admission and discharge digest',
};
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ID = /^[A-Za-z0-9.-]{1,64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PARAMS = ['date', '_format'];

/**
 * 002's daily admission and discharge report, as an instance operation on the organization it
 * is for: `GET /fhir/Organization/{id}/$adt-digest?date=YYYY-MM-DD` (today, UTC, without one).
 * The organization is the operation's subject, as the Group is Bulk Data's, so no search
 * parameter has to be invented for it. Answers a snapshot List: one entry per event, its item
 * the Encounter (or, where she allowed only a notice, her Patient record), the topic as its flag.
 */
export function digestRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Organization/:id/$adt-digest', digest);
  return routes;
}

async function digest(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param('id')!;
  if (!ID.test(id)) throw FhirError.of(404, 'not-found', `Organization/${id} is not known`);
  const date = dateParam(c);
  const entries = await gateOf(c).adtDigest(`Organization/${id}`, date);
  return fhirJson(c, digestList(`Organization/${id}`, date, entries, c.var.deps.clock().toISOString()));
}

function dateParam(c: Context<AppEnv>): string {
  const query = c.req.queries();
  for (const name of Object.keys(query))
    if (!PARAMS.includes(name))
      throw new FhirError(400, [{ code: 'not-supported', diagnostics: `$adt-digest takes only date, not ${name}`, expression: name }]);
  const dates = query.date ?? [];
  if (dates.length > 1) throw new FhirError(400, [{ code: 'invalid', diagnostics: 'date may be given once', expression: 'date' }]);
  const date = dates[0] ?? c.var.deps.clock().toISOString().slice(0, 10);
  const day = new Date(`${date}T00:00:00Z`);
  if (!DATE.test(date) || Number.isNaN(day.getTime()) || day.toISOString().slice(0, 10) !== date)
    throw new FhirError(400, [{ code: 'value', diagnostics: 'date must be a calendar day, YYYY-MM-DD', expression: 'date' }]);
  return date;
}

/** The digest as a FHIR List (mode snapshot, no subject: it is about many patients). */
export function digestList(organization: string, date: string, entries: readonly DigestEntry[], now: string) {
  // A Part 2 stay on the list marks the whole List, as it marks a notification: its labels, and the redisclosure notice.
  const marked = entries.find((e) => e.marking)?.marking;
  return {
    resourceType: 'List',
    id: `adt-digest-${organization.slice('Organization/'.length)}-${date}`,
    ...(marked ? { meta: { security: marked.security } } : {}),
    ...(marked ? { note: [{ text: marked.notice }] } : {}),
    status: 'current',
    mode: 'snapshot',
    title: `Admissions, discharges, emergency visits and transfers of attributed patients on ${date}`,
    code: { coding: [DIGEST_CODE] },
    date: now,
    entry: entries.map((e) => ({
      extension: [
        { url: 'urn:consent-gateway:adt-digest-patient', valueReference: { reference: e.patient } },
        ...(e.encounterClass ? [{ url: 'urn:consent-gateway:adt-digest-class', valueCoding: { system: ACT_CODE, code: e.encounterClass } }] : []),
      ],
      flag: { coding: [{ system: TOPIC_BASE, code: e.topic }] },
      date: e.occurred,
      item: { reference: e.focus ?? e.patient },
    })),
  };
}
