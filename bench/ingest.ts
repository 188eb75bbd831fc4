/**
 * npm run bench:ingest [-- --patients N --seed S --rounds R]
 *
 * Ingests the N-patient synthetic region through the real pipeline (validation, labels, search
 * columns, matching, provenance, one transaction per source file) into a fresh SQLite file, and,
 * in the same run, inserts the same resources as bare JSON rows with a prepared better-sqlite3
 * statement. Both start from the files' JSON text and use the same pragmas. Rounds alternate
 * between the two so a noisy neighbour hurts both alike; the best round of each is reported.
 */
import BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openSqlite } from '../src/db/sqlite.js';
import { ingest, readBundle } from '../src/ingest/index.js';
import { defaultCodeLists } from '../src/labels/index.js';
import { generateRegion } from '../src/synthetic/index.js';

const { values } = parseArgs({
  options: { patients: { type: 'string', default: '1000' }, seed: { type: 'string', default: '42' }, rounds: { type: 'string', default: '3' } },
});
const patients = Number(values.patients);
const rounds = Number(values.rounds);

// The generated objects are dropped once serialised, so their heap does not slow either side.
const { files, total } = (() => {
  const region = generateRegion({ patients, seed: Number(values.seed) });
  return { files: region.sources.map((s) => JSON.stringify(s.bundle)), total: region.sources.reduce((n, s) => n + (s.bundle.entry?.length ?? 0), 0) };
})();
const work = mkdtempSync(join(tmpdir(), 'cg-bench-'));

async function ours(round: number): Promise<number> {
  const db = openSqlite(join(work, `ours-${round}.db`));
  let id = 0;
  const deps = { db, clock: () => new Date(), codeLists: defaultCodeLists, newId: () => `b${round}-${++id}` };
  const started = performance.now();
  for (const text of files) {
    const bundle = readBundle(JSON.parse(text));
    if (Array.isArray(bundle)) throw new Error('bad fixture');
    const { outcomes } = await ingest(deps, { source: bundle.source, channel: 'cli', mode: bundle.mode, entries: bundle.entries });
    if (outcomes.some((o) => !o.ok)) throw new Error('fixture entry rejected');
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return total / seconds;
}

function baseline(round: number): number {
  const db = new BetterSqlite3(join(work, `raw-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  db.exec('CREATE TABLE raw (type TEXT NOT NULL, id TEXT NOT NULL, content TEXT NOT NULL, PRIMARY KEY (type, id))');
  const insert = db.prepare('INSERT INTO raw (type, id, content) VALUES (?, ?, ?)');
  const insertAll = db.transaction((entries: { resource: { resourceType: string; id: string } }[]) => {
    for (const { resource } of entries) insert.run(resource.resourceType, resource.id, JSON.stringify(resource));
  });
  const started = performance.now();
  for (const text of files) insertAll(JSON.parse(text).entry);
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return total / seconds;
}

const oursRates: number[] = [];
const baseRates: number[] = [];
for (let r = 0; r < rounds; r++) {
  baseRates.push(baseline(r));
  oursRates.push(await ours(r));
}
rmSync(work, { recursive: true, force: true });

const best = (xs: number[]) => Math.max(...xs);
const ratio = best(oursRates) / best(baseRates);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log(`bench:ingest  patients=${patients} resources=${total} files=${files.length} rounds=${rounds}`);
console.log(`  ours      ${fmt(best(oursRates))} resources/s   (rounds: ${oursRates.map(fmt).join(', ')})`);
console.log(`  baseline  ${fmt(best(baseRates))} resources/s   bare better-sqlite3 insert of the same JSON rows (rounds: ${baseRates.map(fmt).join(', ')})`);
console.log(
  `  ratio     ${(ratio * 100).toFixed(1)}% of baseline   target >= 40% and >= 20,000 resources/s: ${ratio >= 0.4 && best(oursRates) >= 20_000 ? 'met' : 'MISSED'}`,
);
