import { userInfo } from 'node:os';
import type { JWK } from 'jose';
import type { Database } from '../db/database.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Zip3Table } from '../deid/index.js';
import type { Operator } from '../release/audit.js';
import { parseBudgetPolicy, type BudgetPolicy } from '../release/budget/policy.js';
import { createManifestSigner } from '../release/files/manifest.js';
import type { PublishDeps } from '../release/publish.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };
import budgetPolicyJson from '../../policies/privacy-budget.json' with { type: 'json' };

/** The committed default budget, checked when first needed: a broken policy file stops the command (BudgetPolicyError), never defaults. */
export const budgetPolicy = (): BudgetPolicy => parseBudgetPolicy(budgetPolicyJson, 'policies/privacy-budget.json');

/** The system user running this process, recorded beside the operator's name. */
export function osUser(): string {
  try {
    return process.env['SUDO_USER'] ?? process.env['USER'] ?? userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** What publishing needs on Node: the store, the gateway signing key, the shipped ZIP3 table and budget policy, and the audit trail. */
export function publishDeps(
  db: Database,
  signingKey: JWK,
  audit: AuditTrail,
  operator: Operator,
  options: { waitMs?: number; clock?: () => Date } = {},
): PublishDeps {
  return {
    db,
    signer: createManifestSigner(signingKey),
    zip3: zip3 as Zip3Table,
    budgetPolicy: budgetPolicy(),
    clock: options.clock ?? (() => new Date()),
    audit,
    operator,
    lock: {
      holder: `${operator.via === 'cli' ? 'npm run publish' : 'npm start'} by ${operator.id}, pid ${process.pid}`,
      ...(options.waitMs !== undefined ? { waitMs: options.waitMs } : {}),
    },
  };
}
