import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { resourceHistory, resources } from '../db/schema.js';
import type { Resource } from '../fhir/types.js';
import { searchValues } from '../store/search-values.js';
import { chunks } from '../store/write.js';

/** One version in an export's snapshot, with the labels a decision on it needs. */
export interface SnapshotVersion {
  id: string;
  versionId: number;
  lastUpdated: string;
  /** Space-padded security codes of this version: ` R HIV `, or '' when it has none. */
  security: string;
}

interface OldVersion extends SnapshotVersion {
  patientId: string | null;
}

/**
 * The store as it was at `at`: each resource at the version current then, none created after.
 *
 * Writes keep this answerable without a copy: a change moves the version it replaces, whole and
 * with its own lastUpdated, into resource_history, and nothing is ever deleted. So a resource
 * whose current row is stamped at or before `at` is current as of `at`; one whose current row
 * is later was, at `at`, its newest history version stamped at or before `at`, or did not exist.
 * A superseded version's compartment and labels are read from its own content (a change may have
 * moved it to another patient or relabelled it), as `vread` does.
 *
 * `since` (UTC, milliseconds) keeps only versions stamped after it: an incremental export.
 */
export function snapshotAt(db: Database, at: string, since: string | null) {
  const changedSince = new Map<string, Promise<OldVersion[]>>();

  /** Versions of `type` current at `at` in a resource now changed after it (few: what changed since kick-off). */
  async function olderVersions(type: string): Promise<OldVersion[]> {
    const rows = await db.orm.all<{ id: string; versionId: number; lastUpdated: string; content: string }>(sql`
      SELECT h.id AS id, h.version_id AS versionId, h.last_updated AS lastUpdated, h.content AS content
      FROM ${resourceHistory} h JOIN ${resources} r ON r.type = h.type AND r.id = h.id
      WHERE h.type = ${type} AND r.last_updated > ${at} AND h.last_updated <= ${at}
        AND NOT EXISTS (SELECT 1 FROM ${resourceHistory} x WHERE x.type = h.type AND x.id = h.id AND x.last_updated <= ${at} AND x.version_id > h.version_id)
      ORDER BY h.last_updated, h.id`);
    return rows.filter((r) => since === null || r.lastUpdated > since).map((r) => ({ ...r, ...indexed(r.content) }));
  }

  return {
    /** The versions of `type` in the compartments of `patientIds` (one person's records), in lastUpdated order. */
    async versions(type: string, patientIds: readonly string[]): Promise<SnapshotVersion[]> {
      if (patientIds.length === 0) return [];
      const found: SnapshotVersion[] = [];
      for (const chunk of chunks(patientIds, db.maxParams - 4)) {
        const rows = await db.orm
          .select({ id: resources.id, versionId: resources.versionId, lastUpdated: resources.lastUpdated, security: resources.security })
          .from(resources)
          .where(
            and(
              eq(resources.type, type),
              inArray(resources.patientId, chunk),
              lte(resources.lastUpdated, at),
              since === null ? undefined : gt(resources.lastUpdated, since),
            ),
          )
          .orderBy(asc(resources.lastUpdated), asc(resources.id));
        found.push(...rows);
      }
      let older = changedSince.get(type);
      if (!older) changedSince.set(type, (older = olderVersions(type)));
      const mine = new Set(patientIds);
      for (const v of await older)
        if (v.patientId !== null && mine.has(v.patientId)) found.push({ id: v.id, versionId: v.versionId, lastUpdated: v.lastUpdated, security: v.security });
      return found.sort((a, b) => (a.lastUpdated < b.lastUpdated ? -1 : a.lastUpdated > b.lastUpdated ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}

/** The stored content of exactly these versions of `type`, keyed `id/versionId`, each with its labels. */
export async function versionContents(
  db: Database,
  type: string,
  wanted: readonly (readonly [id: string, versionId: number])[],
): Promise<Map<string, { content: string; security: string }>> {
  const found = new Map<string, { content: string; security: string }>();
  const byId = new Map<string, Set<number>>();
  for (const [id, v] of wanted) {
    const versions = byId.get(id);
    if (versions) versions.add(v);
    else byId.set(id, new Set([v]));
  }
  const isWanted = (id: string, v: number) => byId.get(id)?.has(v) === true;
  for (const chunk of chunks([...byId.keys()], db.maxParams - 2)) {
    const current = await db.orm
      .select({ id: resources.id, versionId: resources.versionId, content: resources.content, security: resources.security })
      .from(resources)
      .where(and(eq(resources.type, type), inArray(resources.id, chunk)));
    for (const r of current) if (isWanted(r.id, r.versionId)) found.set(`${r.id}/${r.versionId}`, { content: r.content, security: r.security });
    // A version no longer current is in history (the snapshot names only versions that were stored).
    const older = chunk.filter((id) => [...byId.get(id)!].some((v) => !found.has(`${id}/${v}`)));
    if (older.length === 0) continue;
    const rows = await db.orm
      .select({ id: resourceHistory.id, versionId: resourceHistory.versionId, content: resourceHistory.content })
      .from(resourceHistory)
      .where(and(eq(resourceHistory.type, type), inArray(resourceHistory.id, older)));
    for (const r of rows) if (isWanted(r.id, r.versionId)) found.set(`${r.id}/${r.versionId}`, { content: r.content, security: indexed(r.content).security });
  }
  return found;
}

/** A superseded version's compartment and labels, from its own content; one that no longer indexes is no one's (which opens nothing). */
function indexed(content: string): { patientId: string | null; security: string } {
  const resource = JSON.parse(content) as Resource & { meta?: { security?: { code?: string }[] } };
  const labels = (resource.meta?.security ?? []).map((s) => s.code).filter(Boolean);
  let patientId: string | null;
  try {
    patientId = searchValues(resource).patientId;
  } catch {
    patientId = null;
  }
  return { patientId, security: labels.length > 0 ? ` ${labels.join(' ')} ` : '' };
}
