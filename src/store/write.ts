import { and, eq, inArray, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Database, Statement } from '../db/database.js';
import { ingestions, matchKeys, patientLinks, resourceHistory, resources, resourceTokens, writeGuards } from '../db/schema.js';
import type { Plan } from './plan.js';

/** Rows for one table, written by the driver in its fastest way (see InsertRows). */
export function insertRows<T extends SQLiteTable>(table: T, rows: readonly T['$inferInsert'][], onConflict: 'fail' | 'ignore' = 'fail'): Statement[] {
  return rows.length === 0 ? [] : [{ kind: 'insert-rows', table, rows, onConflict }];
}

/** The statements that apply a plan. Run them with `db.atomic` so a plan lands whole or not at all. */
export function planStatements(db: Database, plan: Plan): Statement[] {
  const statements: Statement[] = [];
  if (plan.replaced.length > 0) {
    statements.push(
      ...insertRows(
        resourceHistory,
        plan.replaced.map(({ type, id, versionId, lastUpdated, source, ingestionId, content }) => ({
          type,
          id,
          versionId,
          lastUpdated,
          source,
          ingestionId,
          content,
        })),
      ),
    );
    const byType = new Map<string, string[]>();
    for (const r of plan.replaced) {
      const ids = byType.get(r.type);
      if (ids) ids.push(r.id);
      else byType.set(r.type, [r.id]);
    }
    for (const [type, ids] of byType) {
      for (const chunk of chunks(ids, db.maxParams - 1)) {
        statements.push(db.orm.delete(resourceTokens).where(and(eq(resourceTokens.type, type), inArray(resourceTokens.id, chunk))) as Statement);
        statements.push(db.orm.delete(resources).where(and(eq(resources.type, type), inArray(resources.id, chunk))) as Statement);
      }
    }
  }
  statements.push(...insertRows(resources, plan.rows));
  statements.push(...insertRows(resourceTokens, plan.tokens));
  statements.push(
    ...insertRows(
      patientLinks,
      plan.links.map((l) => ({ ...l, linkedAt: plan.rows[0]?.lastUpdated ?? '' })),
    ),
  );
  // 'fail', not 'ignore': a key another writer gave a person meanwhile must send this plan back to be redone.
  statements.push(...insertRows(matchKeys, plan.keys));
  return statements;
}

/**
 * Guards for resources a plan found unchanged and so does not write: if, by the time the write
 * commits, another writer has given any of them a new version, the write fails (write_guards'
 * CHECK) and is planned again. A written resource has its own guards (the keys of its row and of
 * its history); an unchanged one would otherwise have none, and a transaction planned in steps
 * could then mix what it read at its first step with what another process wrote since.
 */
export function unchangedGuards(db: Database, unchanged: readonly { type: string; id: string; versionId: number }[]): Statement[] {
  const statements: Statement[] = [];
  // Five parameters an entry: two in the first list, three in the second.
  for (const part of chunks(unchanged, Math.max(1, Math.floor(db.maxParams / 5)))) {
    const keys = sql.join(
      part.map((r) => sql`(${r.type}, ${r.id})`),
      sql`, `,
    );
    const versions = sql.join(
      part.map((r) => sql`(${r.type}, ${r.id}, ${r.versionId})`),
      sql`, `,
    );
    statements.push(
      db.orm.insert(writeGuards).select(
        db.orm
          .select({ ok: sql<number>`0`.as('ok') })
          .from(resources)
          .where(
            sql`(${resources.type}, ${resources.id}) IN (VALUES ${keys}) AND (${resources.type}, ${resources.id}, ${resources.versionId}) NOT IN (VALUES ${versions})`,
          )
          .limit(1),
      ) as unknown as Statement,
    );
  }
  return statements;
}

export function startIngestionStatement(db: Database, row: { id: string; source: string; channel: string; startedAt: string }): Statement {
  return db.orm.insert(ingestions).values({ ...row, status: 'running' }) as Statement;
}

export function countIngestionStatement(
  db: Database,
  id: string,
  counts: { written: number; unchanged: number; rejected: number },
  finishedAt?: string,
): Statement {
  return db.orm
    .update(ingestions)
    .set({
      written: sql`${ingestions.written} + ${counts.written}`,
      unchanged: sql`${ingestions.unchanged} + ${counts.unchanged}`,
      rejected: sql`${ingestions.rejected} + ${counts.rejected}`,
      ...(finishedAt ? { status: 'complete', finishedAt } : {}),
    })
    .where(eq(ingestions.id, id)) as Statement;
}

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Run at start-up: an ingestion still `running` belongs to a process that died; its committed chunks stand. */
export async function markInterruptedIngestions(db: Database, now: string): Promise<number> {
  const rows = await db.orm
    .update(ingestions)
    .set({ status: 'interrupted', finishedAt: now })
    .where(eq(ingestions.status, 'running'))
    .returning({ id: ingestions.id });
  return rows.length;
}
