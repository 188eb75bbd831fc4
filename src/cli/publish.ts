import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { loadSigningKeys } from '../entry/keys-on-disk.js';
import { publishDeps } from '../entry/publisher.js';
import { DEFAULT_CLIPPING } from '../deid/index.js';
import { claimYears, releaseUniverse } from '../release/compute.js';
import { DP_WORKLOAD } from '../release/dp-policy.js';
import { dryRun, formatDryRun } from '../release/dry-run.js';
import { publishRelease, PublishRefused } from '../release/publish.js';

/**
 * `npm run publish [-- --epsilon 1] [--years 2024,2025] [--dry-run]`: publishes a new immutable
 * release of the public dataset from the gateway's database. Without --epsilon it is suppression
 * only, which each year allows once (see src/release/guard.ts). With --dry-run it prints the
 * expected error of every table at that epsilon and stops: nothing is written or spent.
 */
async function main() {
  const { values } = usage(() =>
    parseArgs({ options: { epsilon: { type: 'string' }, years: { type: 'string' }, 'dry-run': { type: 'boolean' } }, strict: true }),
  );
  const epsilon = values.epsilon === undefined ? undefined : Number(values.epsilon);
  if (epsilon !== undefined && !(Number.isFinite(epsilon) && epsilon > 0 && epsilon <= 100))
    throw new UsageError('--epsilon must be a number above 0 and at most 100');
  const years = values.years?.split(',').map((y) => Number(y.trim()));
  if (years && !years.every((y) => Number.isInteger(y) && y >= 1900 && y <= 2200))
    throw new UsageError('--years must be calendar years, comma-separated, e.g. 2024,2025');
  const config = loadConfig(process.env);
  if (values['dry-run']) return dryRunOnly(config.dataDir, epsilon, years);
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  try {
    const ring = await loadSigningKeys(config.keysDir, new Date(), 3600, { generateIfNone: config.mode === 'development' });
    const published = await publishRelease(publishDeps(db, config, ring.signing.privateJwk), {
      ...(epsilon !== undefined ? { epsilon } : {}),
      ...(years ? { years } : {}),
    });
    console.log(
      `Published release ${published.info.id} (${published.info.mode}${epsilon !== undefined ? `, epsilon ${epsilon}` : ''}) for ${published.info.years.join(', ')} in ${(published.millis / 1000).toFixed(1)} s`,
    );
    console.log(`  ${published.info.population.people} people; ${published.info.population.excludedByConsent} excluded by their consent`);
    for (const f of published.files) console.log(`  ${config.baseUrl}/public/datasets/${published.info.id}/${f.name}  sha256 ${f.sha256}`);
  } finally {
    db.close();
  }
}

/** The dry run reads only the registry and which years have claims, to lay out the tables. */
async function dryRunOnly(dataDir: string, epsilon: number | undefined, requested: number[] | undefined) {
  if (epsilon === undefined) throw new UsageError('--dry-run reports the error of a differentially private release: give --epsilon');
  const path = join(dataDir, 'gateway.db');
  if (!existsSync(path)) throw new UsageError(`there is no database at ${path}`);
  const db = openSqlite(path);
  try {
    const nowYear = new Date().getUTCFullYear();
    const withClaims = (await claimYears(db)).filter((y) => y <= nowYear);
    const years = requested ?? withClaims;
    if (years.length === 0) throw new UsageError('there is no claims data to publish');
    const empty = years.filter((y) => !withClaims.includes(y));
    if (empty.length > 0) throw new UsageError(`there is no claims data for ${empty.join(', ')}`);
    const universe = await releaseUniverse(db, years);
    console.log(formatDryRun(dryRun({ epsilon, years, universe, workload: DP_WORKLOAD, clipping: DEFAULT_CLIPPING }), years));
  } finally {
    db.close();
  }
}

class UsageError extends Error {}

/** parseArgs' own refusals (an unknown option, `--epsilon -1`) are usage errors too: one sentence, exit 2. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

main().catch((err) => {
  if (err instanceof PublishRefused || err instanceof UsageError || err instanceof ConfigError) {
    console.error(`Not published: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
