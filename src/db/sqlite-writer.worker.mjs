// The thread that runs a connection's writes where they would otherwise stop the gateway's
// event loop (src/db/sqlite-staging.ts): the transaction that copies a large staged write into
// place, and the audit trail's commits, each with its fsync. Plain JavaScript: a worker thread
// is loaded by Node itself, outside tsx and vitest's transforms.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

let db;
// Statements by their text: the audit trail sends the same INSERT for every batch.
const statements = new Map();
const prepared = (sql) => {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 200) statements.clear();
    statements.set(sql, (statement = db.prepare(sql)));
  }
  return statement;
};
const open = () => {
  if (db) return db;
  db = new Database(workerData.path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${workerData.synchronous}`);
  db.pragma('foreign_keys = ON');
  db.pragma('cache_size = -65536');
  return db;
};

parentPort.on('message', ({ id, scratch, steps }) => {
  const conn = open();
  let attached = false;
  try {
    conn.prepare('ATTACH DATABASE ? AS stage').run(scratch);
    attached = true;
    conn
      .transaction(() => {
        for (const { sql, params } of steps) conn.prepare(sql).run(...params);
      })
      .immediate();
    parentPort.postMessage({ id, ok: true });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, code: err?.code, message: String(err?.message ?? err) });
  } finally {
    if (attached) conn.exec('DETACH DATABASE stage');
  }
});
