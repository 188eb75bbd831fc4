import { createLocalJWKSet } from 'jose';
import { AuditLog } from '../audit/log.js';
import { createTokenVerifier } from '../auth/verify.js';
import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import type { AppDeps } from '../http/env.js';
import { publicJwks, type SigningKey } from '../keys/index.js';
import { defaultCodeLists } from '../labels/index.js';

/** Dependencies for a process on this machine: the real clock, random UUIDs, JSON lines on stderr, local keys. */
export function nodeDeps(db: Database, config: Config, publishedKeys: readonly SigningKey[] = [], auditDb: Database = db): AppDeps {
  const clock = () => new Date();
  return {
    db,
    config,
    clock,
    codeLists: defaultCodeLists,
    newId: () => crypto.randomUUID(),
    log: (event, detail) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...detail })}\n`),
    audit: new AuditLog(auditDb),
    auth: {
      verifier: createTokenVerifier({ issuer: config.issuer, audience: `${config.baseUrl}/fhir`, keys: createLocalJWKSet(publicJwks(publishedKeys)), clock }),
    },
  };
}
