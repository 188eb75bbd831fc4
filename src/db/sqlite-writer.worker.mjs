// The thread that applies a staged write (src/db/sqlite-staging.ts) to the database, so that
// the one transaction that copies a large write into place (its B-tree inserts, its fsync)
// does not stop the gateway's event loop. Plain JavaScript: a worker thread is loaded by Node
// itself, outside tsx and vitest's transforms.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

let db;
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
