import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { configWarnings, type Config } from '../config/config.js';
import { resources } from '../db/schema.js';
import { openSqlite, type SqliteDatabase } from '../db/sqlite.js';
import type { AppDeps } from '../http/env.js';
import { markInterruptedIngestions } from '../store/write.js';
import { generateRegion, type Region } from '../synthetic/index.js';
import { nodeDeps } from './deps.js';
import { ingestFile } from './ingest-file.js';
import { ensureSigningKeys } from './keys-on-disk.js';

export interface Booted {
  db: SqliteDatabase;
  deps: AppDeps;
  notes: string[];
}

/** Everything `npm start` does before it listens: config, database, keys, and the synthetic region on an empty database. */
export async function bootstrap(config: Config): Promise<Booted> {
  const notes = configWarnings(config).map((w) => `WARNING: ${w}`);
  await mkdir(config.dataDir, { recursive: true });
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  const deps = nodeDeps(db, config);
  const interrupted = await markInterruptedIngestions(db, deps.clock().toISOString());
  if (interrupted > 0) notes.push(`${interrupted} ingestion(s) interrupted by an earlier stop were marked 'interrupted'; their committed chunks stand.`);

  const { generated } = await ensureSigningKeys(config.keysDir, deps.clock());
  if (generated) notes.push(`Generated a signing key in ${config.keysDir}/`);

  const [{ n }] = (await db.orm.select({ n: count() }).from(resources)) as [{ n: number }];
  if (n === 0) {
    const files = await ensureFixtures(config);
    const started = performance.now();
    let written = 0;
    for (const file of files) {
      const result = await ingestFile(deps, file);
      written += result.outcomes.filter((o) => o.ok && o.changed).length;
    }
    notes.push(`Loaded the synthetic region (${config.fixturePatients} patients, seed ${config.fixtureSeed}): ${written} resources in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return { db, deps, notes };
}

/** The fixture files for the configured size and seed, generated if they are not already on disk. */
export async function ensureFixtures(config: Config): Promise<string[]> {
  const manifestPath = join(config.fixturesDir, 'manifest.json');
  if (existsSync(manifestPath)) {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Region['manifest'];
    if (manifest.patients === config.fixturePatients && manifest.seed === config.fixtureSeed) {
      return manifest.files.map((f) => join(config.fixturesDir, f.fileName));
    }
  }
  const region = generateRegion({ patients: config.fixturePatients, seed: config.fixtureSeed });
  await writeRegion(region, config.fixturesDir);
  return region.manifest.files.map((f) => join(config.fixturesDir, f.fileName));
}

export async function writeRegion(region: Region, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const source of region.sources) await writeFile(join(dir, source.fileName), JSON.stringify(source.bundle));
  await writeFile(join(dir, 'people.json'), JSON.stringify(region.people, null, 2));
  await writeFile(join(dir, 'truth.json'), JSON.stringify(region.truth));
  // The manifest last: its presence says the set is complete.
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(region.manifest, null, 2));
}
