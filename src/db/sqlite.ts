import BetterSqlite3 from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { createQueue, isInsertRows, type Database, type InsertRows, type Orm, type Statement } from './database.js';
import { schema } from './schema.js';
import { applyHere, applyOnWorker, stagedWrite, type Step } from './sqlite-staging.js';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export interface SqliteDatabase extends Database {
  readonly sqlite: BetterSqlite3.Database;
  close(): void;
}

/**
 * Two processes opening a new database at once (two `npm run publish`) both read "nothing
 * applied" before either takes the write lock (drizzle reads the applied list outside its
 * transaction); the second then fails on a table the first created, and its transaction rolls
 * back. Running the migrator again reads the list afresh and applies only what is still missing.
 */
function migrateOnce(run: () => void): void {
  try {
    run();
  } catch (first) {
    try {
      run();
    } catch {
      throw first;
    }
  }
}

/**
 * Opens (creating if needed) and migrates the SQLite database at `path`. Node only.
 *
 * WAL lets readers run while an ingest writes; `synchronous = FULL` because an HIE that
 * acknowledged a write must still have it after a power cut, and with WAL that costs one
 * fsync per committed chunk, not per row.
 */
export interface SqliteOptions {
  synchronous?: 'FULL' | 'NORMAL';
  /**
   * 'thread': every `atomic` write is committed by a worker thread with its own connection, so
   * its fsync does not stop the event loop; the caller awaits the commit all the same. For the
   * audit trail, which commits constantly and must be durable (FULL) before a response leaves.
   */
  commits?: 'here' | 'thread';
}

export function openSqlite(path: string, options: SqliteOptions = {}): SqliteDatabase {
  const sqlite = new BetterSqlite3(path);
  // First, so that the pragmas and migrations below wait for another connection instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  sqlite.pragma('foreign_keys = ON');
  // 64 MiB of page cache (the default is 2 MiB): index pages of a large store stay in memory
  // during bulk ingest instead of being re-read for every random-order key.
  sqlite.pragma('cache_size = -65536');
  const orm = drizzle(cachingClient(sqlite, 500), { schema });
  migrateOnce(() => migrate(orm, { migrationsFolder }));
  const inserts = preparedInserts(sqlite);
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  // Both counters only grow, so their sum grows whenever either does.
  const generation = sqlite.prepare('SELECT total_changes() + data_version FROM pragma_data_version()').pluck();
  const run = (statement: Statement) => {
    if (isInsertRows(statement)) inserts(statement);
    // On this driver every built statement runs synchronously.
    else (statement as unknown as { run(): unknown }).run();
  };
  // A large write is applied on a thread of its own, where another thread can open the same file.
  const writer = sqlite.memory ? undefined : applyOnWorker(sqlite.name, options.synchronous ?? 'FULL');
  const runAll = sqlite.transaction((statements: readonly Statement[]) => {
    for (const statement of statements) run(statement);
  });
  const onThread = options.commits === 'thread' && writer ? writer : undefined;
  return {
    sqlite,
    orm: orm as unknown as Orm,
    driver: 'sqlite',
    maxParams: 32_000,
    async atomic(statements) {
      if (statements.length === 0) return;
      if (onThread) await onThread.apply(undefined, statements.flatMap(asSteps));
      else runAll(statements);
    },
    exclusive: createQueue(),
    sizeBytes: async () => (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number),
    changeCounter: () => dataVersion.get() as number,
    generation: () => generation.get() as number,
    staged: () => stagedWrite(writer ? writer.apply : applyHere(sqlite)),
    close: () => {
      void writer?.close();
      sqlite.close();
    },
  };
}

/** The INSERT for rows of one table with these keys (property names) and conflict rule. */
function insertSql(table: SQLiteTable, keys: readonly string[], onConflict: InsertRows['onConflict']): string {
  const columns = getTableColumns(table);
  const names = keys.map((k) => `"${columns[k]!.name}"`);
  const verb = onConflict === 'ignore' ? 'INSERT OR IGNORE' : 'INSERT';
  return `${verb} INTO "${getTableConfig(table).name}" (${names.join(', ')}) VALUES (${keys.map(() => '?').join(', ')})`;
}

/** A statement as SQL text and parameters, for a connection on another thread: rows become one INSERT each. */
function asSteps(statement: Statement): Step[] {
  if (!isInsertRows(statement)) return [(statement as unknown as { toSQL(): Step }).toSQL()];
  if (statement.rows.length === 0) return [];
  const keys = Object.keys(statement.rows[0]!);
  const sql = insertSql(statement.table, keys, statement.onConflict);
  return statement.rows.map((row) => ({ sql, params: keys.map((k) => row[k] ?? null) }));
}

/** Inserts rows through one prepared statement per table, column set and conflict rule, made once. */
function preparedInserts(sqlite: BetterSqlite3.Database): (insert: InsertRows) => void {
  const cache = new Map<string, { statement: BetterSqlite3.Statement; keys: string[] }>();
  const prepare = (table: SQLiteTable, keys: string[], onConflict: InsertRows['onConflict']) => ({
    statement: sqlite.prepare(insertSql(table, keys, onConflict)),
    keys,
  });
  return function insert({ table, rows, onConflict }) {
    if (rows.length === 0) return;
    const keys = Object.keys(rows[0]!);
    const id = `${getTableConfig(table).name}|${onConflict}|${keys.join(',')}`;
    let prepared = cache.get(id);
    if (!prepared) cache.set(id, (prepared = prepare(table, keys, onConflict)));
    const values = new Array<unknown>(keys.length);
    for (const row of rows) {
      for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]!] ?? null;
      prepared.statement.run(values);
    }
  };
}

/**
 * The connection as drizzle sees it, with its statements kept. drizzle prepares a query's SQL
 * afresh on every call; for a search, preparing cost about a twentieth of the request. This
 * keeps the last `max` statements by their text (a query of one shape has one text: values are
 * bound parameters) and gives each call its own view of one, whose row mode (drizzle's `raw()`)
 * is set on every execution, so two users of one statement never see each other's mode. A
 * statement still being iterated is never shared. Only drizzle gets these: code preparing on
 * `sqlite` itself keeps its own statements.
 */
function cachingClient(sqlite: BetterSqlite3.Database, max: number) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const statement = (source: string) => {
    const hit = cache.get(source);
    if (hit && !hit.busy) return hit;
    const fresh = sqlite.prepare(source);
    if (!hit) {
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(source, fresh);
    }
    return fresh;
  };
  const view = (stmt: BetterSqlite3.Statement) => {
    let raw = false;
    return {
      raw(toggle = true) {
        raw = toggle;
        return this;
      },
      run: (...params: unknown[]) => stmt.run(...params),
      all: (...params: unknown[]) => stmt.raw(raw).all(...params),
      get: (...params: unknown[]) => stmt.raw(raw).get(...params),
    };
  };
  return {
    prepare: (source: string) => view(statement(source)),
    transaction: <F extends (...args: never[]) => unknown>(fn: F) => sqlite.transaction(fn),
  } as unknown as BetterSqlite3.Database;
}
