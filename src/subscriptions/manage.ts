/**
 * Create, read, update and delete of Subscriptions, each a list of named steps: who may
 * (subscriber.ts), what was asked (validate.ts), to whom it may point (the gate), store, then
 * the handshake. Nothing is stored for a refused request. What a requester may not manage
 * answers exactly as what does not exist.
 */
import type { Requester } from '../auth/requester.js';
import { FhirError } from '../fhir/errors.js';
import { createGate, type GateDeps } from '../gate/index.js';
import { handshake } from './handshake.js';
import { mayPatientSubscribe } from './patient-subscriptions.js';
import { PATIENT_TOPICS } from './topics.js';
import { recipientOf } from './recipient.js';
import { subscriptionResource } from './resource.js';
import { newSecret } from './sign.js';
import { announce, type OutboxListener } from './outbox.js';
import {
  deleteSubscription as deleteRow,
  getSubscription,
  insertSubscription,
  eventsAfter,
  listSubscriptions as listRows,
  outboxHead,
  updateSubscription as updateRow,
  type SubscriptionRow,
} from './store.js';
import { managerOf, permitsEncounters, recipientFor, type Manager, type Recipient } from './subscriber.js';
import { validateSubscription, type SubscriptionSpec } from './validate.js';

export interface ManageDeps extends GateDeps {
  config: { mode: 'development' | 'production'; baseUrl: string };
  /** The handshake's HTTP client (tests may pass one; defaults to fetch). */
  fetcher?: typeof fetch;
  /** Told of the events a subscription now active may be sent (AppDeps.onCommitted). */
  onCommitted?: OutboxListener;
  log?: (event: string, detail: Record<string, unknown>) => void;
}

type Json = Record<string, unknown>;

export async function createSubscription(deps: ManageDeps, requester: Requester, body: unknown): Promise<{ row: SubscriptionRow; resource: Json }> {
  const manager = managerOf(requester, 'c');
  const now = deps.clock().toISOString();
  const spec = validated(deps, body, now);
  const id = deps.newId();
  const columns = await reachOf(deps, requester, manager, spec, { id, owner: manager.owner }, undefined, now);
  await insertSubscription(deps.db, {
    id,
    ...columns,
    owner: manager.owner,
    status: 'requested',
    secret: newSecret(),
    startSeq: await outboxHead(deps.db),
    versionId: 1,
    created: now,
    updated: now,
  });
  const row = await shake(deps, id);
  return { row, resource: subscriptionResource(row, true) };
}

/** The subscription, if the requester may manage it: its owner, or an operator. */
export async function readSubscription(
  deps: ManageDeps,
  requester: Requester,
  id: string,
  letter: 'r' | 'u' | 'd' = 'r',
): Promise<SubscriptionRow | undefined> {
  const manager = managerOf(requester, letter);
  const row = await getSubscription(deps.db, id);
  return row && mayManage(manager, row) ? row : undefined;
}

export async function listSubscriptions(deps: ManageDeps, requester: Requester): Promise<SubscriptionRow[]> {
  const manager = managerOf(requester, 's');
  return listRows(deps.db, manager.kind === 'operator' ? undefined : manager.owner);
}

/**
 * An update: validated as a create. The owner, the organization told, the secret and the
 * counters never change (a subscriber cannot move its event numbers, nor hand its
 * subscription to another organization). A changed endpoint or headers must prove itself
 * again: back to `requested`, and a new handshake; so must one the subscriber resumes from
 * `error` or `off`.
 */
export async function updateSubscription(
  deps: ManageDeps,
  requester: Requester,
  id: string,
  body: unknown,
  ifMatch?: '*' | number[],
): Promise<SubscriptionRow | undefined> {
  const current = await readSubscription(deps, requester, id, 'u');
  if (!current) return undefined;
  if (Array.isArray(ifMatch) && !ifMatch.includes(current.versionId))
    throw FhirError.of(412, 'conflict', `Version ${current.versionId} is current, not the one If-Match names`);
  if ((body as { id?: unknown } | null)?.id !== id)
    throw FhirError.of(400, 'invalid', `The resource's id does not match the URL's id '${id}'`, 'Subscription.id');
  const now = deps.clock().toISOString();
  const spec = validated(deps, body, now);
  const manager = managerOf(requester, 'u');
  if (spec.organization !== undefined && spec.organization !== current.organization)
    throw FhirError.of(400, 'value', 'The organization told cannot change; create another subscription', 'Subscription.extension.valueReference');
  const columns = await reachOf(deps, requester, manager, spec, current, current.organization, now);
  const moved = columns.endpoint !== current.endpoint || columns.headers !== current.headers;
  const status = spec.off ? 'off' : moved || current.status === 'error' || current.status === 'off' ? 'requested' : current.status;
  await updateRow(deps.db, id, {
    ...columns,
    organization: current.organization,
    dua: current.dua,
    status,
    // A new endpoint (or one resumed) has proved nothing yet: nothing is delivered until its handshake succeeds.
    ...(status === 'requested' ? { lastError: null, lastSentAt: null } : {}),
    versionId: current.versionId + 1,
    updated: now,
  });
  return status === 'requested' ? shake(deps, id) : (await getSubscription(deps.db, id))!;
}

/**
 * A delete removes the subscription and its numbered events: the subscriber has said it wants
 * no more, and a kept row would keep its secret and endpoint for nothing. What was disclosed
 * stays where the patient reads it, in the audit trail, which a delete never touches.
 */
