import { monthBounds } from '../rosters/compute.js';
import type { Requester } from '../auth/requester.js';
import type { VisibleMember } from '../rosters/group.js';
import { rosterMembersOf, rosterVersion, rosterVersionsOf, rostersForPeriod } from '../rosters/store.js';
import type { RosterVersion } from '../rosters/types.js';
import { sql } from 'drizzle-orm';
import { purposeOf, type GateContext } from './context.js';
import { requireScope } from './scope.js';

export interface VisibleRoster {
  version: RosterVersion;
  members: VisibleMember[];
}

/**
 * Who may read a monthly roster: its organization (any of its clinicians or backend clients) and
 * its payer (that payer's own system client). Deny by default: anyone else, as if absent.
 */
export function mayReadRoster(r: Requester, v: Pick<RosterVersion, 'organization' | 'payer'>): boolean {
  if (!r.organization) return false;
  if (r.organization === v.organization) return true;
  return r.kind === 'system' && r.clientKind === 'payer' && r.organization === v.payer;
}

/**
 * One version of a monthly roster (the current one without `version`), each member decided for
 * the reader (a patient whose consent denies the reader is left out) and each one disclosed
 * audited into her accounting before anything is returned. Undefined: absent or not readable.
 */
export async function readRosterVersion(g: GateContext, groupId: string, version?: number, query = `Group/${groupId}`): Promise<VisibleRoster | undefined> {
  requireScope(g.requester, 'Group', 'r');
  const v = await rosterVersion(g.deps.db, groupId, version);
  if (!v || !mayReadRoster(g.requester, v)) {
    await g.audit({ interaction: version === undefined ? 'read' : 'vread', query, outcome: 'not-found' });
    return undefined;
  }
  return { version: v, members: await discloseMembers(g, v, query, version === undefined ? 'read' : 'vread') };
}

/** Every version of a roster, newest first, each decided and audited as a vread would be. */
export async function readRosterHistory(g: GateContext, groupId: string): Promise<VisibleRoster[] | undefined> {
  requireScope(g.requester, 'Group', 'r');
  const versions = await rosterVersionsOf(g.deps.db, groupId);
  if (versions.length === 0 || !mayReadRoster(g.requester, versions[0]!)) {
    await g.audit({ interaction: 'history-instance', query: `Group/${groupId}/_history`, outcome: 'not-found' });
    return undefined;
  }
  const out: VisibleRoster[] = [];
  for (const v of versions) out.push({ version: v, members: await discloseMembers(g, v, `Group/${groupId}/_history`, 'history-instance') });
  return out;
}

/** The current version of each roster of a month the reader may read, optionally one organization's. */
export async function searchRosters(g: GateContext, q: { period: string; organization?: string }, query: string): Promise<VisibleRoster[]> {
  requireScope(g.requester, 'Group', 's');
  const found = await rostersForPeriod(g.deps.db, q.period, q.organization ? { organization: q.organization } : {});
  const out: VisibleRoster[] = [];
  for (const v of found.filter((v) => mayReadRoster(g.requester, v))) out.push({ version: v, members: await discloseMembers(g, v, query, 'search-type') });
  if (out.length === 0) await g.audit({ interaction: 'search-type', query, outcome: 'not-found' });
  return out;
}

/** Being on a roster is itself a disclosure about each member: decided per member, audited per member. */
async function discloseMembers(g: GateContext, v: RosterVersion, query: string, interaction: 'read' | 'vread' | 'history-instance' | 'search-type') {
  const members: VisibleMember[] = [];
  // A plan's members for its roster of a month are those it covered that month, not today.
  const { first, last } = monthBounds(v.period);
  for (const m of await rosterMembersOf(g.deps.db, v.groupId, v.version)) {
    const decision = await g.decide(m.person, { cls: 'Group', memberDuring: { start: first, end: last } });
    const patientId = await patientIdFor(g, m.person);
    if (!decision.permit || !patientId) continue;
    await g.audit({ interaction, query, person: m.person, outcome: 'permit', reasons: decision.reasons, ...purposeOf(decision) });
    members.push({ ...m, patientId });
  }
  return members;
}

/**
 * The Patient id to name her by: preferably one from a source of the reader's own organization
 * (a payer sees its member id), else the lowest, so the answer never depends on storage order.
 */
async function patientIdFor(g: GateContext, person: string): Promise<string | undefined> {
  const row = await g.deps.db.orm.get<{ id: string } | undefined>(sql`
    SELECT l.patient_id AS id FROM patient_links l
      JOIN resources r ON r.type = 'Patient' AND r.id = l.patient_id
      LEFT JOIN backend_clients b ON b.source_uri = r.source
    WHERE l.person_id = ${person}
    ORDER BY (b.organization IS NOT NULL AND b.organization = ${g.requester.organization ?? ''}) DESC, l.patient_id LIMIT 1`);
  return row?.id;
}
