import { exportJWK, generateKeyPair } from 'jose';
import { AuditLog } from '../../src/audit/log.js';
import type { Database } from '../../src/db/database.js';
import type { Zip3Table } from '../../src/deid/index.js';
import { createManifestSigner } from '../../src/release/files/manifest.js';
import type { PublishDeps } from '../../src/release/publish.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };

/** A test signing key, made once per test file. */
export const signingKey = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'gw-1' };

/**
 * What publishing needs, for a test: a fixed clock, a policy budget of `budget` (bound by the
 * first release), the audit trail in the same database unless one is given.
 */
export function publisherDeps(db: Database, overrides: Partial<PublishDeps> & { budget?: number } = {}): PublishDeps {
  const { budget = 10, ...rest } = overrides;
  return {
    db,
    signer: createManifestSigner(signingKey),
    zip3: zip3 as Zip3Table,
    budgetPolicy: { epsilon: budget, file: 'policies/privacy-budget.json', reason: 'Test policy.' },
    clock: () => new Date('2026-06-01T00:00:00Z'),
    audit: new AuditLog(db),
    operator: { via: 'cli', id: 'test-operator' },
    ...rest,
  };
}
