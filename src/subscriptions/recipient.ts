import type { Requester } from '../auth/requester.js';
import type { SubscriptionRow } from './store.js';

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
