import type { Database } from '../db/database.js';
import { CLINICS } from '../synthetic/catalog.js';
import { BACKPORT } from './bundle.js';
import { insertSubscription, listSubscriptions, outboxHead, readySubscription, updateSubscription } from './store.js';
import { PATIENT_TOPICS, TOPIC_CODES, TOPICS, type TopicCode } from './topics.js';

/** Who owns the demo subscriptions: an administrative subscription names the operator, here the development start-up. */
export const DEMO_OWNER = 'development-start';

/** The demo receiver's URL for a clinic (src/api/dev.ts). */
export const demoReceiverUrl = (baseUrl: string, clinic: string) => `${baseUrl}/dev/receiver/${clinic}`;

/**
 * Development only: for each demo clinic, administrative subscriptions to every topic, for the
 * clinic's attributed patients, delivered to the demo receiver, so `npm start` shows
 * notifications arriving. A Subscription names one topic, so "one per clinic" is one per clinic
 * and topic. Active at once (the receiver is our own, no handshake is needed) and starting at
 * the outbox head: the region's history is not news. Idempotent: a later start keeps them,
 * pointing them at the current base URL if it changed.
 */
export async function seedDemoSubscriptions(db: Database, opts: { baseUrl: string; clock: () => Date; newId: () => string }): Promise<number> {
  const existing = (await listSubscriptions(db, DEMO_OWNER)).filter((s) => s.owner === DEMO_OWNER);
  const now = opts.clock().toISOString();
  const head = await outboxHead(db);
  let created = 0;
  for (const clinic of CLINICS) {
    const organization = `Organization/${clinic}-org`;
    const endpoint = demoReceiverUrl(opts.baseUrl, clinic);
    for (const topic of TOPIC_CODES.filter((t) => !PATIENT_TOPICS.includes(t))) {
      const found = existing.find((s) => s.organization === organization && s.topic === topic);
      if (found) {
        if (found.endpoint !== endpoint)
          await updateSubscription(db, found.id, { endpoint, resource: JSON.stringify(resourceOf(found.id, organization, topic, endpoint)), updated: now });
        continue;
      }
      const id = opts.newId();
      await insertSubscription(
        db,
        readySubscription(
          {
            id,
            organization,
            owner: DEMO_OWNER,
            dua: `dua-${clinic}`,
            topic,
            filters: JSON.stringify([{ name: 'attributed-organization', values: [organization] }]),
            endpoint,
            startSeq: head,
            resource: JSON.stringify(resourceOf(id, organization, topic, endpoint)),
          },
          now,
        ),
      );
      created++;
    }
  }
  return created;
}

/** The Subscription as its subscriber would read it (R4 Backport profile). */
function resourceOf(id: string, organization: string, topic: TopicCode, endpoint: string) {
  return {
    resourceType: 'Subscription',
    id,
    meta: { profile: [`${BACKPORT}/backport-subscription`] },
    status: 'active',
    reason: `Demo: ${TOPICS[topic].title.toLowerCase()} of ${organization}'s attributed patients, to the development receiver`,
    criteria: TOPICS[topic].canonical,
    _criteria: { extension: [{ url: `${BACKPORT}/backport-filter-criteria`, valueString: `Encounter?attributed-organization=${organization}` }] },
    channel: {
      extension: [
        { url: `${BACKPORT}/backport-timeout`, valueUnsignedInt: 10 },
        { url: `${BACKPORT}/backport-max-count`, valuePositiveInt: 20 },
      ],
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: `${BACKPORT}/backport-payload-content`, valueCode: 'id-only' }] },
    },
  };
}
