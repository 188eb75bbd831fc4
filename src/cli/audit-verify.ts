import { asc, gt } from 'drizzle-orm';
import { join } from 'node:path';
import { GENESIS, verifyChain } from '../audit/chain.js';
import { loadConfig } from '../config/config.js';
import { auditEvents } from '../db/schema.js';
import { openSqlite } from '../db/sqlite.js';

/** `npm run audit:verify`: walks the whole audit chain; exit 1 if any event was changed, removed or reordered. */
const config = loadConfig(process.env);
const db = openSqlite(join(config.dataDir, 'audit.db'));
let start = { seq: 0, hash: GENESIS };
let checked = 0;
const problems: { seq: number; problem: string }[] = [];
for (;;) {
  const rows = await db.orm.select().from(auditEvents).where(gt(auditEvents.seq, start.seq)).orderBy(asc(auditEvents.seq)).limit(10_000);
  if (rows.length === 0) break;
  const result = await verifyChain(rows, start);
  checked += result.checked;
  problems.push(...result.problems);
  start = result.last;
}
db.close();
if (problems.length > 0) {
  console.error(`Audit chain BROKEN: ${problems.length} problem(s) in ${checked} events`);
  for (const p of problems.slice(0, 20))
    console.error(
      `  event ${p.seq}: ${p.problem === 'gap' ? 'events missing before it' : p.problem === 'prev-hash' ? 'does not link to the event before it' : 'content does not match its hash'}`,
    );
  process.exit(1);
}
console.log(`Audit chain intact: ${checked} events, last hash ${start.hash}`);
