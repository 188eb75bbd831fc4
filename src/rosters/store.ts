import { and, desc, eq, lte, sql } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { rosterMembers, rosterVersions } from '../db/schema.js';
import type { RosterMember, RosterStatus, RosterVersion } from './types.js';

/**
 * The Group id of an organization × payer × month roster: opaque (a hash of the pair), so the
 * id neither parses ambiguously (organization ids contain hyphens) nor names the payer.
 */
export async function rosterGroupId(organization: string, payer: string, period: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${organization}|${payer}`)));
  const hex = [...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `roster-${period}-${hex}`;
}

/** The statements that store one new version with its members (run them in one `db.atomic`). */
export function rosterStatements(db: Database, version: RosterVersion, members: readonly RosterMember[]): Statement[] {
  return [
    db.orm.insert(rosterVersions).values(version),
    {
      kind: 'insert-rows',
      table: rosterMembers,
      rows: members.map((m) => ({ groupId: version.groupId, version: version.version, ...m })),
      onConflict: 'fail',
    },
  ];
}

export async function rosterVersion(db: Database, groupId: string, version?: number): Promise<RosterVersion | undefined> {
  const [row] = await db.orm
    .select()
    .from(rosterVersions)
    .where(version === undefined ? eq(rosterVersions.groupId, groupId) : and(eq(rosterVersions.groupId, groupId), eq(rosterVersions.version, version)))
    .orderBy(desc(rosterVersions.version))
    .limit(1);
  return row as RosterVersion | undefined;
}

export async function rosterVersionsOf(db: Database, groupId: string): Promise<RosterVersion[]> {
  return (await db.orm.select().from(rosterVersions).where(eq(rosterVersions.groupId, groupId)).orderBy(desc(rosterVersions.version))) as RosterVersion[];
}

/** A version's members, `dropped` ones included (they are listed so a reader sees who left). */
export async function rosterMembersOf(db: Database, groupId: string, version: number): Promise<RosterMember[]> {
  const rows = await db.orm
    .select()
    .from(rosterMembers)
    .where(and(eq(rosterMembers.groupId, groupId), eq(rosterMembers.version, version)))
    .orderBy(rosterMembers.person);
  return rows.map(({ groupId: _g, version: _v, ...m }) => m as RosterMember);
}

/** Only the people attributed by a version: every member except the dropped ones. */
export async function attributedMembers(db: Database, groupId: string, version: number): Promise<RosterMember[]> {
  return (await rosterMembersOf(db, groupId, version)).filter((m) => m.changeType !== 'dropped');
}

/**
 * The latest version of each organization × payer roster for a month, optionally only finals
 * and optionally only one organization's: what reports for that month read.
 */
export async function rostersForPeriod(db: Database, period: string, opts: { organization?: string; status?: RosterStatus } = {}): Promise<RosterVersion[]> {
  const rows = await db.orm.all<RosterVersion>(sql`
    SELECT group_id AS groupId, version, organization, payer, period, status, created_at AS createdAt FROM roster_versions v
    WHERE period = ${period} ${opts.organization ? sql`AND organization = ${opts.organization}` : sql``} ${opts.status ? sql`AND status = ${opts.status}` : sql``}
      AND version = (SELECT max(version) FROM roster_versions w WHERE w.group_id = v.group_id ${opts.status ? sql`AND w.status = ${opts.status}` : sql``})
    ORDER BY organization, payer`);
  return rows;
}

/** The most recent final roster of an organization × payer on or before a month. */
export async function latestFinalRoster(db: Database, organization: string, payer: string, onOrBefore: string): Promise<RosterVersion | undefined> {
  const [row] = await db.orm
    .select()
    .from(rosterVersions)
    .where(
      and(
        eq(rosterVersions.organization, organization),
        eq(rosterVersions.payer, payer),
        eq(rosterVersions.status, 'final'),
        lte(rosterVersions.period, onOrBefore),
      ),
    )
    .orderBy(desc(rosterVersions.period), desc(rosterVersions.version))
    .limit(1);
  return row as RosterVersion | undefined;
}

/**
 * For each payer, an organization's most recent final roster on or before a month (every
 * organization's, without one): what "its patients now" means for a report.
 */
export async function latestFinalRosters(db: Database, organization: string | undefined, onOrBefore: string): Promise<RosterVersion[]> {
  return db.orm.all<RosterVersion>(sql`
    SELECT group_id AS groupId, version, organization, payer, period, status, created_at AS createdAt FROM roster_versions v
    WHERE ${organization === undefined ? sql`1` : sql`organization = ${organization}`} AND status = 'final' AND period <= ${onOrBefore}
      AND NOT EXISTS (SELECT 1 FROM roster_versions w WHERE w.organization = v.organization AND w.payer = v.payer AND w.status = 'final'
        AND w.period <= ${onOrBefore} AND (w.period > v.period OR (w.period = v.period AND w.version > v.version)))
    ORDER BY organization, payer`);
}
