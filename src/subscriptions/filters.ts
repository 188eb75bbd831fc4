import type { Database } from '../db/database.js';
import { attributedOrganization } from '../metrics/attribution-data.js';
import { resolvePerson } from '../store/read.js';
import type { NotificationEventRecord, SubscriptionFilter } from './store.js';

/** The person an outbox event is about: the linked person of its source-level Patient. */
export async function personOfEvent(db: Database, event: Pick<NotificationEventRecord, 'patientId'>): Promise<string> {
  return (await resolvePerson(db, event.patientId)) ?? event.patientId;
}

/**
 * The person behind a Patient id, remembered per database once known: a link, once made, never
 * moves (matching's links are sticky), so the answer cannot go stale. A subscription's patient
 * filter is matched against every event of its topic, and would otherwise resolve each of its
 * patients again for every event. An id not linked yet is not remembered.
 */
const people = new WeakMap<Database, Map<string, string>>();
async function personOf(db: Database, id: string): Promise<string> {
  let known = people.get(db);
  if (!known) people.set(db, (known = new Map()));
  const hit = known.get(id);
  if (hit !== undefined) return hit;
  const person = await resolvePerson(db, id);
  if (person === undefined) return id;
  if (known.size > 200_000) known.clear();
  known.set(id, person);
  return person;
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
    case 'patient': {
      const ids = f.values.map((v) => (v.startsWith('Patient/') ? v.slice('Patient/'.length) : v));
      if (ids.includes(event.patientId)) return true;
      // Any of her source records names her: the filter is about the person, not one record.
      for (const id of ids) if ((await personOf(db, id)) === person) return true;
      return false;
    }
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
