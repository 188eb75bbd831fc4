import { and, asc, eq, sql } from 'drizzle-orm';
import type { Database, Statement } from '../db/database.js';
import { backendClients, duaLines, duaVersions, duas, organizations, participantsVersion } from '../db/schema.js';
import type { Purpose } from '../auth/purposes.js';
import type { BackendClient, Dua, Jwks, Organization, Participants, Status } from './types.js';
import type { ValidDuaVersion } from './validate.js';

/**
 * Storage of participants. Reads return plain records; writes are statements for the caller to
 * run with `db.atomic`, always together with `bumpVersion`, so that one change is one
 * transaction and every process's registry notices it (see registry.ts).
 */

/** Everything registered. The tables are small (an exchange has tens to hundreds of participants), so this reads them whole. */
export async function readParticipants(db: Database): Promise<Participants> {
  const [orgRows, clientRows, duaRows, versionRows, lineRows] = await Promise.all([
    db.orm.select().from(organizations).orderBy(asc(organizations.reference)),
    db.orm.select().from(backendClients).orderBy(asc(backendClients.clientId)),
    db.orm.select().from(duas).orderBy(asc(duas.id)),
    db.orm.select().from(duaVersions).orderBy(asc(duaVersions.duaId), asc(duaVersions.version)),
    db.orm.select().from(duaLines).orderBy(asc(duaLines.duaId), asc(duaLines.version), asc(duaLines.ord)),
  ]);
  const byDua = new Map<string, Dua>(duaRows.map((d) => [d.id, { id: d.id, organization: d.organization, versions: [] }]));
  const byVersion = new Map<string, Dua['versions'][number]>();
  for (const v of versionRows) {
    const version = { version: v.version, start: v.start, end: v.end, status: v.status as Status, lines: [] };
    byDua.get(v.duaId)?.versions.push(version);
    byVersion.set(`${v.duaId}|${v.version}`, version);
  }
  for (const l of lineRows) byVersion.get(`${l.duaId}|${l.version}`)?.lines.push({ purpose: l.purpose, cls: l.cls, category: l.category, scope: l.scope });
  return {
    organizations: orgRows.map((o) => ({ reference: o.reference, name: o.name, kind: o.kind as Organization['kind'], status: o.status as Status })),
    clients: clientRows.map(clientOf),
    duas: [...byDua.values()],
  };
}

function clientOf(row: typeof backendClients.$inferSelect): BackendClient {
  return {
    clientId: row.clientId,
    name: row.name,
    kind: row.kind as BackendClient['kind'],
    organization: row.organization,
    ...(row.sourceUri !== null ? { sourceUri: row.sourceUri } : {}),
    scope: row.scope,
    purposes: row.purposes.split(' ').filter(Boolean) as Purpose[],
    ...(row.jwks !== null ? { jwks: JSON.parse(row.jwks) as Jwks } : {}),
    ...(row.jwksUri !== null ? { jwksUri: row.jwksUri } : {}),
    ...(row.duaId !== null ? { dua: row.duaId } : {}),
    status: row.status as Status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** One client with its organization's status, for the authorization server's lookups by id. */
export async function findClient(db: Database, clientId: string): Promise<(BackendClient & { organizationStatus: Status }) | undefined> {
  const [row] = await db.orm
    .select({ client: backendClients, organizationStatus: organizations.status })
    .from(backendClients)
    .innerJoin(organizations, eq(organizations.reference, backendClients.organization))
    .where(eq(backendClients.clientId, clientId));
  return row ? { ...clientOf(row.client), organizationStatus: row.organizationStatus as Status } : undefined;
}

/** The change sequence: advanced by every participant change. */
export async function readVersion(db: Database): Promise<number> {
  const [row] = await db.orm.select({ seq: participantsVersion.seq }).from(participantsVersion).where(eq(participantsVersion.id, 1));
  return row?.seq ?? 0;
}

export function bumpVersion(db: Database): Statement {
  return db.orm
    .insert(participantsVersion)
    .values({ id: 1, seq: 1 })
    .onConflictDoUpdate({ target: participantsVersion.id, set: { seq: sql`${participantsVersion.seq} + 1` } }) as Statement;
}

export function insertOrganization(db: Database, org: Organization, now: string): Statement {
  return db.orm.insert(organizations).values({ ...org, createdAt: now, updatedAt: now }) as Statement;
}

export function insertClient(db: Database, c: BackendClient): Statement {
  return db.orm.insert(backendClients).values({
    clientId: c.clientId,
    name: c.name,
    kind: c.kind,
    organization: c.organization,
    sourceUri: c.sourceUri ?? null,
    scope: c.scope,
    purposes: c.purposes.join(' '),
    jwks: c.jwks ? JSON.stringify(c.jwks) : null,
    jwksUri: c.jwksUri ?? null,
    duaId: c.dua ?? null,
    status: c.status,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  }) as Statement;
}

export function insertDuaVersion(db: Database, v: ValidDuaVersion, now: string): Statement[] {
  return [
    ...(v.newDua ? [db.orm.insert(duas).values({ id: v.dua, organization: v.organization, createdAt: now }) as Statement] : []),
    db.orm
      .insert(duaVersions)
      .values({ duaId: v.dua, version: v.version, start: v.start, end: v.end, status: v.status, createdAt: now, updatedAt: now }) as Statement,
    ...v.lines.map((l, ord) => db.orm.insert(duaLines).values({ duaId: v.dua, version: v.version, ord, ...l }) as Statement),
  ];
}

export function updateDuaEnd(db: Database, dua: string, version: number, end: string, now: string): Statement {
  return db.orm
    .update(duaVersions)
    .set({ end, updatedAt: now })
    .where(and(eq(duaVersions.duaId, dua), eq(duaVersions.version, version))) as Statement;
}

export type StatusTarget = { target: 'client'; id: string } | { target: 'organization'; id: string } | { target: 'dua-version'; id: string; version: number };

export function updateStatus(db: Database, t: StatusTarget, status: Status, now: string): Statement {
  switch (t.target) {
    case 'client':
      return db.orm.update(backendClients).set({ status, updatedAt: now }).where(eq(backendClients.clientId, t.id)) as Statement;
    case 'organization':
      return db.orm.update(organizations).set({ status, updatedAt: now }).where(eq(organizations.reference, t.id)) as Statement;
    case 'dua-version':
      return db.orm
        .update(duaVersions)
        .set({ status, updatedAt: now })
        .where(and(eq(duaVersions.duaId, t.id), eq(duaVersions.version, t.version))) as Statement;
  }
}
