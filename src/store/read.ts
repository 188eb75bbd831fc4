import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { matchKeys, patientLinks, resources } from '../db/schema.js';
import type { Existing } from './plan.js';
import { resourceKey } from './plan.js';
import { chunks } from './write.js';

/** Current versions of the given resources, keyed `Type/id`. */
export async function loadExisting(db: Database, refs: readonly { type: string; id: string }[]): Promise<Map<string, Existing>> {
  const found = new Map<string, Existing>();
  const byType = new Map<string, string[]>();
  // Push in place: spreading the list per ref made this quadratic in the Bundle's size.
  for (const { type, id } of refs) {
    const ids = byType.get(type);
    if (ids) ids.push(id);
    else byType.set(type, [id]);
  }
  for (const [type, ids] of byType) {
    for (const chunk of chunks(ids, db.maxParams - 1)) {
      const rows = await db.orm
        .select({
          type: resources.type,
          id: resources.id,
          versionId: resources.versionId,
          lastUpdated: resources.lastUpdated,
          source: resources.source,
          ingestionId: resources.ingestionId,
          content: resources.content,
        })
        .from(resources)
        .where(and(eq(resources.type, type), inArray(resources.id, chunk)));
      for (const row of rows) found.set(resourceKey(row.type, row.id), row);
    }
  }
  return found;
}

export async function loadPersonForKeys(db: Database, keys: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks([...new Set(keys)], db.maxParams)) {
    const rows = await db.orm.select().from(matchKeys).where(inArray(matchKeys.key, chunk));
    for (const row of rows) found.set(row.key, row.personId);
  }
  return found;
}

export async function loadPersonOfPatients(db: Database, patientIds: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const chunk of chunks(patientIds, db.maxParams)) {
    const rows = await db.orm
      .select({ patientId: patientLinks.patientId, personId: patientLinks.personId })
      .from(patientLinks)
      .where(inArray(patientLinks.patientId, chunk));
    for (const row of rows) found.set(row.patientId, row.personId);
  }
  return found;
}

/**
 * The per-request reads, prepared once per database: drizzle otherwise builds and prepares the
 * SQL on every call, which cost more than the lookup itself.
 */
function prepared(db: Database) {
  let p = preparedByDb.get(db);
  if (!p) {
    p = {
      person: db.orm
        .select({ personId: patientLinks.personId })
        .from(patientLinks)
        .where(eq(patientLinks.patientId, sql.placeholder('id')))
        .prepare(),
      linked: db.orm
        .select({ id: patientLinks.patientId })
        .from(patientLinks)
        .where(eq(patientLinks.personId, sql.placeholder('person')))
        .prepare(),
      current: db.orm
        .select()
        .from(resources)
        .where(and(eq(resources.type, sql.placeholder('type')), eq(resources.id, sql.placeholder('id'))))
        .prepare(),
    };
    preparedByDb.set(db, p);
  }
  return p;
}
type Prepared = { all(v: Record<string, unknown>): unknown };
const preparedByDb = new WeakMap<Database, { person: Prepared; linked: Prepared; current: Prepared }>();

/** A person's source Patient ids: every record the index linked to them. */
export async function linkedPatientIds(db: Database, person: string): Promise<string[]> {
  return ((await prepared(db).linked.all({ person })) as { id: string }[]).map((r) => r.id);
}

/** The person a source Patient id belongs to: `Patient/{id}` from any source resolves to the one linked person. */
export async function resolvePerson(db: Database, patientId: string): Promise<string | undefined> {
  const [row] = (await prepared(db).person.all({ id: patientId })) as { personId: string }[];
  return row?.personId;
}

/** Every source record of a person, with the rule and reason that linked it. */
export async function linkedRecords(db: Database, personId: string) {
  return db.orm.select().from(patientLinks).where(eq(patientLinks.personId, personId)).orderBy(patientLinks.patientId);
}

export async function readCurrent(db: Database, type: string, id: string): Promise<typeof resources.$inferSelect | undefined> {
  const [row] = (await prepared(db).current.all({ type, id })) as (typeof resources.$inferSelect)[];
  return row;
}
