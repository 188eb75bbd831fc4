import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Asset } from '../web/assets/index.js';
import { createLocalJWKSet } from 'jose';
import { AuditLog } from '../audit/log.js';
import { createTokenVerifier } from '../auth/verify.js';
import type { Config } from '../config/config.js';
import type { ConsentEngine } from '../consent/engine.js';
import type { Database } from '../db/database.js';
import type { AppDeps } from '../app-env.js';
import { publicJwks, type SigningKey } from '../keys/index.js';
import { defaultCodeLists } from '../labels/index.js';

/** Dependencies for a process on this machine: the real clock, random UUIDs, JSON lines on stderr, local keys. */
export function nodeDeps(db: Database, config: Config, consent: ConsentEngine, publishedKeys: readonly SigningKey[] = [], auditDb: Database = db): AppDeps {
  const clock = () => new Date();
  return {
    db,
    config,
    consent,
    clock,
    codeLists: defaultCodeLists,
    newId: () => crypto.randomUUID(),
    log: (event, detail) => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), event, ...detail })}\n`),
    audit: new AuditLog(auditDb),
    webAssets: chartJs(),
    auth: {
      verifier: createTokenVerifier({ issuer: config.issuer, audience: `${config.baseUrl}/fhir`, keys: createLocalJWKSet(publicJwks(publishedKeys)), clock }),
    },
  };
}

/** Chart.js, read from its installed package so the pages load it from our own origin, never a CDN. */
function chartJs(): Record<string, Asset> {
  const file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  return { 'chart.umd.min.js': { type: 'text/javascript; charset=utf-8', body: readFileSync(file, 'utf8') } };
}
