import type BetterSqlite3 from 'better-sqlite3';
import { getTableColumns } from 'drizzle-orm';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import { isInsertRows, type InsertRows, type StagedWrite, type Statement } from './database.js';

/** A step of the final transaction: rows waiting in a TEMP table, or a statement kept as built. */
type Step = { kind: 'rows'; copy: BetterSqlite3.Statement; from: number | bigint; to: number | bigint } | { kind: 'statement'; statement: Statement };

interface Stage {
  name: string;
  insert: BetterSqlite3.Statement;
  copy: BetterSqlite3.Statement;
  keys: string[];
}

let writes = 0;

/**
 * A large write (see Database.staged) on SQLite. Its rows wait in TEMP tables until the end,
 * and one transaction then copies them into place, in the order they were added, with
 * `INSERT ... SELECT`, which runs inside SQLite without a call from JavaScript per row.
 *
 * Why not one transaction held open across the event-loop turns while the write is planned:
 * every other statement on this connection (the gateway's reads and small writes share it)
 * would run inside that open transaction and see its uncommitted rows, and a writer on another
 * connection would wait for the lock in SQLite's busy handler, which blocks its whole thread.
 * TEMP tables belong to this connection alone, nothing reads them but the final copy, and they
 * take no lock on the database. better-sqlite3 builds SQLite with TEMP_STORE=1, so TEMP pages
 * past their cache go to a temporary file: memory stays flat however large the write.
 */
export function stagedWrite(sqlite: BetterSqlite3.Database, run: (statement: Statement) => void): StagedWrite {
  const prefix = `staged_${++writes}`;
  const stages = new Map<string, Stage>();
  let steps: Step[] = [];

  const stageFor = ({ table, onConflict }: InsertRows, keys: string[]): Stage => {
    const target = getTableConfig(table).name;
    const id = `${target}|${onConflict}|${keys.join(',')}`;
    let stage = stages.get(id);
    if (stage) return stage;
    const columns = getTableColumns(table);
    const name = `${prefix}_${stages.size}`;
    const slots = keys.map((_, i) => `c${i}`);
    // Untyped columns (BLOB affinity) keep each value exactly as bound; the target's own affinity applies at the copy.
    sqlite.exec(`CREATE TEMP TABLE "${name}" (${slots.join(', ')})`);
    const verb = onConflict === 'ignore' ? 'INSERT OR IGNORE' : 'INSERT';
    stage = {
      name,
      keys,
      insert: sqlite.prepare(`INSERT INTO temp."${name}" VALUES (${slots.map(() => '?').join(', ')})`),
      copy: sqlite.prepare(
        `${verb} INTO main."${target}" (${keys.map((k) => `"${columns[k]!.name}"`).join(', ')}) SELECT ${slots.join(', ')} FROM temp."${name}" WHERE rowid BETWEEN ? AND ? ORDER BY rowid`,
      ),
    };
    stages.set(id, stage);
    return stage;
  };

  const stageRows = sqlite.transaction((insert: InsertRows) => {
    if (insert.rows.length === 0) return;
    const keys = Object.keys(insert.rows[0]!);
    const stage = stageFor(insert, keys);
    const values = new Array<unknown>(keys.length);
    let from: number | bigint | undefined;
    let to: number | bigint = 0;
    for (const row of insert.rows) {
      for (let i = 0; i < keys.length; i++) values[i] = row[keys[i]!] ?? null;
      to = stage.insert.run(values).lastInsertRowid;
      from ??= to;
    }
    steps.push({ kind: 'rows', copy: stage.copy, from: from!, to });
  });

  const apply = sqlite.transaction((all: readonly Step[]) => {
    for (const step of all) {
      if (step.kind === 'rows') step.copy.run(step.from, step.to);
      else run(step.statement);
    }
  });

  const forget = () => {
    steps = [];
    for (const stage of stages.values()) sqlite.exec(`DROP TABLE IF EXISTS temp."${stage.name}"`);
    stages.clear();
  };

  return {
    add(statements) {
      for (const statement of statements) {
        if (isInsertRows(statement)) stageRows(statement);
        else steps.push({ kind: 'statement', statement });
      }
    },
    async commit() {
      try {
        apply(steps);
      } finally {
        forget();
      }
    },
    discard: forget,
  };
}
