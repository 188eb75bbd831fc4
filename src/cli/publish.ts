import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { loadSigningKeys } from '../entry/keys-on-disk.js';
import { publishDeps } from '../entry/publisher.js';
import { publishRelease, PublishRefused } from '../release/publish.js';

/**
 * `npm run publish [-- --epsilon 1] [--years 2024,2025]`: publishes a new immutable release of
 * the public dataset from the gateway's database. Without --epsilon it is suppression only,
 * which each year allows once (see src/release/guard.ts).
 */
async function main() {
  const { values } = parseArgs({ options: { epsilon: { type: 'string' }, years: { type: 'string' } }, strict: true });
  const epsilon = values.epsilon === undefined ? undefined : Number(values.epsilon);
  if (epsilon !== undefined && !(Number.isFinite(epsilon) && epsilon > 0 && epsilon <= 100))
    throw new UsageError('--epsilon must be a number above 0 and at most 100');
  const years = values.years?.split(',').map((y) => Number(y.trim()));
  if (years && !years.every((y) => Number.isInteger(y) && y >= 1900 && y <= 2200))
    throw new UsageError('--years must be calendar years, comma-separated, e.g. 2024,2025');
  const config = loadConfig(process.env);
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

class UsageError extends Error {}

main().catch((err) => {
  if (err instanceof PublishRefused || err instanceof UsageError || err instanceof ConfigError) {
    console.error(`Not published: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
