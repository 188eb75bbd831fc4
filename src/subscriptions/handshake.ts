import { notificationBundle, type PayloadContent } from './bundle.js';
import { sendNotification, type SendResult } from './send.js';
import { headersOf, type SubscriptionRow } from './store.js';
import { TOPICS, type TopicCode } from './topics.js';

/**
 * The handshake (IG notifications.md, "Handshake"): a `handshake` notification, signed and with
 * the subscriber's headers like every other, bounded by the channel's timeout. It carries no
 * event, so it discloses nothing but that the subscription exists, to the endpoint that asked.
 * A 2xx proves the endpoint is there and is the subscriber's to accept notifications at.
 */
export async function handshake(
  row: Pick<SubscriptionRow, 'id' | 'topic' | 'payload' | 'endpoint' | 'headers' | 'timeoutSeconds' | 'secret' | 'eventsSinceStart'>,
  fhirBase: string,
  now: Date,
  fetcher: typeof fetch = fetch,
): Promise<SendResult> {
  const bundle = notificationBundle(
    {
      subscriptionUrl: `${fhirBase}/Subscription/${row.id}`,
      topic: TOPICS[row.topic as TopicCode].canonical,
      status: 'requested',
      type: 'handshake',
      eventsSinceSubscriptionStart: row.eventsSinceStart,
      events: [],
      payload: row.payload as PayloadContent,
    },
    fhirBase,
  );
  const target = { endpoint: row.endpoint, headers: headersOf(row), timeoutSeconds: row.timeoutSeconds, secret: row.secret };
  return sendNotification(target, JSON.stringify(bundle), `handshake-${row.id}-${crypto.randomUUID()}`, now, fetcher);
}
