import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { generateRegion } from '../../src/synthetic/index.js';
import { testDeps } from './db.js';
import { registerFixtureParticipants } from './participants.js';

/** Registers the synthetic region's participants and ingests a region of `patients` into `db`, as development mode does. */
export async function loadRegion(db: SqliteDatabase, patients = 150, seed = 5): Promise<void> {
  await registerFixtureParticipants(db);
  const deps = testDeps(db);
  for (const source of generateRegion({ patients, seed }).sources) {
    const b = readBundle(source.bundle);
    if (Array.isArray(b)) throw new Error('bad fixture');
    await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
  }
}

/**
 * A digest of every row of every table: equal before and after means nothing was written.
 * The audit trail is left out on purpose where a caller asks (a refusal is audited).
 */
export function databaseDigest(db: SqliteDatabase, except: readonly string[] = []): string {
  const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  const hash = createHash('sha256');
  for (const t of tables) {
    if (except.includes(t)) continue;
    hash.update(`\n#${t}\n`);
    for (const row of db.sqlite.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().iterate()) hash.update(JSON.stringify(row));
  }
  return hash.digest('hex');
}

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs one of the operator commands (`src/cli/<name>.ts`) as its own process, as `npm run <name>` does. */
export function runCli(name: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${name}.ts`, ...args], { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
