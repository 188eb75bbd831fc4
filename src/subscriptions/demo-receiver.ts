import { signatureHeaders } from './sign.js';

/**
 * The development-only demo receiver's parts: checking a Standard Webhooks signature as any
 * subscriber would, reading what a notification Bundle says, and remembering the last
 * deliveries for the page that lists them. Nothing here stores patient data: only event
 * numbers, the topic, focus references and times, and only in memory.
 */

/** How far a webhook-timestamp may be from now (the Standard Webhooks default tolerance). */
const TOLERANCE_SECONDS = 5 * 60;

/**
 * Whether `webhook-signature` holds a v1 signature of `id.timestamp.body` under `secret`, with a
 * timestamp within tolerance (an old, replayed delivery fails). The header may list several
 * signatures, space-separated, during a secret rotation: any one suffices.
 */
export async function verifySignature(
  secret: string,
  headers: { id?: string; timestamp?: string; signature?: string },
  body: string,
  now: Date,
): Promise<boolean> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  let expected: string;
  try {
    expected = signatureHeaders(secret, id, body, new Date(Number(timestamp) * 1000))['webhook-signature']!;
  } catch {
    return false;
  }
  return signature.split(' ').some((candidate) => sameText(candidate, expected));
}

/** Compares without stopping at the first difference, so the time taken says nothing about how much matched. */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** What one notification says, read from its SubscriptionStatus Parameters (the Bundle's first entry). */
export interface NotificationSummary {
  type?: string;
  topic?: string;
  subscription?: string;
  eventsSinceStart?: string;
  events: { eventNumber: string; focus?: string; timestamp?: string }[];
}

interface Part {
  name?: string;
  valueString?: string;
  valueCode?: string;
  valueCanonical?: string;
  valueInstant?: string;
  valueReference?: { reference?: string };
  part?: Part[];
}

/** Reads a notification Bundle; anything that is not one reads as nothing. */
export function summarize(body: unknown): NotificationSummary {
  const status = (body as { entry?: { resource?: { resourceType?: string; parameter?: Part[] } }[] } | null)?.entry?.[0]?.resource;
  const params = status?.resourceType === 'Parameters' && Array.isArray(status.parameter) ? status.parameter : [];
  const one = (name: string) => params.find((p) => p.name === name);
  const partOf = (parts: Part[] | undefined, name: string) => parts?.find((p) => p.name === name);
  const text = (v: string | undefined) => (typeof v === 'string' ? v : undefined);
  const summary: NotificationSummary = { events: [] };
  const type = text(one('type')?.valueCode);
  const topic = text(one('topic')?.valueCanonical);
  const subscription = text(one('subscription')?.valueReference?.reference);
  const since = text(one('events-since-subscription-start')?.valueString);
  if (type) summary.type = type;
  if (topic) summary.topic = topic;
  if (subscription) summary.subscription = subscription;
  if (since) summary.eventsSinceStart = since;
  for (const p of params) {
    if (p.name !== 'notification-event') continue;
    const eventNumber = text(partOf(p.part, 'event-number')?.valueString);
    if (!eventNumber) continue;
    const focus = text(partOf(p.part, 'focus')?.valueReference?.reference);
    const timestamp = text(partOf(p.part, 'timestamp')?.valueInstant);
    summary.events.push({ eventNumber, ...(focus ? { focus } : {}), ...(timestamp ? { timestamp } : {}) });
  }
  return summary;
}

export interface Delivery extends NotificationSummary {
  /** The receiver's name: the last segment of its URL, e.g. clinic-oak. */
  receiver: string;
  receivedAt: string;
  messageId?: string;
  signatureOk: boolean;
}

/** The last deliveries received, newest first; bounded, so a flood cannot grow it. */
export class DeliveryLog {
  readonly #entries: Delivery[] = [];
  constructor(readonly limit = 500) {}

  record(d: Delivery): void {
    this.#entries.unshift(d);
    if (this.#entries.length > this.limit) this.#entries.length = this.limit;
  }

  list(receiver?: string): readonly Delivery[] {
    return receiver === undefined ? [...this.#entries] : this.#entries.filter((d) => d.receiver === receiver);
  }
}
