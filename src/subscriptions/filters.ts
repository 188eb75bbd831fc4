import type { Database } from '../db/database.js';
import { attributedOrganization } from '../metrics/attribution-data.js';
import { resolvePerson } from '../store/read.js';
import type { NotificationEventRecord, SubscriptionFilter } from './store.js';

/** The person an outbox event is about: the linked person of its source-level Patient. */
export async function personOfEvent(db: Database, event: Pick<NotificationEventRecord, 'patientId'>): Promise<string> {
  return (await resolvePerson(db, event.patientId)) ?? event.patientId;
}

/**
 * Whether an event matches a subscription's filters: each filter ANDed, the values of one ORed,
 * no filter matching everything of the topic. A filter name this code does not know matches
 * nothing (the API refuses them at creation; a row that still has one fails closed).
 */
export async function matchesFilters(db: Database, filters: readonly SubscriptionFilter[], event: NotificationEventRecord, person: string): Promise<boolean> {
  for (const f of filters) {
    if (!(await matchesOne(db, f, event, person))) return false;
  }
  return true;
}

async function matchesOne(db: Database, f: SubscriptionFilter, event: NotificationEventRecord, person: string): Promise<boolean> {
  switch (f.name) {
    case 'patient':
      for (const value of f.values) {
        const id = value.startsWith('Patient/') ? value.slice('Patient/'.length) : value;
        // Any of her source records names her: the filter is about the person, not one record.
        if (id === event.patientId || ((await resolvePerson(db, id)) ?? id) === person) return true;
      }
      return false;
    case 'class':
      // `code` or `system|code`: only v3 ActCode classes raise events (topics.ts).
      return event.encounterClass !== null && f.values.some((v) => v.slice(v.lastIndexOf('|') + 1) === event.encounterClass);
    case 'attributed-organization': {
      const organization = await attributedOrganization(db, person, Number(event.occurred.slice(0, 4)));
      return organization !== undefined && f.values.some((v) => (v.startsWith('Organization/') ? v : `Organization/${v}`) === organization);
    }
    default:
      return false;
  }
}
