import type { Requester } from '../auth/requester.js';
import { filtersOf, type SubscriptionRow } from './store.js';
import { PATIENT_TOPICS, type TopicCode } from './topics.js';

/**
 * Who a notification is disclosed to, as the gate decides it: the subscription's organization,
 * for treatment, under its DUA. Built from the stored subscription, not from the token that
 * created it, so a notification is decided the same way whenever it is sent (the token has
 * long expired by then) and never for more than treatment. The token id names the
 * subscription, so its decisions are memoised apart from any other requester's.
 */
export function recipientOf(sub: Pick<SubscriptionRow, 'id' | 'owner' | 'organization' | 'dua'>): Requester {
  return {
    kind: 'system',
    subject: sub.owner,
    clientId: sub.owner,
    organization: sub.organization,
    ...(sub.dua ? { dua: sub.dua } : {}),
    clientKind: 'source',
    scopes: [],
    scope: '',
    purposes: ['TREAT'],
    tokenId: `subscription-${sub.id}`,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Who a patient's subscription is decided for at each send: the patient herself, or the
 * caregiver who registered it (decided again each time, so a withdrawn delegation stops it).
 */
export function recipientOfPatientSubscription(sub: Pick<SubscriptionRow, 'id' | 'owner' | 'organization'>, person: string): Requester {
  const caregiver = sub.owner.startsWith('RelatedPerson/');
  return {
    kind: 'person',
    subject: sub.owner,
    clientId: sub.owner,
    role: caregiver ? 'caregiver' : 'patient',
    fhirUser: sub.owner,
    ...(sub.organization ? { organization: sub.organization } : {}),
    patient: person,
    scopes: [],
    scope: '',
    purposes: caregiver ? ['FAMRQT'] : ['PATRQT'],
    tokenId: `subscription-${sub.id}`,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

/**
 * Whom a stored subscription's events are decided for: an organization (recipientOf), or, for a
 * topic about her own record (break-the-glass), the patient or caregiver who registered it.
 */
export function recipientOfSubscription(sub: SubscriptionRow): Requester {
  if (!PATIENT_TOPICS.includes(sub.topic as TopicCode)) return recipientOf(sub);
  // mayPatientSubscribe stores exactly one patient filter: her person id.
  const person = filtersOf(sub).find((f) => f.name === 'patient')?.values[0] ?? '';
  return recipientOfPatientSubscription(sub, person);
}