export async function deleteSubscription(deps: ManageDeps, requester: Requester, id: string): Promise<boolean> {
  const row = await readSubscription(deps, requester, id, 'd');
  if (!row) return false;
  await deleteRow(deps.db, id);
  return true;
}

const mayManage = (manager: Manager, row: SubscriptionRow) => manager.kind === 'operator' || row.owner === manager.owner;

function validated(deps: ManageDeps, body: unknown, now: string): SubscriptionSpec {
  const result = validateSubscription(body, { mode: deps.config.mode, now });
  if (!result.ok) throw new FhirError(400, result.issues);
  return result.spec;
}

/**
 * Who is told, under which agreement, with which filters: for an organization, its agreement
 * and what its filters and payload may reach (checkReach); for a patient's own topic, her (or
 * her caregiver) and the one patient filter naming her (mayPatientSubscribe). A topic about a
 * patient's own record is hers alone, and an organization's topics are not hers to subscribe to.
 */
async function reachOf(
  deps: ManageDeps,
  requester: Requester,
  manager: Manager,
  spec: SubscriptionSpec,
  sub: { id: string; owner: string },
  organization: string | undefined,
  now: string,
): Promise<ReturnType<typeof columnsOf>> {
  const patientTopic = PATIENT_TOPICS.includes(spec.topic);
  if (manager.kind === 'person') {
    if (!patientTopic) throw FhirError.of(400, 'value', `A patient's token may subscribe only to ${PATIENT_TOPICS.join(', ')}`, 'Subscription.criteria');
    const grant = await mayPatientSubscribe(deps, requester, { topic: spec.topic, filters: spec.filters });
    return { ...columnsOf(spec, { organization: grant.organization, dua: null }), filters: JSON.stringify(grant.filters) };
  }
  if (patientTopic)
    throw FhirError.of(
      400,
      'value',
      `The topic ${spec.topic} is about a patient's own record: only she (or her caregiver) subscribes to it`,
      'Subscription.criteria',
    );
  const recipient = await recipientFor(deps.db, deps.consent.policies, manager, spec.organization ?? organization, now);
  await checkReach(deps, spec, recipient, sub, now);
  return columnsOf(spec, recipient);
}

function columnsOf(spec: SubscriptionSpec, recipient: Recipient) {
  return {
    organization: recipient.organization,
    dua: recipient.dua,
    topic: spec.topic,
    filters: JSON.stringify(spec.filters),
    endpoint: spec.endpoint,
    headers: JSON.stringify(spec.headers),
    payload: spec.payload,
    heartbeatSeconds: spec.heartbeatSeconds,
    timeoutSeconds: spec.timeoutSeconds,
    maxCount: spec.maxCount,
    end: spec.end,
    resource: JSON.stringify(spec.resource),
  };
}

/**
 * What the filters and payload may reach, for the organization told: full-resource only under
 * an agreement that permits Encounters for treatment; `attributed-organization` only its own
 * roster; `patient` only someone it could be told of, else the same 400 as for no one at all.
 */
async function checkReach(deps: ManageDeps, spec: SubscriptionSpec, recipient: Recipient, sub: { id: string; owner: string }, now: string): Promise<void> {
  if (spec.payload === 'full-resource' && !permitsEncounters(deps.consent.policies, recipient.organization, now))
    throw FhirError.of(
      400,
      'forbidden',
      'full-resource needs a data use agreement that permits treatment for Encounter; ask for id-only',
      'Subscription.channel._payload',
    );
  for (const f of spec.filters) {
    if (f.name === 'attributed-organization' && f.values.some((v) => v !== recipient.organization))
      throw FhirError.of(
        400,
        'value',
        `Filter 'attributed-organization' may name only ${recipient.organization}, the organization told`,
        'Subscription._criteria',
      );
  }
  const patients = spec.filters.filter((f) => f.name === 'patient').flatMap((f) => f.values);
  if (patients.length === 0) return;
  const gate = createGate(deps, recipientOf({ id: sub.id, owner: sub.owner, organization: recipient.organization, dua: recipient.dua }));
  for (const ref of patients) {
    if (!(await gate.maySubscribeTo(ref.slice('Patient/'.length))))
      throw FhirError.of(400, 'value', `Filter 'patient': ${ref} is not known`, 'Subscription._criteria');
  }
}

/** Handshakes and records the outcome: active after a 2xx, else error with the reason. */
async function shake(deps: ManageDeps, id: string): Promise<SubscriptionRow> {
  const row = (await getSubscription(deps.db, id))!;
  const result = await handshake(row, `${deps.config.baseUrl}/fhir`, deps.clock(), deps.fetcher);
  const at = deps.clock().toISOString();
  await updateRow(
    deps.db,
    id,
    result.ok ? { status: 'active', lastError: null, lastSentAt: at } : { status: 'error', lastError: `handshake failed: ${result.error}` },
  );
  const after = (await getSubscription(deps.db, id))!;
  // Events numbered while it waited for its handshake are due now: a deliverer woken by
  // messages (the Worker's) would otherwise hear of them only at its next sweep (red team 7).
  if (result.ok) {
    const waiting = await eventsAfter(deps.db, id, after.confirmed, 500);
    if (waiting.length > 0)
      await announce(
        deps,
        waiting.map((e) => e.eventId),
      );
  }
  return after;
}
