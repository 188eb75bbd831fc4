import type { BatchItem } from 'drizzle-orm/batch';
import type { BaseSQLiteDatabase, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Schema } from './schema.js';

/** Drizzle over either driver: better-sqlite3 (sync) or D1 (async). Awaiting a query works on both. */
export type Orm = BaseSQLiteDatabase<'sync' | 'async', unknown, Schema>;

/** A statement built with `orm` but not yet run, or rows to insert, which each driver writes its fastest way. */
export type Statement = BatchItem<'sqlite'> | InsertRows;

/**
 * Rows for one table. SQLite runs one cached prepared statement per row (building SQL text per
 * row through the query builder cost more than the insert itself); D1 sends multi-row INSERTs
 * within its bound-parameter limit.
 */
export interface InsertRows {
  kind: 'insert-rows';
  table: SQLiteTable;
  rows: readonly Record<string, unknown>[];
  onConflict: 'fail' | 'ignore';
}

export function isInsertRows(statement: Statement): statement is InsertRows {
  return (statement as InsertRows).kind === 'insert-rows';
}

/**
 * The storage contract every data-access module is written against.
 *
 * - `atomic` runs statements all-or-nothing. SQLite wraps them in one transaction; D1 has no
 *   interactive transactions, so it sends them as one batch, which D1 runs as a transaction.
 *   Reads that decide what to write happen before, so callers hold `exclusive` around both.
 * - `exclusive` serialises read-decide-write units. On SQLite (one process, one writer) it is a
 *   queue; on D1 it is only per isolate, which is why writes also carry their own guards.
 * - `maxParams` is the most bound parameters one statement may carry: D1 allows 100.
 */
export interface Database {
  readonly orm: Orm;
  readonly driver: 'sqlite' | 'd1';
  readonly maxParams: number;
  atomic(statements: readonly Statement[]): Promise<void>;
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  /**
   * A number that changes when another connection commits (SQLite's `data_version`), read
   * without touching the disk. Caches use it to know when to look for others' changes; where
   * there is none (D1), they must look every time.
   */
  changeCounter?(): number;
  /**
   * A number that grows whenever the data may have changed: any row this connection wrote
   * (SQLite's total_changes) or another connection's commit (data_version). Caches of rows
   * (src/store/lookups.ts) are kept only while it stands still; where there is none (D1), they
   * are not kept at all.
   */
  generation?(): number;
  /**
   * A write too large to hold in memory at once: its statements are handed over in parts and
   * applied together, in one transaction, at `commit`. Until then nothing is visible to any
   * reader, on this connection or another. Where there is none (D1), callers collect the parts
   * and send one `atomic` batch.
   */
  staged?(): StagedWrite;
  /** How many bytes the database holds now, where the driver can say. */
  sizeBytes?(): Promise<number | undefined>;
}

export interface StagedWrite {
  /** Keeps these statements, in order, after the ones added before. */
  add(statements: readonly Statement[]): void;
  /** Applies everything added, all or nothing, then forgets it. */
  commit(): Promise<void>;
  /** Forgets everything added; nothing was written. */
  discard(): void;
}

/** A promise queue: each unit starts when the one before it has settled. */
export function createQueue(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
}
