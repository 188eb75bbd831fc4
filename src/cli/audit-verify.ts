import { join } from 'node:path';
import { describeProblem, verifyWholeChain } from '../audit/verify.js';
import { loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';

/** `npm run audit:verify`: walks the whole audit chain; exit 1 if any event was changed, removed or reordered. */
const config = loadConfig(process.env);
const db = openSqlite(join(config.dataDir, 'audit.db'));
const { checked, problems, last } = await verifyWholeChain(db);
db.close();
if (problems.length > 0) {
  console.error(`Audit chain BROKEN: ${problems.length} problem(s) in ${checked} events`);
  for (const p of problems.slice(0, 20)) console.error(`  event ${p.seq}: ${describeProblem(p)}`);
  process.exit(1);
}
console.log(`Audit chain intact: ${checked} events, last hash ${last.hash}`);
