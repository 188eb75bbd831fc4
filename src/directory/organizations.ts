import { sql } from 'drizzle-orm';
import type { Database } from '../db/database.js';

/**
 * Organization names from the directory data (not PHI): by reference, for pages that name
 * organizations, and by the source system each one sends from, for "from …" labels.
 */
export async function organizationDirectory(db: Database): Promise<{ byId: Map<string, string>; bySource: Map<string, string> }> {
  const rows = await db.orm.all<{ id: string; source: string; name: string | null }>(
    sql`SELECT id, source, json_extract(content, '$.name') AS name FROM resources WHERE type = 'Organization'`,
  );
  const named = rows.filter((r): r is typeof r & { name: string } => r.name !== null);
  return { byId: new Map(named.map((r) => [`Organization/${r.id}`, r.name])), bySource: new Map(named.map((r) => [r.source, r.name])) };
}
