import BetterSqlite3 from 'better-sqlite3';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isInsertRows, type InsertRows, type StagedWrite, type Statement } from './database.js';

/** One statement of the final transaction, as SQL text and its parameters. */
export interface Step {
  sql: string;
  params: unknown[];
}

interface Stage {
  insert: BetterSqlite3.Statement;
  copy: string;
}

/**
 * Runs steps in one transaction, with a staged write's scratch file (if any) attached as
 * `stage`: on a worker thread where the database is a file, else on this connection.
 */
export type ApplyStaged = (scratch: string | undefined, steps: readonly Step[]) => Promise<void>;

const PREFIX = 'cg-staging-';
let swept = false;

/**
 * Scratch directories of processes that died mid-write (kill -9 leaves no `finally`): their
 * writes never happened, so their rows are garbage. Each directory is named after its process;
 * once per process, those of processes no longer running are removed (found by the red team).
 */
function sweepOrphans(): void {
  if (swept) return;
  swept = true;
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^cg-staging-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * A large write (see Database.staged) on SQLite. Its rows wait in a scratch file of their own
 * until the end; then one transaction copies them into place, in the order they were added,
 * with `INSERT ... SELECT`, which runs inside SQLite without a call from JavaScript per row, on
 * a thread of its own (sqlite-writer.worker.mjs), so the event loop keeps serving meanwhile.
 *
 * Why not one transaction held open across the event-loop turns while the write is planned:
 * every other statement on the gateway's connection (its reads and small writes share it) would
 * run inside that open transaction and see its uncommitted rows, and a writer on another
 * connection would wait for the lock in SQLite's busy handler, which blocks its whole thread.
 * The scratch file is nobody's but this write's, and takes no lock on the database. It is not
 * journaled (nothing in it needs to survive a crash: the write then never happened), and its
 * pages past a small cache go to disk, so memory stays flat however large the write.
 */
export function stagedWrite(apply: ApplyStaged): StagedWrite {
  let dir: string | undefined;
  let scratch: BetterSqlite3.Database | undefined;
  const stages = new Map<string, Stage>();
  let steps: Step[] = [];

  const open = (): BetterSqlite3.Database => {
    if (scratch) return scratch;
    sweepOrphans();
    dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    scratch = new BetterSqlite3(join(dir, 'stage.db'));
    scratch.pragma('journal_mode = OFF');
    scratch.pragma('synchronous = OFF');
    scratch.pragma('cache_size = -16000');
    return scratch;
  };

  const stageFor = ({ table, onConflict }: InsertRows, keys: string[]): Stage => {
    const target = getTableConfig(table).name;
    const id = `${target}|${onConflict}|${keys.join(',')}`;
    let stage = stages.get(id);
    if (stage) return stage;
    const conn = open();
    const columns = getTableColumns(table);
    const name = `rows_${stages.size}`;
    const slots = keys.map((_, i) => `c${i}`);
    // Untyped columns (BLOB affinity) keep each value exactly as bound; the target's own affinity applies at the copy.
    conn.exec(`CREATE TABLE "${name}" (${slots.join(', ')})`);
    const verb = onConflict === 'ignore' ? 'INSERT OR IGNORE' : 'INSERT';
    stage = {
      insert: conn.prepare(`INSERT INTO "${name}" VALUES (${slots.map(() => '?').join(', ')})`),
      copy: `${verb} INTO main."${target}" (${keys.map((k) => `"${columns[k]!.name}"`).join(', ')}) SELECT ${slots.join(', ')} FROM stage."${name}" WHERE rowid BETWEEN ? AND ? ORDER BY rowid`,
    };
    stages.set(id, stage);
    return stage;
  };

  const stageRows = (insert: InsertRows) => {
    if (insert.rows.length === 0) return;
    const keys = Object.keys(insert.rows[0]!);
    const stage = stageFor(insert, keys);
    const values = new Array<unknown>(keys.length);
    let from: number | bigint | undefined;
    let to: number | bigint = 0;
    open().transaction(() => {
      for (const row of insert.rows) {
        for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]!] ?? null;
        to = stage.insert.run(values).lastInsertRowid;
        from ??= to;
      }
    })();
    steps.push({ sql: stage.copy, params: [from!, to] });
  };

  const forget = () => {
    steps = [];
    stages.clear();
    scratch?.close();
    scratch = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };

  return {
    add(statements) {
      for (const statement of statements) {
        if (isInsertRows(statement)) stageRows(statement);
        else {
          const { sql, params } = (statement as unknown as { toSQL(): Step }).toSQL();
          steps.push({ sql, params });
        }
      }
    },
    async commit() {
      try {
        // Opened here if nothing was staged as rows: the statements still attach a scratch file.
        const conn = open();
        const path = conn.name;
        conn.close();
        scratch = undefined;
        await apply(path, steps);
      } finally {
        forget();
      }
    },
    discard: forget,
  };
}

/** Applies on this connection, blocking it: for a database with no file another thread could open. */
export function applyHere(sqlite: BetterSqlite3.Database): ApplyStaged {
  return async (scratch, steps) => {
    if (scratch) sqlite.prepare('ATTACH DATABASE ? AS stage').run(scratch);
    try {
      sqlite.transaction(() => {
        for (const { sql, params } of steps) sqlite.prepare(sql).run(...params);
      })();
    } finally {
      if (scratch) sqlite.exec('DETACH DATABASE stage');
    }
  };
}

/**
 * Applies on a worker thread with its own connection to the same file, made at the first
 * large write and ended with `close`. Its errors come back with SQLite's code, so a write
 * conflict (SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_BUSY) is told apart and retried as any other.
 */
export function applyOnWorker(path: string, synchronous: 'FULL' | 'NORMAL'): { apply: ApplyStaged; close: () => Promise<void> } {
  let worker: Worker | undefined;
  let next = 0;
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  const start = () => {
    const w = new Worker(new URL('./sqlite-writer.worker.mjs', import.meta.url), { workerData: { path, synchronous } });
    w.on('message', (m: { id: number; ok: boolean; code?: string; message?: string }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (!p) return;
      if (m.ok) p.resolve();
      else p.reject(Object.assign(new Error(m.message ?? 'staged write failed'), { code: m.code }));
    });
    // A thread that died fails what it was doing (SQLite rolled its transaction back); the next write starts another.
    const fail = (err: unknown) => {
      for (const p of waiting.values()) p.reject(err instanceof Error ? err : new Error(String(err)));
      waiting.clear();
      worker = undefined;
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`the SQLite writer thread stopped (${code})`)));
    // Idle, the thread does not keep the process alive; while a write is applied, it does.
    w.unref();
    return w;
  };
  return {
    apply(scratch, steps) {
      worker ??= start();
      const id = ++next;
      const w = worker;
      w.ref();
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        w.postMessage({ id, scratch, steps });
      }).finally(() => {
        if (waiting.size === 0) w.unref();
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
