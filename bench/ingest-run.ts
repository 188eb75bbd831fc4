/**
 * One side of one bench:ingest round, in its own process so that its peak memory is its own:
 * `tsx bench/ingest-run.ts --side ours|baseline --dir <region files> --db <file>`. Reads the
 * region's source files one at a time, as `npm run ingest` would, and prints one JSON line:
 * resources per second (timed from the first file read to the last commit) and the process's
 * peak resident memory.
 */
import BetterSqlite3 from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../src/db/sqlite.js';
import { ingestFile } from '../src/entry/ingest-file.js';
import { defaultCodeLists } from '../src/labels/index.js';
import { registerFixtureParticipants } from '../test/helpers/participants.js';

const { values } = parseArgs({ options: { side: { type: 'string' }, dir: { type: 'string' }, db: { type: 'string' } } });
const paths = readdirSync(values.dir!)
  .sort()
  .map((f) => join(values.dir!, f));

async function ours(): Promise<number> {
  const db = openSqlite(values.db!);
  let id = 0;
  const deps = { db, clock: () => new Date(), codeLists: defaultCodeLists, newId: () => `b-${++id}` };
  // As development mode does before loading the region: payers' Coverages come only from registered sources.
  await registerFixtureParticipants(db);
  let total = 0;
  const started = performance.now();
  for (const path of paths) {
    // As `npm run ingest` reads a file.
    const { outcomes } = await ingestFile(deps, path);
    if (outcomes.some((o) => !o.ok)) throw new Error('fixture entry rejected');
    total += outcomes.length;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return total / seconds;
}

function baseline(): number {
  const db = new BetterSqlite3(values.db!);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  db.exec('CREATE TABLE raw (type TEXT NOT NULL, id TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (type, id))');
  const insert = db.prepare('INSERT INTO raw (type, id, content) VALUES (?, ?, ?)');
  const insertAll = db.transaction((entries: { resource: { resourceType: string; id: string } }[]) => {
    for (const { resource } of entries) insert.run(resource.resourceType, resource.id, JSON.stringify(resource));
  });
  let total = 0;
  const started = performance.now();
  for (const path of paths) {
    const entries = JSON.parse(readFileSync(path, 'utf8')).entry;
    insertAll(entries);
    total += entries.length;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return total / seconds;
}

const rate = values.side === 'ours' ? await ours() : baseline();
console.log(JSON.stringify({ rate, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
