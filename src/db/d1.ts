import type { D1Database } from '@cloudflare/workers-types';
import { getTableColumns } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import type { BatchItem } from 'drizzle-orm/batch';
import { createQueue, isInsertRows, type Database, type InsertRows, type Orm } from './database.js';
import { schema } from './schema.js';

const D1_MAX_PARAMS = 100;

/** Wraps a D1 binding. Migrations are applied by wrangler from the same SQL files the Node migrator uses. */
export function openD1(binding: D1Database): Database {
  const orm = drizzle(binding, { schema });
  return {
    orm: orm as unknown as Orm,
    driver: 'd1',
    maxParams: D1_MAX_PARAMS,
    async atomic(statements) {
      const queries = statements.flatMap((s) => (isInsertRows(s) ? multiRowInserts(orm as unknown as Orm, s) : [s]));
      if (queries.length === 0) return;
      await orm.batch(queries as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]]);
    },
    exclusive: createQueue(),
    // D1 reports the database's size after every query (meta.size_after); the cheapest query asks.
    async sizeBytes() {
      const { meta } = await binding.prepare('SELECT 1').run();
      const size = (meta as { size_after?: unknown }).size_after;
      return typeof size === 'number' ? size : undefined;
    },
  };
}

/**
 * D1 binds at most 100 parameters per statement, so rows go in as many INSERTs as that takes.
 * Counted by the table's columns, not the first row's keys: a multi-row INSERT binds the union
 * of every row's columns, and a later row may name one the first left out (red team 7: a
 * Bundle of 100 Encounters was a 500).
 */
function multiRowInserts(orm: Orm, { table, rows, onConflict }: InsertRows): BatchItem<'sqlite'>[] {
  if (rows.length === 0) return [];
  const perStatement = Math.max(1, Math.floor(D1_MAX_PARAMS / Object.keys(getTableColumns(table)).length));
  const out: BatchItem<'sqlite'>[] = [];
  for (let i = 0; i < rows.length; i += perStatement) {
    const insert = orm.insert(table).values(rows.slice(i, i + perStatement) as never[]);
    out.push((onConflict === 'ignore' ? insert.onConflictDoNothing() : insert) as BatchItem<'sqlite'>);
  }
  return out;
}
