import { and, desc, eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { resourceHistory } from '../db/schema.js';
import type { Resource } from '../fhir/types.js';
import { readCurrent } from '../store/read.js';
import { searchValues } from '../store/search-values.js';

/** One stored version with what deciding on it needs: its own compartment, labels and date. */
export interface StoredVersion {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  content: string;
  /** The Patient id this version is about (null outside the compartment). */
  patientId: string | null;
  /** Space-padded security codes: ` R HIV `. */
  security: string;
  dateStart: string | null;
}

/** The current version, or the one asked for. An earlier version is indexed from its own content, never the current one's. */
export async function readVersion(db: Database, type: string, id: string, vid?: string, generation?: number): Promise<StoredVersion | undefined> {
  const current = await readCurrent(db, type, id, generation);
  if (vid === undefined || (current && String(current.versionId) === vid)) return current;
  if (!/^\d{1,9}$/.test(vid)) return undefined;
  const [old] = await db.orm
    .select()
    .from(resourceHistory)
    .where(and(eq(resourceHistory.type, type), eq(resourceHistory.id, id), eq(resourceHistory.versionId, Number(vid))));
  return old ? indexed(old) : undefined;
}

/** Every stored version of a resource, newest first, each indexed from its own content as vread indexes it. */
export async function listVersions(db: Database, type: string, id: string): Promise<StoredVersion[]> {
  const current = await readCurrent(db, type, id);
  if (!current) return [];
  const older = await db.orm
    .select()
    .from(resourceHistory)
    .where(and(eq(resourceHistory.type, type), eq(resourceHistory.id, id)))
    .orderBy(desc(resourceHistory.versionId));
  return [current, ...older.filter((o) => o.versionId < current.versionId).map(indexed)];
}

function indexed(old: typeof resourceHistory.$inferSelect): StoredVersion {
  const resource = JSON.parse(old.content) as Resource & { meta?: { security?: { code?: string }[] } };
  // The version was valid when it was stored; should indexing it fail now, it is decided as no one's, which opens nothing.
  let values: { patientId: string | null; dateStart: string | null };
  try {
    values = searchValues(resource);
  } catch {
    values = { patientId: null, dateStart: null };
  }
  const labels = (resource.meta?.security ?? []).map((s) => s.code).filter(Boolean);
  return {
    type: old.type,
    id: old.id,
    versionId: old.versionId,
    lastUpdated: old.lastUpdated,
    content: old.content,
    patientId: values.patientId,
    dateStart: values.dateStart,
    security: ` ${labels.join(' ')} `,
  };
}
