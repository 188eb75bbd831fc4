import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Requester } from '../../auth/requester.js';
import { FhirError } from '../../fhir/errors.js';
import { requesterOf } from '../../http/authenticate.js';
import { fhirJson } from '../../http/fhir-response.js';
import { createGate } from '../../gate/index.js';
import { notificationBundle, statusParameters, type EventToTell, type PayloadContent } from '../../subscriptions/bundle.js';
import { recipientOfSubscription } from '../../subscriptions/recipient.js';
import { readSubscription } from '../../subscriptions/manage.js';
import { eventsAfter, type SubscriptionRow } from '../../subscriptions/store.js';
import { eventsToTell } from '../../subscriptions/tell.js';
import { TOPICS, type TopicCode } from '../../subscriptions/topics.js';

/** The most events one `$events` answers; a subscriber replays a longer stretch in pages. */
export const MAX_EVENTS_PER_QUERY = 100;
const CONTENTS: readonly PayloadContent[] = ['empty', 'id-only', 'full-resource'];

/**
 * `$status` and `$events` on a Subscription (R4 Backport IG, operations.md): its status, and
 * replay of its numbered events by number, each told through the recipient's gate as a
 * notification would be (decided again now, audited). Only for the subscription's owner, or an
 * operator; to anyone else the subscription does not exist.
 */
export function subscriptionOpsRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/Subscription/:id/$status', status);
  routes.get('/Subscription/:id/$events', events);
  return routes;
}

async function status(c: Context<AppEnv>): Promise<Response> {
  const sub = await ownedSubscription(c);
  const parameters = statusParameters({ ...statusOf(c, sub), type: 'query-status', events: [] });
  return fhirJson(c, {
    resourceType: 'Bundle',
    type: 'searchset',
    total: 1,
    entry: [{ fullUrl: `urn:uuid:${parameters.id}`, resource: parameters, search: { mode: 'match' } }],
  });
}

async function events(c: Context<AppEnv>): Promise<Response> {
  const requester = requesterOf(c);
  const sub = await ownedSubscription(c);
  const since = eventNumber(c, 'eventsSinceNumber') ?? 1;
  const until = eventNumber(c, 'eventsUntilNumber') ?? sub.eventsSinceStart;
  if (until < since) throw FhirError.of(400, 'value', 'eventsUntilNumber must not be below eventsSinceNumber', 'eventsUntilNumber');
  const content = contentOf(c, sub);
  // An operator sees how far delivery got, not what it said: the recipient's disclosures are the recipient's.
  const told = isOperator(requester) ? 'empty' : content;
  const numbered = (await eventsAfter(c.var.deps.db, sub.id, since - 1, Math.min(MAX_EVENTS_PER_QUERY, until - since + 1))).filter(
    (e) => e.eventNumber <= until,
  );
  // An operator's replay is not a disclosure to the recipient: numbers only, nothing released or audited as told.
  const list = isOperator(requester)
    ? numbered.map((n): EventToTell => ({ eventNumber: n.eventNumber }))
    : await eventsToTell(c.var.deps.db, createGate(c.var.deps, recipientOfSubscription(sub)), numbered, told);
  // The same Bundle a notification is, so a replay carries what the push carried (a Part 2 stay's labels and notice too).
  return fhirJson(c, notificationBundle({ ...statusOf(c, sub), type: 'query-event', events: list, payload: told }, fhirBase(c)));
}

/**
 * The subscription, as a read of it would find it (manage.ts: the token's Subscription scope
 * and, for a client, purpose TREAT; its owner, the patient for her own, or an operator);
 * otherwise the same 404 as an id that does not exist.
 */
async function ownedSubscription(c: Context<AppEnv>): Promise<SubscriptionRow> {
  const id = c.req.param('id')!;
  const sub = await readSubscription(c.var.deps, requesterOf(c), id, 'r');
  if (!sub) throw FhirError.of(404, 'not-found', `Subscription/${id} is not known`);
  return sub;
}

const isOperator = (r: Requester) => r.kind === 'person' && r.role === 'operator';
const fhirBase = (c: Context<AppEnv>) => `${c.var.deps.config.baseUrl}/fhir`;

function statusOf(c: Context<AppEnv>, sub: SubscriptionRow) {
  return {
    subscriptionUrl: `${fhirBase(c)}/Subscription/${sub.id}`,
    topic: TOPICS[sub.topic as TopicCode]?.canonical ?? sub.topic,
    status: sub.status,
    eventsSinceSubscriptionStart: sub.eventsSinceStart,
    payload: sub.payload as PayloadContent,
    ...(sub.status === 'error' && sub.lastError ? { errors: [sub.lastError] } : {}),
  };
}

function eventNumber(c: Context<AppEnv>, name: string): number | undefined {
  const all = c.req.queries(name);
  if (!all) return undefined;
  if (all.length > 1) throw FhirError.of(400, 'value', `${name} may be given once`, name);
  const text = all[0]!;
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw FhirError.of(400, 'value', `${name} must be an event number: a whole number from 1`, name);
  return Number(text);
}

/** The content asked for, never more than the subscription's own payload: replay says no more than delivery did. */
function contentOf(c: Context<AppEnv>, sub: SubscriptionRow): PayloadContent {
  const payload = sub.payload as PayloadContent;
  const all = c.req.queries('content');
  if (!all) return payload;
  const asked = all[0] as PayloadContent;
  if (all.length > 1 || !CONTENTS.includes(asked)) throw FhirError.of(400, 'value', `content must be one of ${CONTENTS.join(', ')}`, 'content');
  if (CONTENTS.indexOf(asked) > CONTENTS.indexOf(payload))
    throw FhirError.of(400, 'value', `content may not be more than the subscription's payload (${payload})`, 'content');
  return asked;
}
