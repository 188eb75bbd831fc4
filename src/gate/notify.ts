import type { PayloadContent } from '../subscriptions/bundle.js';
import type { Resource } from '../fhir/types.js';
import { categoriesOfColumn, categoryIndex, type Category } from '../consent/categories.js';
import { decideNotification, PART2_NOTICE } from '../consent/notification.js';
import { linkedPatientIds, resolvePerson } from '../store/read.js';
import { readVersion, type StoredVersion } from './versions.js';
import type { GateContext } from './context.js';
import { referenceFilter } from './dangling.js';

/** An outbox event, as the gate needs it to decide a notification about it. */
export interface NotificationEvent {
  id: string;
  topic: string;
  /** `Encounter/<id>` (or, for break-the-glass, the AuditEvent of the grant). */
  focus: string;
  versionId: number | null;
  patientId: string;
  encounterClass: string | null;
  occurred: string;
  /** The subscriber's number for it, when it has one: named in the audit record of each send. */
  eventNumber?: number;
}

/**
 * Whether the recipient (the gate's requester: the subscriber's organization, purpose
 * treatment) may be told of this event at all, and how much: `full` (the Encounter as its
 * payload allows) or `notice` (that there was a stay of this class, and when: no place, no
 * reason). Decided when the event is numbered: `tell: false` gets no number.
 */
export type NotificationVerdict =
  | { tell: false }
  /** `part2`: the stay is 42 CFR Part 2 data, so whatever tells of it carries its label and the redisclosure notice. */
  | { tell: true; person: string; detail: 'full' | 'notice'; part2?: true };

/** What must travel with anything that tells of Part 2 data: its labels and the 42 CFR 2.32 notice. */
export function part2Marking(g: GateContext): { security: { system: string; code: string; display?: string }[]; notice: string } {
  return { security: [...(g.deps.codeLists.labelsOf.get(g.deps.codeLists.part2Category) ?? [])].map(coding), notice: PART2_NOTICE };
}

/**
 * What one numbered event may say when it is sent: nothing past its number (`disclosed:
 * false`), or its focus (and resource), with the labels and notice that must travel with it.
 */
export interface NotificationRelease {
  disclosed: boolean;
  focus?: string;
  resource?: Resource;
  security?: { system: string; code: string; display?: string }[];
  notice?: string;
}

export const BREAK_THE_GLASS_TOPIC = 'break-the-glass';

interface Judged {
  verdict: NotificationVerdict;
  row?: StoredVersion;
  categories: Category[];
}

/**
 * The rules (policies/precedence.md, "Notifications"): decided for purpose TREAT only, so
 * break-the-glass never opens a push; a stay in a category the deployment lists under
 * `notificationsNeedConsent` (sud, bh) is told only with her explicit consent, in full or as
 * her notice choice; anything else as a read of the Encounter by the recipient would be.
 */
async function judge(g: GateContext, e: NotificationEvent): Promise<Judged> {
  const person = (await resolvePerson(g.deps.db, e.patientId, g.generation())) ?? e.patientId;
  if (e.topic === BREAK_THE_GLASS_TOPIC) return { verdict: await breakGlassVerdict(g, person), categories: [] };
  // The Encounter as it is now, and the version that raised the event: one read while that is still the current one.
  const current = await encounterOf(g, { ...e, versionId: null });
  const row = current && (e.versionId === null || current.versionId === e.versionId) ? current : await encounterOf(g, e);
  if (!row || row.patientId === null) return { verdict: { tell: false }, categories: [] };
  // The Encounter may since have been re-filed under someone else: the event is about whom it names now.
  const now = (await resolvePerson(g.deps.db, row.patientId, g.generation())) ?? row.patientId;
  if (now !== person) return { verdict: { tell: false }, categories: [] };
  // Labels only add up: a stay since relabelled (a psychiatric diagnosis added later) is decided
  // on what is known of it now as well as on the version that raised the event.
  const categories = categoriesOfColumn(`${row.security} ${current?.security ?? ''}`, categoryIndex(g.deps.codeLists));
  const date = row.dateStart ? { date: row.dateStart } : {};
  const detail = await decideNotification(
    (cls) => g.decide(person, { cls, categories, purpose: 'TREAT', ...date }),
    categories,
    g.deps.consent.policies.defaults.notificationsNeedConsent,
  );
  return { verdict: detail ? { tell: true, person, detail } : { tell: false }, row, categories };
}

/** Her own record: a break-the-glass event is told to her, or to a caregiver she lets read her accounting, and to no one else. */
async function breakGlassVerdict(g: GateContext, person: string): Promise<NotificationVerdict> {
  const r = g.requester;
  if (r.kind !== 'person' || r.patient !== person) return { tell: false };
  if (r.role === 'patient') return { tell: true, person, detail: 'full' };
  if (r.role === 'caregiver' && (await g.decide(person, { cls: 'AuditEvent', categories: ['normal'] })).permit) return { tell: true, person, detail: 'full' };
  return { tell: false };
}

export async function notificationVerdict(g: GateContext, e: NotificationEvent): Promise<NotificationVerdict> {
  const { verdict, categories } = await judge(g, e);
  return verdict.tell && categories.includes(g.deps.codeLists.part2Category as Category) ? { ...verdict, part2: true } : verdict;
}

/**
 * Before each send: decided again (a revocation since numbering withholds everything but the
 * number, and a narrower choice since narrows it), audited before anything leaves, and
 * rendered to what may be told. Withheld details are left out silently.
 */
