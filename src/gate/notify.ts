import type { PayloadContent } from '../subscriptions/bundle.js';
import type { Resource } from '../fhir/types.js';
import { categoriesOfColumn, categoryIndex } from '../consent/categories.js';
import { resolvePerson } from '../store/read.js';
import { readVersion } from './versions.js';
import type { GateContext } from './context.js';

/** An outbox event, as the gate needs it to decide a notification about it. */
export interface NotificationEvent {
  id: string;
  topic: string;
  /** `Encounter/<id>`. */
  focus: string;
  versionId: number | null;
  patientId: string;
  encounterClass: string | null;
  occurred: string;
}

/**
 * Whether the recipient (the gate's requester: the subscriber's organization, purpose
 * treatment) may be told of this event at all, and how much: `full` (the Encounter as its
 * payload allows) or `notice` (that there was a stay of this class, and when: no place, no
 * reason). Decided when the event is numbered: `tell: false` gets no number.
 */
export type NotificationVerdict = { tell: false } | { tell: true; person: string; detail: 'full' | 'notice' };

/** What one numbered event may say when it is sent: nothing past its number, or its focus (and resource). */
export interface NotificationRelease {
  focus?: string;
  resource?: Resource;
  security?: { system: string; code: string; display?: string }[];
  notice?: string;
}

/**
 * PLACEHOLDER (foundation): tells only of events whose Encounter carries no sensitive label
 * and whose read the recipient would be permitted. Replaced by the full rules of issue 15
 * (Part 2, behavioural health, the patient's notice choice).
 */
export async function notificationVerdict(g: GateContext, e: NotificationEvent): Promise<NotificationVerdict> {
  const row = await encounterOf(g, e);
  if (!row) return { tell: false };
  const person = (await resolvePerson(g.deps.db, e.patientId)) ?? e.patientId;
  const categories = categoriesOfColumn(row.security, categoryIndex(g.deps.codeLists));
  if (categories.some((c) => c !== 'normal')) return { tell: false };
  const decision = await g.decide(person, { cls: 'Encounter', categories, purpose: 'TREAT', ...(row.dateStart ? { date: row.dateStart } : {}) });
  return decision.permit ? { tell: true, person, detail: 'full' } : { tell: false };
}

/**
 * Before each send: decided again (a revocation since numbering withholds everything but the
 * number), audited as a disclosure before anything leaves, and rendered to what may be told.
 */
export async function releaseNotification(
  g: GateContext,
  e: NotificationEvent,
  detail: 'full' | 'notice',
  payload: PayloadContent,
): Promise<NotificationRelease> {
  const verdict = await notificationVerdict(g, e);
  if (!verdict.tell) return {};
  await g.audit({ interaction: 'read', query: e.focus, person: verdict.person, outcome: 'permit', purpose: 'TREAT' });
  if (payload === 'empty') return {};
  if (payload === 'id-only' || detail === 'notice') return { focus: e.focus };
  const row = await encounterOf(g, e);
  return row ? { focus: e.focus, resource: JSON.parse(row.content) as Resource } : { focus: e.focus };
}

function encounterOf(g: GateContext, e: NotificationEvent) {
  const id = e.focus.startsWith('Encounter/') ? e.focus.slice('Encounter/'.length) : undefined;
  return id === undefined ? Promise.resolve(undefined) : readVersion(g.deps.db, 'Encounter', id, e.versionId === null ? undefined : String(e.versionId));
}
