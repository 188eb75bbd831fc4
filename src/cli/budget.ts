import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AuditLog } from '../audit/log.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { openSqlite } from '../db/sqlite.js';
import { budgetPolicy, osUser } from '../entry/publisher.js';
import { BudgetRefused, setBudget, showBudget, type BudgetView } from '../release/budget/ops.js';
import { BudgetPolicyError } from '../release/budget/policy.js';
import { parseEpsilon } from '../release/budget/rules.js';
import { LedgerBusy } from '../release/lock.js';

const usage = `usage: npm run budget -- <command>      (works on DATA_DIR's database)

  show [--json]
      The lifetime privacy budget bound to the data, what is spent and left, and every change.
  set <epsilon> --reason "<why>" --operator <name> [--wait <seconds>]
      Changes the lifetime budget: audited, recorded in the public ledger with its reason, and
      refused below what is already spent. Nothing else changes it (no setting, no file).

Exit 0: done. Exit 2: refused, nothing changed (the reason is printed). Exit 75: a release is
being published; try again.`;

const BUSY = 75;
const OPERATOR = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

class UsageError extends Error {}

function describe(view: BudgetView): string {
  const lines: string[] = [];
  if (!view.current)
    lines.push(
      `No budget is bound to this database yet. The first release will bind epsilon ${view.policy.epsilon} from ${view.policy.file}.`,
      `Spent: ${view.spent}.`,
    );
  else lines.push(`Lifetime budget: epsilon ${view.current.epsilon}. Spent: ${view.spent}. Remaining: ${view.remaining}.`);
  if (view.history.length > 0) {
    lines.push('', 'Changes (oldest first):');
    for (const h of view.history)
      lines.push(`  ${h.recorded}  ${h.previous ?? '-'} -> ${h.epsilon}  (${h.source}, ${h.operator}; spent ${h.spent})  ${h.reason}`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      operator: { type: 'string' },
      json: { type: 'boolean' },
      wait: { type: 'string', default: '30' },
      help: { type: 'boolean' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    console.log(usage);
    return 0;
  }
  if (command !== 'show' && command !== 'set') throw new UsageError(command ? `unknown command '${command}'` : 'a command is required');
  let change: { epsilon: number; reason: string; operator: string } | undefined;
  if (command === 'set') {
    if (rest.length !== 1) throw new UsageError('set takes one epsilon, e.g. npm run budget -- set 12 --reason "…" --operator alex');
    const epsilon = parseEpsilon(rest[0], 'the lifetime budget');
    if (!epsilon.ok) throw new UsageError(epsilon.message);
    if (!values.reason?.trim()) throw new UsageError('--reason is required: say why the budget changes');
    const operator = values.operator?.trim() ?? '';
    if (!OPERATOR.test(operator)) throw new UsageError('--operator is required: your name or account (letters, digits and . _ @ -)');
    change = { epsilon: epsilon.value, reason: values.reason, operator };
  } else if (rest.length > 0) throw new UsageError('show takes no arguments');
  const wait = Number(values.wait);
  if (!/^\d+(\.\d+)?$/.test(values.wait!) || wait > 600) throw new UsageError('--wait must be a number of seconds from 0 to 600');

  const config = loadConfig(process.env);
  const policy = budgetPolicy();
  await mkdir(config.dataDir, { recursive: true });
  const db = openSqlite(join(config.dataDir, 'gateway.db'));
  const auditDb = openSqlite(join(config.dataDir, 'audit.db'));
  try {
    if (!change) {
      const view = await showBudget(db, policy);
      console.log(values.json ? JSON.stringify(view, null, 2) : describe(view));
      return 0;
    }
    const user = osUser();
    const done = await setBudget(
      {
        db,
        audit: new AuditLog(auditDb),
        clock: () => new Date(),
        operator: { via: 'cli', id: change.operator, osUser: user },
        lock: { holder: `npm run budget by ${change.operator}, pid ${process.pid}`, waitMs: wait * 1000 },
      },
      { epsilon: change.epsilon, reason: change.reason },
    );
    console.log(`Lifetime privacy budget: ${done.previous ?? 'unbound'} -> ${done.epsilon} (spent ${done.spent}). Audited, and in the public ledger.`);
    return 0;
  } finally {
    db.close();
    auditDb.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof LedgerBusy) {
      console.error(`Not changed: ${err.message}`);
      process.exit(BUSY);
    }
    const usageProblem = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    if (usageProblem || err instanceof BudgetRefused || err instanceof ConfigError || err instanceof BudgetPolicyError) {
      console.error(`Not changed: ${(err as Error).message}${usageProblem ? `\n\n${usage}` : ''}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