export async function releaseNotification(
  g: GateContext,
  e: NotificationEvent,
  detail: 'full' | 'notice',
  payload: PayloadContent,
): Promise<NotificationRelease> {
  const { verdict, row, categories } = await judge(g, e);
  const subscription = g.requester.tokenId.replace(/^subscription-/, '');
  const told = verdict.tell ? (verdict.detail === 'notice' || detail === 'notice' ? 'notice' : 'full') : undefined;
  const person = verdict.tell ? verdict.person : ((await resolvePerson(g.deps.db, e.patientId, g.generation())) ?? e.patientId);
  await g.audit({
    interaction: 'operation',
    query: `Subscription/${subscription}/$notify?event=${e.eventNumber ?? ''}&topic=${e.topic}`,
    person,
    outcome: told ? 'permit' : 'deny',
    // Her own notice of a break-the-glass is not a disclosure for treatment.
    ...(e.topic === BREAK_THE_GLASS_TOPIC ? {} : { purpose: 'TREAT' }),
    notification: {
      subscription,
      ...(e.eventNumber !== undefined ? { eventNumber: e.eventNumber } : {}),
      topic: e.topic,
      ...(told ? { told, focus: e.focus, occurred: e.occurred, ...(e.encounterClass ? { encounterClass: e.encounterClass } : {}) } : {}),
    },
  });
  if (!told) return { disclosed: false };
  const part2 = categories.includes(g.deps.codeLists.part2Category as Category);
  const labels = part2 ? part2Marking(g) : {};
  if (payload === 'empty') return { disclosed: true, ...labels };
  if (payload === 'full-resource' && e.topic === BREAK_THE_GLASS_TOPIC) {
    const grant = await grantAudit(g, e.focus, person);
    return { disclosed: true, focus: e.focus, ...(grant ? { resource: grant } : {}) };
  }
  if (told === 'notice') {
    // The Encounter's id and its Patient's are the source's, and a source's ids name the
    // facility: the notice points at nothing of the stay's own, and names her by the record the
    // recipient's roster already shows it.
    const focus = `urn:uuid:${e.id}`;
    if (payload === 'id-only' || !row) return { disclosed: true, focus, ...labels };
    const [known] = await linkedPatientIds(g.deps.db, person, g.generation());
    return { disclosed: true, focus, resource: reduced(row, e.id, known), ...labels };
  }
  if (payload === 'id-only' || !row) return { disclosed: true, focus: e.focus, ...labels };
  const resource = withoutWithheld(JSON.parse(await referenceFilter(g, person).one(row)) as Resource);
  return { disclosed: true, focus: e.focus, resource, ...labels };
}

const coding = (c: { system?: string; code?: string; display?: string }) => ({
  system: c.system ?? '',
  code: c.code ?? '',
  ...(c.display ? { display: c.display } : {}),
});

/**
 * The notice form: that there was a stay, of which class, when, and whose. No place, no reason,
 * no marker of what is left out: an id of the event's own, the class's code without its display
 * (a source's display may name the unit), the period's two instants, and her roster record.
 */
function reduced(row: StoredVersion, id: string, patientId: string | undefined): Resource {
  const full = JSON.parse(row.content) as Resource & { status?: string; class?: { system?: string; code?: string }; period?: { start?: string; end?: string } };
  const cls = full.class?.code ? { ...(full.class.system ? { system: full.class.system } : {}), code: full.class.code } : undefined;
  const period = full.period ? { ...(full.period.start ? { start: full.period.start } : {}), ...(full.period.end ? { end: full.period.end } : {}) } : undefined;
  return {
    resourceType: 'Encounter',
    id,
    ...(full.status ? { status: full.status } : {}),
    ...(cls ? { class: cls } : {}),
    ...(period ? { period } : {}),
    ...(patientId ? { subject: { reference: `Patient/${patientId}` } } : {}),
  };
}

/** The AuditEvent of a break-the-glass grant, as her accounting holds it: hers only. */
async function grantAudit(g: GateContext, focus: string, person: string): Promise<Resource | undefined> {
  const id = focus.startsWith('AuditEvent/') ? focus.slice('AuditEvent/'.length) : undefined;
  if (!id) return undefined;
  const text = await g.deps.audit.eventAbout(person, id);
  return text ? (JSON.parse(text) as Resource) : undefined;
}

const isWithheld = (v: unknown) =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && (v as Record<string, unknown>).display === 'withheld' && !('reference' in v);

/**
 * A read marks a reference to what the reader may not see as `display: "withheld"`; a
 * notification says nothing of it (issue 15: no marker, departing from Da Vinci Alerts' SHOULD).
 * The element that held it goes too (a diagnosis entry without its condition still says there
 * was one), and a list left empty with it.
 */
function withoutWithheld<T>(resource: T): T {
  const clean = (node: Record<string, unknown>) => {
    for (const key of Object.keys(node)) {
      if (key === 'meta') continue;
      const value = node[key];
      if (isWithheld(value)) delete node[key];
      else if (Array.isArray(value)) {
        const kept = value.filter((item) => !isWithheld(item) && !(item && typeof item === 'object' && Object.values(item).some(isWithheld)));
        kept.forEach((item) => item && typeof item === 'object' && !Array.isArray(item) && clean(item as Record<string, unknown>));
        if (kept.length === 0 && value.length > 0) delete node[key];
        else node[key] = kept;
      } else if (value && typeof value === 'object') clean(value as Record<string, unknown>);
    }
  };
  clean(resource as Record<string, unknown>);
  return resource;
}

function encounterOf(g: GateContext, e: NotificationEvent) {
  const id = e.focus.startsWith('Encounter/') ? e.focus.slice('Encounter/'.length) : undefined;
  return id === undefined ? Promise.resolve(undefined) : readVersion(g.deps.db, 'Encounter', id, e.versionId === null ? undefined : String(e.versionId));
}
