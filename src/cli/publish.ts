import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/log.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { loadSigningKeys } from '../entry/keys-on-disk.js';
import { osUser, publishDeps } from '../entry/publisher.js';
import { BudgetPolicyError } from '../release/budget/policy.js';
import { parseEpsilon } from '../release/budget/rules.js';
import { LedgerBusy } from '../release/lock.js';
import { DEFAULT_CLIPPING } from '../deid/index.js';
import { claimYears, releaseUniverse } from '../release/compute.js';
import { DP_WORKLOAD } from '../release/dp-policy.js';
import { dryRun, formatDryRun } from '../release/dry-run.js';
import { publishRelease, PublishRefused } from '../release/publish.js';

const usage = `usage: npm run publish [-- --epsilon E] [--years 2024,2025] [--operator <name>] [--wait <seconds>] [--dry-run]

Publishes a new immutable release of the public dataset from DATA_DIR's database. Without
--epsilon it is suppression only, which each year allows once; with it, the release spends E of
the lifetime privacy budget stored in the database (npm run budget -- show). With --dry-run
(and --epsilon) it prints the expected error of every table at that epsilon and stops: nothing
is written or spent.
Exit 0: published. Exit 2: not published (the reason is printed; nothing was written).
Exit 75: another release is being published; try again.`;

/** Exit status for "busy, try again" (EX_TEMPFAIL in sysexits.h), so scripts can tell it from a refusal. */
const BUSY = 75;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      epsilon: { type: 'string' },
      years: { type: 'string' },
      operator: { type: 'string' },
      wait: { type: 'string', default: '30' },
      help: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  let epsilon: number | undefined;
  if (values.epsilon !== undefined) {
    const parsed = parseEpsilon(values.epsilon, '--epsilon');
    if (!parsed.ok) throw new UsageError(parsed.message);
    epsilon = parsed.value;
  }
  const years = values.years?.split(',').map((y) => (/^\s*\d{4}\s*$/.test(y) ? Number(y) : Number.NaN));
  if (years && !years.every((y) => Number.isInteger(y) && y >= 1900 && y <= 2200))
    throw new UsageError('--years must be calendar years, comma-separated, e.g. 2024,2025');
  const wait = Number(values.wait);
  if (!/^\d+(\.\d+)?$/.test(values.wait!) || wait > 600) throw new UsageError('--wait must be a number of seconds from 0 to 600');
  const config = loadConfig(process.env);
  if (values['dry-run']) {
    await dryRunOnly(config.dataDir, epsilon, years);
    return 0;
  }
  const user = osUser();
  const operator = { via: 'cli' as const, id: values.operator?.trim() || user, osUser: user };
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  // The audit trail's own file, as the gateway keeps it (see src/entry/bootstrap.ts).
  const auditDb = openSqlite(join(config.dataDir, 'audit.db'));
  try {
    const ring = await loadSigningKeys(config.keysDir, new Date(), 3600, { generateIfNone: config.mode === 'development' });
    const published = await publishRelease(publishDeps(db, ring.signing.privateJwk, new AuditLog(auditDb), operator, { waitMs: wait * 1000 }), {
      ...(epsilon !== undefined ? { epsilon } : {}),
      ...(years ? { years } : {}),
    });
    console.log(
      `Published release ${published.info.id} (${published.info.mode}${epsilon !== undefined ? `, epsilon ${epsilon}` : ''}) for ${published.info.years.join(', ')} in ${(published.millis / 1000).toFixed(1)} s`,
    );
    if (published.boundBudget !== undefined)
      console.log(`  The lifetime privacy budget is now bound to this database: epsilon ${published.boundBudget} (policies/privacy-budget.json).`);
    console.log(`  ${published.info.population.people} people; ${published.info.population.excludedByConsent} excluded by their consent`);
    for (const f of published.files) console.log(`  ${config.baseUrl}/public/datasets/${published.info.id}/${f.name}  sha256 ${f.sha256}`);
    return 0;
  } finally {
    db.close();
    auditDb.close();
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

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof LedgerBusy) {
      console.error(`Not published: ${err.message}`);
      process.exit(BUSY);
    }
    if (err instanceof PublishRefused || err instanceof UsageError || err instanceof ConfigError || err instanceof BudgetPolicyError) {
      console.error(`Not published: ${err.message}${err instanceof UsageError ? `\n\n${usage}` : ''}`);
      process.exit(2);
    }
    // parseArgs' own errors (an unknown option, a missing value) are usage errors too.
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`Not published: ${(err as Error).message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
