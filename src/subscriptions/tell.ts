import type { Gate } from '../gate/index.js';
import type { EventToTell, PayloadContent } from './bundle.js';
import { eventsByIds, type SubscriptionEventRow } from './store.js';
import type { Database } from '../db/database.js';

/**
 * What each numbered event may say now, decided again through the recipient's gate (which
 * audits each one it releases, before anything is sent). An event the recipient may no longer
 * hear of (a revocation since numbering), or whose outbox row is gone, keeps its number and
 * says nothing else: the number was already given, and taking it back would leave a gap that
 * says more than the number does.
 */
export async function eventsToTell(db: Database, gate: Gate, numbered: readonly SubscriptionEventRow[], payload: PayloadContent): Promise<EventToTell[]> {
  const events = await eventsByIds(
    db,
    numbered.map((n) => n.eventId),
  );
  const told: EventToTell[] = [];
  for (const n of numbered) {
    const event = events.get(n.eventId);
    const release = event
      ? await gate.releaseNotification({ ...event, eventNumber: n.eventNumber }, n.detail === 'notice' ? 'notice' : 'full', payload)
      : { disclosed: false };
    told.push({
      eventNumber: n.eventNumber,
      // The timestamp, like the focus, is said only of an event that may still be told.
      ...(release.disclosed ? { timestamp: n.numberedAt, ...(release.focus ? { focus: release.focus } : {}) } : {}),
      ...(release.resource ? { resource: release.resource } : {}),
      ...(release.security ? { security: release.security } : {}),
      ...(release.notice ? { notice: release.notice } : {}),
    });
  }
  return told;
}
