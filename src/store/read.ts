import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { matchKeys, patientLinks, resources } from '../db/schema.js';
import type { Existing } from './plan.js';
import { resourceKey } from './plan.js';
import { chunks } from './write.js';
import { RowCache } from './lookups.js';
import { DIRECTORY_TYPES } from './search-values.js';

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
 * The per-request reads, prepared once per database (drizzle otherwise builds and prepares the
 * SQL on every call, which cost more than the lookup itself), and their caches.
 *
 * Bounds: 100,000 Patient ids (two short strings each, about 10 MB at most), 20,000 people's
 * linked ids (a few ids each, about 4 MB), 10,000 directory entries (about 1 KB of JSON each,
 * about 10 MB). Emptied by any write (src/store/lookups.ts).
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
      // Bounds (docs/benchmarks.md): ids are short, but a person may have many records and a directory entry may be large.
      persons: new RowCache<string | undefined>(db, 100_000),
      links: new RowCache<readonly string[]>(db, 20_000, { weigh: (ids) => ids.reduce((n, id) => n + id.length + 16, 0), maxWeight: 4_000_000 }),
      directory: new RowCache<Current | undefined>(db, 10_000, { weigh: (row) => (row ? row.content.length + 256 : 16), maxWeight: 8_000_000 }),
    };
    preparedByDb.set(db, p);
  }
  return p;
}
type Prepared = { all(v: Record<string, unknown>): unknown };
type Current = typeof resources.$inferSelect;
const preparedByDb = new WeakMap<
  Database,
  {
    person: Prepared;
    linked: Prepared;
    current: Prepared;
    persons: RowCache<string | undefined>;
    links: RowCache<readonly string[]>;
    directory: RowCache<Current | undefined>;
  }
>();
const DIRECTORY = new Set(DIRECTORY_TYPES);

/** A person's source Patient ids: every record the index linked to them. `generation`: see RowCache.get. */
export async function linkedPatientIds(db: Database, person: string, generation?: number): Promise<readonly string[]> {
  const p = prepared(db);
  return p.links.get(person, async () => ((await p.linked.all({ person })) as { id: string }[]).map((r) => r.id), generation);
}

/** The person a source Patient id belongs to: `Patient/{id}` from any source resolves to the one linked person. */
export async function resolvePerson(db: Database, patientId: string, generation?: number): Promise<string | undefined> {
  const p = prepared(db);
  return p.persons.get(patientId, async () => ((await p.person.all({ id: patientId })) as { personId: string }[])[0]?.personId, generation);
}

/** Every source record of a person, with the rule and reason that linked it. */
export async function linkedRecords(db: Database, personId: string) {
  return db.orm.select().from(patientLinks).where(eq(patientLinks.personId, personId)).orderBy(patientLinks.patientId);
}

export async function readCurrent(db: Database, type: string, id: string, generation?: number): Promise<Current | undefined> {
  const p = prepared(db);
  const load = async () => ((await p.current.all({ type, id })) as Current[])[0];
  // Directory entries (organizations, practitioners, locations) are read by every request that includes them.
  return DIRECTORY.has(type) ? p.directory.get(`${type}/${id}`, load, generation) : load();
}
