import { getRequestListener } from '@hono/node-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app.js';
import { createReceiptSigner } from '../../src/consent/receipt.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { join } from 'node:path';
import { openSqlite } from '../../src/db/sqlite.js';
import { suiteDir, testDeps } from './db.js';
import { testIssuer, type TestIssuer } from './tokens.js';

export interface NodeTarget {
  base: string;
  issuer: TestIssuer;
  stop(): Promise<void>;
}

/**
 * The gateway on Node as a deployment runs it, minus its authorization server: the same app on
 * a real SQLite file, its hash-chained audit file and consent engine, served over loopback HTTP,
 * with the outbox deliverer running, and its tokens from a test issuer (as the Worker's are), so
 * one black-box suite can run against it and against the Worker alike.
 */
export async function startNodeTarget(): Promise<NodeTarget> {
  const issuer = await testIssuer();
  // A whole suite's file (tempDb's is closed after each test).
  const dir = suiteDir('cg-parity-');
  const db = openSqlite(join(dir.path, 'gateway.db'));
  const deps = testDeps(db, {
    clock: () => new Date(),
    newId: () => crypto.randomUUID(),
    auth: { verifier: issuer.verifier },
    signer: createReceiptSigner(issuer.privateJwk, 'http://gateway.test'),
    anchorKeys: issuer.jwks as never,
    log: (event, detail) => process.env.PARITY_LOG && console.error(event, detail),
  });
  const notifier = createNotifier({ ...deps, fhirBase: 'http://gateway.test/fhir' }, { holder: 'parity', pollMs: 50 });
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
      dir.remove();
    },
  };
}
