import type { Requester } from '../auth/requester.js';
import type { ConsentEngine } from '../consent/engine.js';
import type { Database } from '../db/database.js';
import { FhirError } from '../fhir/errors.js';
import { parseReference } from '../fhir/references.js';
import { resolvePerson } from '../store/read.js';
import type { SubscriptionFilter } from './store.js';
import { PATIENT_TOPICS, type TopicCode } from './topics.js';

/** What a patient-context create asks for, as the Subscription API has parsed it. */
export interface PatientSubscriptionSpec {
  topic: TopicCode;
  filters: readonly SubscriptionFilter[];
}

/** The columns a patient's subscription is stored with: whose record, and who is told. */
export interface PatientSubscriptionGrant {
  /** The person (patient_links) whose record it watches: the only `patient` filter value stored. */
  person: string;
  /** `Patient/<id>` or `RelatedPerson/<id>`: the subscription's owner, and who recipientOf (recipient.ts) rebuilds. */
  owner: string;
  organization: string;
  filters: SubscriptionFilter[];
}

/**
 * Whether a patient, or her caregiver, may register an endpoint for a topic about her own record
 * (break-the-glass): her own token's patient context, a topic of PATIENT_TOPICS, and no filter
 * but `patient` naming her. A caregiver needs her delegation of her accounting (the AuditEvent
 * class), as for reading it. Someone else's record answers as a patient who does not exist.
 *
 * The Subscription API calls this for a person token (role patient or caregiver) before
 * anything is stored, and stores the returned owner, organization and filters (dua null).
 */
export async function mayPatientSubscribe(
  deps: { db: Database; consent: ConsentEngine },
  requester: Requester,
  spec: PatientSubscriptionSpec,
): Promise<PatientSubscriptionGrant> {
  if (requester.kind !== 'person' || (requester.role !== 'patient' && requester.role !== 'caregiver') || !requester.patient || !requester.fhirUser)
    throw FhirError.of(403, 'forbidden', 'Subscriptions to a topic about a record are made with that patient’s own token (or her caregiver’s)');
  if (!PATIENT_TOPICS.includes(spec.topic))
    throw FhirError.of(400, 'value', `A patient-context token may subscribe only to ${PATIENT_TOPICS.join(', ')}`, 'Subscription.criteria');
  const bad = spec.filters.find((f) => f.name !== 'patient');
  if (bad) throw FhirError.of(400, 'value', `The topic ${spec.topic} accepts no filter '${bad.name}' (only patient)`, 'Subscription.criteria');
  const person = await resolvePerson(deps.db, requester.patient);
  const named = spec.filters.flatMap((f) => f.values);
  const missing = () => FhirError.of(400, 'value', 'Unknown patient in the patient filter', 'Subscription.criteria');
  if (!person) throw missing();
  for (const value of named) {
    const ref = parseReference(value, ['Patient']);
    const id = ref ? ref.id : value;
    if ((await resolvePerson(deps.db, id)) !== person) throw missing();
  }
  if (requester.role === 'caregiver') {
    const d = await deps.consent.decide(person, { requester, cls: 'AuditEvent', categories: ['normal'] });
    if (!d.permit) throw missing();
  }
  return { person, owner: requester.fhirUser, organization: requester.organization ?? '', filters: [{ name: 'patient', values: [person] }] };
}
