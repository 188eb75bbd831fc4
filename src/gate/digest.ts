import { and, asc, inArray, like } from 'drizzle-orm';
import type { Requester } from '../auth/requester.js';
import { notificationEvents } from '../db/schema.js';
import { rosterOf, storedRoster } from '../metrics/attribution-data.js';
import { linkedPatientIds, resolvePerson } from '../store/read.js';
import { recipientOf } from '../subscriptions/recipient.js';
import type { TopicCode } from '../subscriptions/topics.js';
import { gateContext, type GateContext } from './context.js';
import { notificationVerdict, part2Marking, type NotificationEvent } from './notify.js';
import { requireScope } from './scope.js';

/** What 002's report lists: admissions and ED visits, discharges and transfers (other topics of the outbox are not stays). */
const DIGEST_TOPICS: TopicCode[] = ['encounter-start', 'encounter-end', 'encounter-transfer'];

/** One line of an organization's daily admission and discharge digest, as much as it may be told. */
export interface DigestEntry {
  topic: string;
  /** `Encounter/<id>` when the decision allows the details; absent under a notice (class and date only). */
  focus?: string;
  /** The Patient record the organization's roster shows for her (the same as `Group/attribution-…`). */
  patient: string;
  encounterClass: string | null;
  occurred: string;
  /** For a Part 2 stay: the labels and the redisclosure notice the digest must carry, as a push would. */
  marking?: { security: { system: string; code: string; display?: string }[]; notice: string };
}

/**
 * 002's daily admission and discharge report: the day's encounter-start, -end and -transfer
 * events of an organization's attributed patients, each decided exactly as a notification to
 * that organization would be (the same verdict, for the same recipient: the organization,
 * treatment, under its DUA), so the digest never says more than a push would have. Only the
 * organization itself asks (its backend client for treatment, or one of its clinicians); for
 * anyone else, and for a day with nothing it may be told, the digest is empty. Each entry is a
 * disclosure, audited in her accounting before the digest is returned.
 *
 * The day is the date the source wrote on the event (its local date), so a stay admitted late
 * in the evening is on the day the hospital says it was.
 */
export async function adtDigest(g: GateContext, organization: string, date: string): Promise<DigestEntry[]> {
  requireScope(g.requester, 'List', 'r');
  const query = `${organization}/$adt-digest?date=${date}`;
  if (!mayReadDigest(g.requester, organization)) {
    await g.audit({ interaction: 'operation', query, outcome: 'not-found' });
    return [];
  }
  const recipient = gateContext(g.deps, digestRecipient(g.requester, organization));
  const events = await g.deps.db.orm
    .select()
    .from(notificationEvents)
    .where(and(like(notificationEvents.occurred, `${date}%`), inArray(notificationEvents.topic, DIGEST_TOPICS)))
    .orderBy(asc(notificationEvents.seq));
  const roster = await attributedOn(g, organization, Number(date.slice(0, 4)));
  const entries: (DigestEntry & { person: string })[] = [];
  for (const e of events) {
    // Only her attributed organization hears of her stay; nobody else's is even decided.
    if (!roster.has((await resolvePerson(g.deps.db, e.patientId, g.generation())) ?? e.patientId)) continue;
    const verdict = await notificationVerdict(recipient, e as NotificationEvent);
    if (!verdict.tell) continue;
    const [patient] = await linkedPatientIds(g.deps.db, verdict.person, g.generation());
    if (!patient) continue;
    entries.push({
      topic: e.topic,
      ...(verdict.detail === 'full' ? { focus: e.focus } : {}),
      patient: `Patient/${patient}`,
      encounterClass: e.encounterClass,
      occurred: e.occurred,
      person: verdict.person,
      ...(verdict.part2 ? { marking: part2Marking(recipient) } : {}),
    });
  }
  if (entries.length === 0) await g.audit({ interaction: 'operation', query, outcome: 'not-found' });
  // Each entry is audited as what it told, as a notification's send is: her accounting and the
  // portal then say "Oakwood Family Medicine was told of your emergency visit on …" for it too.
  await g.auditMany(
    entries.map((entry) => ({
      interaction: 'operation' as const,
      query,
      person: entry.person,
      outcome: 'permit' as const,
      purpose: 'TREAT',
      notification: {
        subscription: 'adt-digest',
        topic: entry.topic,
        told: entry.focus ? 'full' : 'notice',
        focus: entry.focus ?? entry.patient,
        occurred: entry.occurred,
        ...(entry.encounterClass ? { encounterClass: entry.encounterClass } : {}),
      },
    })),
  );
  return entries.map(({ person: _person, ...entry }) => entry);
}

/** The organization's own backend client, for treatment, or one of its clinicians. Deny by default. */
function mayReadDigest(r: Requester, organization: string): boolean {
  if (r.organization !== organization || !r.purposes.includes('TREAT')) return false;
  return r.kind === 'system' ? r.clientKind === 'source' : r.role === 'clinician';
}

/** Whom each entry is decided for: the organization as a subscription's recipient would be (src/subscriptions/recipient.ts). */
function digestRecipient(r: Requester, organization: string): Requester {
  return recipientOf({ id: `adt-digest-${organization}`, owner: r.clientId, organization, dua: r.kind === 'system' ? (r.dua ?? null) : null });
}

/**
 * The organization's attributed people on a date of `year`, as the `attributed-organization`
 * filter reads them: the latest release's attributions for that year, else for the most recent
 * earlier year it holds (a release made in January has no roster for the new year yet).
 */
async function attributedOn(g: GateContext, organization: string, year: number): Promise<Set<string>> {
  const roster = await rosterOf(g.deps.db, year);
  if (!roster) return new Set();
  return new Set((await storedRoster(g.deps.db, roster.releaseId, roster.year, organization)).map((m) => m.person));
}
