import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeAnchorProblem, listAnchors } from '../audit/anchors.js';
import { describeProblem, verifyTrail } from '../audit/verify.js';
import { loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { loadSigningKeys } from '../entry/keys-on-disk.js';
import { publicJwks } from '../keys/index.js';

/**
 * `npm run audit:verify [-- --anchors <file>...]`: walks the whole audit chain, then checks the
 * signed anchors (the trail's own, and copies saved from /public/audit-anchors) against it;
 * exit 1 if any event was changed, removed or reordered, or the trail no longer holds what an
 * anchor signed.
 */
const { values } = parseArgs({ options: { anchors: { type: 'string', multiple: true } } });
const config = loadConfig(process.env);
const db = openSqlite(join(config.dataDir, 'audit.db'));
const saved: string[] = [];
for (const path of values.anchors ?? []) {
  const body = JSON.parse(await readFile(path, 'utf8')) as { anchors?: { jws?: unknown }[] };
  for (const a of body.anchors ?? []) if (typeof a.jws === 'string') saved.push(a.jws);
}
const own = (await listAnchors(db, 1_000_000)).length;
// The keys that signed the anchors: the gateway's published ones (a trail without anchors needs none).
const jwks = own + saved.length > 0 ? publicJwks((await loadSigningKeys(config.keysDir, new Date(), 0)).published) : { keys: [] };
const { checked, problems, last, anchors } = await verifyTrail(db, jwks, saved);
const anchorProblems = anchors.problems;
db.close();
if (problems.length > 0 || anchorProblems.length > 0) {
  console.error(`Audit chain BROKEN: ${problems.length + anchorProblems.length} problem(s) in ${checked} events`);
  for (const p of problems.slice(0, 20)) console.error(`  event ${p.seq}: ${describeProblem(p)}`);
  for (const p of anchorProblems.slice(0, 20))
    console.error(`  anchor ${p.anchor < own ? `${p.anchor + 1} of the trail's own` : `${p.anchor - own + 1} of those saved`}: ${describeAnchorProblem(p)}`);
  process.exit(1);
}
console.log(`Audit chain intact: ${checked} events, last hash ${last.hash}; ${anchors.checked} anchor(s) hold`);
