/**
 * Notification Bundles as the R4 Subscriptions Backport IG defines them (notifications.md,
 * payloads.md): a `history` Bundle whose first entry is the SubscriptionStatus Parameters.
 * Pure: what may be said about each event is decided before this is called (the gate), and
 * this only renders it.
 */
import type { Resource } from '../fhir/types.js';

export const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const STATUS_PROFILE = `${BACKPORT}/backport-subscription-status-r4`;
export const NOTIFICATION_PROFILE = `${BACKPORT}/backport-subscription-notification-r4`;

export type NotificationType = 'handshake' | 'heartbeat' | 'event-notification' | 'query-status' | 'query-event';
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

/** One numbered event as it may be told to this subscriber. */
export interface EventToTell {
  eventNumber: number;
  /** When the event was numbered for the subscriber; absent when nothing but the number may be said. */
  timestamp?: string;
  /** `Encounter/<id>`: absent when nothing but the number may be said. */
  focus?: string;
  /** The resource to include under full-resource, as it may be told (already reduced by the gate). */
  resource?: Resource;
  /** Security labels the notification must carry (42 CFR Part 2), and a notice to include with them. */
  security?: { system: string; code: string; display?: string }[];
  notice?: string;
}

export interface StatusInput {
  /** Absolute URL of the Subscription. */
  subscriptionUrl: string;
  topic: string;
  status: string;
  type: NotificationType;
  eventsSinceSubscriptionStart: number;
  events: readonly EventToTell[];
  payload: PayloadContent;
  /** Errors to report (status error), as text. */
  errors?: readonly string[];
}

const uuid = () => crypto.randomUUID();

/** The SubscriptionStatus Parameters (backport-subscription-status-r4). */
export function statusParameters(s: StatusInput) {
  return {
    resourceType: 'Parameters',
    id: uuid(),
    meta: { profile: [STATUS_PROFILE] },
    parameter: [
      { name: 'subscription', valueReference: { reference: s.subscriptionUrl } },
      { name: 'topic', valueCanonical: s.topic },
      { name: 'status', valueCode: s.status },
      { name: 'type', valueCode: s.type },
      // The IG types this as a string: a 64-bit count does not fit R4's integer.
      { name: 'events-since-subscription-start', valueString: String(s.eventsSinceSubscriptionStart) },
      ...(s.payload === 'empty' ? s.events.map((e) => ({ ...e, focus: undefined, resource: undefined })) : s.events).map(eventPart),
      ...(s.errors ?? []).map((text) => ({ name: 'error', valueCodeableConcept: { text } })),
    ],
  };
}

function eventPart(e: EventToTell) {
  return {
    name: 'notification-event',
    part: [
      { name: 'event-number', valueString: String(e.eventNumber) },
      ...(e.timestamp ? [{ name: 'timestamp', valueInstant: e.timestamp }] : []),
      ...(e.focus ? [{ name: 'focus', valueReference: { reference: e.focus } }] : []),
    ],
  };
}

/**
 * A notification Bundle: the status first, then, for id-only and full-resource, one entry per
 * event focus (fullUrl only, or with the resource). Part 2 labels go on the Bundle's meta, and
 * the redisclosure notice travels with them (in the Bundle's meta.tag text).
 */
export function notificationBundle(s: StatusInput, fhirBase: string) {
  const status = statusParameters(s);
  const entries: Record<string, unknown>[] = [
    {
      fullUrl: `urn:uuid:${status.id}`,
      resource: status,
      request: { method: 'GET', url: `${s.subscriptionUrl}/$status` },
      response: { status: '200' },
    },
  ];
  if (s.payload !== 'empty') {
    for (const e of s.events) {
      if (!e.focus) continue;
      entries.push({
        // A notice's focus is an opaque urn:uuid of its own; everything else is a resource here.
        fullUrl: e.focus.startsWith('urn:') ? e.focus : `${fhirBase}/${e.focus}`,
        ...(s.payload === 'full-resource' && e.resource ? { resource: e.resource } : {}),
        request: { method: 'PUT', url: e.focus },
        response: { status: '200' },
      });
    }
  }
  const security = s.events.flatMap((e) => e.security ?? []);
  const notices = [...new Set(s.events.map((e) => e.notice).filter((n): n is string => n !== undefined))];
  return {
    resourceType: 'Bundle',
    id: uuid(),
    meta: {
      profile: [NOTIFICATION_PROFILE],
      ...(security.length > 0 ? { security: dedupe(security) } : {}),
      ...(notices.length > 0 ? { tag: notices.map((display) => ({ system: 'urn:consent-gateway:redisclosure-notice', code: 'notice', display })) } : {}),
    },
    type: 'history',
    timestamp: new Date().toISOString(),
    entry: entries,
  };
}

function dedupe<T extends { system: string; code: string }>(codings: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const c of codings) seen.set(`${c.system}|${c.code}`, c);
  return [...seen.values()];
}
