import { getRequestListener } from '@hono/node-server';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JSONWebKeySet } from 'jose';
import { createApp, type AppDeps } from '../../src/app.js';
import { AuditLog } from '../../src/audit/log.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { loadPolicies } from '../../src/consent/policies.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { testIssuer, type TestIssuer } from './tokens.js';

export interface NodeTarget {
  base: string;
  issuer: TestIssuer;
  stop(): Promise<void>;
}

/**
 * The gateway on Node as a deployment runs it, minus its authorization server: the same app on
 * a real SQLite file, its hash-chained audit trail and consent engine, served over loopback
 * HTTP, with the outbox deliverer running, and its tokens from a test issuer (as the Worker's
 * are), so one black-box suite or benchmark can run against it and against the Worker alike.
 * No vitest import: the benchmarks use it too.
 */
export async function startNodeTarget(): Promise<NodeTarget> {
  const issuer = await testIssuer();
  const dir = mkdtempSync(join(tmpdir(), 'cg-node-target-'));
  const db = openSqlite(join(dir, 'gateway.db'));
  const clock = () => new Date();
  const deps: AppDeps = {
    db,
    // Development mode: a subscriber's endpoint on loopback is allowed, as on the Worker under test.
    config: { baseUrl: 'http://gateway.test', maxBodyBytes: 1024 * 1024, issuer: 'http://gateway.test/oidc', mode: 'development' },
    auth: { verifier: issuer.verifier },
    consent: new ConsentEngine(db, await loadPolicies(await readPolicyFiles()), clock),
    audit: new AuditLog(db),
    signer: createReceiptSigner(issuer.privateJwk, 'http://gateway.test'),
    anchorKeys: issuer.jwks as JSONWebKeySet,
    clock,
    codeLists: defaultCodeLists,
    newId: () => crypto.randomUUID(),
    log: (event, detail) => void (process.env.NODE_TARGET_LOG && console.error(event, detail)),
  };
  const notifier = createNotifier({ ...deps, fhirBase: 'http://gateway.test/fhir' }, { holder: 'node target', pollMs: 50 });
  notifier.start();
  const app = createApp({ ...deps, onCommitted: () => notifier.wake() });
  const server = createServer(getRequestListener(app.fetch));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    issuer,
    stop: async () => {
      await notifier.stop();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
