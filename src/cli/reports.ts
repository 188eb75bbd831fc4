import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/log.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { ConsentEngine } from '../consent/engine.js';
import { loadPolicies } from '../consent/policies.js';
import { openSqlite } from '../db/sqlite.js';
import { readPolicyFiles } from '../entry/policy-files.js';
import { defaultCodeLists } from '../labels/index.js';
import { ParticipantRegistry } from '../participants/index.js';
import { reportJobs } from '../reports/jobs.js';
import { runReports } from '../reports/run.js';
import { dueRuns, type Run, type RunKind } from '../reports/schedule.js';

const usage = `usage: npm run reports [-- --at YYYY-MM-DD] [--only <kind>:<period>,...]

Makes the provider reports in DATA_DIR's database, as the gateway's schedule does: attribution
rosters (a draft from the 15th, the final version on the 1st), gaps in care for each final
roster (monthly), and each value-based contract's performance report (quarterly).
  --at     as of this date (default: now): the month's rosters and gaps, the quarter just ended.
  --only   exactly these runs, made again if made before; kinds roster-draft, roster-final
           (period YYYY-MM), care-gaps (YYYY-MM), performance (YYYY-Qn).
Exit 0: every run succeeded. Exit 1: a run failed (its reason is printed; the others still ran).
Exit 2: bad arguments.`;

class UsageError extends Error {}
const KINDS: readonly RunKind[] = ['roster-draft', 'roster-final', 'care-gaps', 'performance'];

function parseOnly(text: string): Run[] {
  return text.split(',').map((item) => {
    const [kind, period] = item.trim().split(':') as [RunKind, string | undefined];
    if (!KINDS.includes(kind)) throw new UsageError(`--only: ${kind} is not one of ${KINDS.join(', ')}`);
    const shape = kind === 'performance' ? /^\d{4}-Q[1-4]$/ : /^\d{4}-(0[1-9]|1[0-2])$/;
    if (!period || !shape.test(period)) throw new UsageError(`--only: ${item} needs a period like ${kind === 'performance' ? '2025-Q4' : '2026-01'}`);
    return { kind, period };
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { at: { type: 'string' }, only: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (values.at !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(values.at) || Number.isNaN(Date.parse(values.at))))
    throw new UsageError('--at must be a date, YYYY-MM-DD');
  const at = values.at ? new Date(`${values.at}T12:00:00Z`) : new Date();
  const only = values.only ? parseOnly(values.only) : undefined;
  const config = loadConfig(process.env);
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  const auditDb = openSqlite(join(config.dataDir, 'audit.db'));
  try {
    const texts = await readPolicyFiles();
    const registry = await ParticipantRegistry.open(db, await loadPolicies(texts), texts.duaModel);
    const clock = () => new Date();
    const deps = {
      db,
      consent: new ConsentEngine(db, registry, clock),
      audit: new AuditLog(auditDb),
      clock,
      newId: () => crypto.randomUUID(),
      codeLists: defaultCodeLists,
      baseUrl: config.baseUrl,
    };
    const runs = only ?? dueRuns(at, new Set());
    console.log(`Making ${runs.map((r) => `${r.kind} ${r.period}`).join(', ')}...`);
    const outcomes = await runReports(db, reportJobs(deps), at, runs);
    for (const o of outcomes) console.log(`  ${o.run.kind} ${o.run.period}: ${o.error ? `FAILED: ${o.error}` : `${o.made} made`}`);
    console.log(`Providers fetch them at ${config.baseUrl}/fhir (README: Reports for accountable providers).`);
    return outcomes.some((o) => o.error) ? 1 : 0;
  } finally {
    db.close();
    auditDb.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(err.message);
      console.error(usage);
      process.exit(2);
    }
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
