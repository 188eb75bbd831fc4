import type BetterSqlite3 from 'better-sqlite3';
import { renderedText, type AuditRow } from '../../src/audit/rows.js';

const SELECT =
  'select seq, id, recorded, person, kind, interaction, query, outcome, purpose, agent, role, organization, client, token, break_glass as breakGlass, reasons, detail, resource, prev_hash as prevHash, hash from audit_events';

/** The trail's rows as stored, in order, optionally only those about one person. */
export function auditRows(sqlite: BetterSqlite3.Database, where: { person?: string; id?: string } = {}): AuditRow[] {
  const conditions = [...(where.person !== undefined ? ['person = @person'] : []), ...(where.id !== undefined ? ['id = @id'] : [])];
  return sqlite.prepare(`${SELECT}${conditions.length > 0 ? ` where ${conditions.join(' and ')}` : ''} order by seq`).all(where) as AuditRow[];
}

/** Each event as the AuditEvent JSON a reader of the trail gets (rendered from the compact row). */
export function auditTexts(sqlite: BetterSqlite3.Database, where: { person?: string; id?: string } = {}): string[] {
  return auditRows(sqlite, where).map(renderedText);
}

/** The same, parsed. */
export function auditResources(sqlite: BetterSqlite3.Database, where: { person?: string; id?: string } = {}): Record<string, unknown>[] {
  return auditTexts(sqlite, where).map((t) => JSON.parse(t) as Record<string, unknown>);
}
