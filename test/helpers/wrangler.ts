import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Log, LogLevel, Miniflare, type WorkerOptions } from 'miniflare';
import { Agent, fetch as undiciFetch } from 'undici';
import { ISSUER, OPERATOR_CLAIMS, testIssuer, type TestIssuer } from './tokens.js';
import { developmentSeed } from '../../src/participants/index.js';
import { operatorApi, regionParticipants, testSourceParticipant } from './worker-participants.js';

export interface LocalWorkers {
  /** The Worker as wrangler builds it from wrangler.toml. */
  primary: string;
  /** A second Worker (its own isolate, its own caches) bound to the primary's Durable Objects and the same D1. */
  replica?: string;
  /** Where the objects' SQLite files are: `<doDir>/<name>-<Class>/<id>.sqlite`. */
  doDir: string;
  name: string;
  issuer: TestIssuer;
  /**
   * fetch for these workers, a connection per request: workerd's local server resets kept-alive
   * connections under load (the client's next request on one fails with ECONNRESET).
   */
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  /** The SQLite file of the object holding `chain` (found by the name it keeps), where an attacker with storage access would edit. */
  objectFile(chain: string): string;
  /** The anchor object's SQLite file. */
  anchorFile(): string;
  /**
   * Hands the primary's queue consumer one batch of messages, exactly these, in this order: how a
   * test plays Cloudflare's at-least-once, unordered delivery (duplicates, reordering), which the
   * local queue does not do by itself. Returns what the consumer acked and asked to retry.
   */
  queueBatch(queue: string, bodies: unknown[]): Promise<{ outcome: string; ackAll: boolean; explicitAcks: string[]; retried: boolean }>;
  /** Sends a message through the local queue a binding names, as the app would. */
  send(binding: string, body: unknown): Promise<void>;
  /** Runs the primary's cron handler once. */
  scheduled(): Promise<string>;
  /** What the workers printed (errors the app reports go here, never to a client). */
  logs(): string;
  /** Stops the runtime, runs `meanwhile` (an attacker at the storage, say), and starts it again over the same files. */
  restart(meanwhile?: () => void): Promise<void>;
  stop(): Promise<void>;
}

const ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_UPDATE_NOTIFIER: '1' };
const ROOT = resolve(import.meta.dirname, '../..');
const D1_ID = '00000000-0000-0000-0000-000000000000';
/** wrangler.toml's notification queue. */
export const NOTIFY_QUEUE = 'consent-gateway-notify';
export const AUDIT_QUEUE = 'consent-gateway-audit';

/**
 * The Worker under workerd, with D1 and Durable Objects simulated locally by miniflare (what
 * `wrangler dev` runs), bundled by wrangler from wrangler.toml. Two workers run in one runtime,
 * each in its own isolate, over one D1 and one set of objects: two Cloudflare locations. (Two
 * `wrangler dev` processes cannot share a local D1 file: each one's SQLite locks the other out.)
 *
 * The issuer (an authorization server on Node in a deployment) is stood in for by a test key,
 * whose JWKS a loopback server publishes and the Worker fetches for real; the same key is the
 * Worker's signing key, so its anchors verify against that JWKS.
 */
export async function startWorkers(
  options: { replica?: boolean; vars?: Record<string, string>; port?: number; participants?: boolean } = {},
): Promise<LocalWorkers> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-worker-'));
  const bundle = join(dir, 'bundle');
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', bundle], { env: ENV, stdio: 'pipe', cwd: ROOT });
  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', dir], { env: ENV, stdio: 'pipe', cwd: ROOT });
  const issuer = await testIssuer();
  const jwksServer: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  const name = 'consent-gateway';
  const bindings = {
    PUBLIC_BASE_URL: 'http://gateway.test',
    OIDC_ISSUER: ISSUER,
    OIDC_JWKS_URL: jwksUrl,
    GATEWAY_SIGNING_JWK: JSON.stringify(issuer.privateJwk),
    ...options.vars,
  };
  const worker = (workerName: string, objectsOf?: string, port = 0): WorkerOptions => ({
    name: workerName,
    modules: true,
    scriptPath: join(bundle, 'worker.js'),
    modulesRoot: bundle,
    modulesRules: [{ type: 'Text', include: ['**/*.conf', '**/*.csv'] }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings,
    d1Databases: { DB: D1_ID },
    r2Buckets: { BLOBS: 'consent-gateway-blobs' },
    durableObjects: {
      PATIENT: { className: 'PatientObject', useSQLite: true, ...(objectsOf ? { scriptName: objectsOf } : {}) },
      ANCHOR: { className: 'AnchorObject', useSQLite: true, ...(objectsOf ? { scriptName: objectsOf } : {}) },
    },
    queueProducers: { NOTIFY: { queueName: NOTIFY_QUEUE }, AUDIT: { queueName: AUDIT_QUEUE } },
    // One consumer per queue, as on Cloudflare: the primary.
    ...(objectsOf
      ? {}
      : {
          queueConsumers: {
            // As wrangler.toml: notifications wait for no batch to fill, audit rows a second.
            [NOTIFY_QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 0, maxRetries: 10, retryDelay: 1 },
            [AUDIT_QUEUE]: { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10, retryDelay: 1 },
          },
        }),
    unsafeDirectSockets: [{ host: '127.0.0.1', port }],
  });
  const agent = new Agent({ pipelining: 0, connections: 64 });
  let out = '';
  const start = () =>
    new Miniflare({
      workers: [worker(name, undefined, options.port), ...(options.replica ? [worker(`${name}-replica`, name)] : [])],
      log: new Log(process.env.WORKER_DEBUG ? LogLevel.DEBUG : LogLevel.ERROR),
      d1Persist: join(dir, 'v3', 'd1'),
      durableObjectsPersist: join(dir, 'v3', 'do'),
      r2Persist: join(dir, 'v3', 'r2'),
      handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
        stdout.on('data', (c: Buffer) => (out += c.toString()));
        stderr.on('data', (c: Buffer) => (out += c.toString()));
      },
    });
  let mf = start();
  const urls = async () => {
    try {
      return {
        primary: (await mf.unsafeGetDirectURL(name)).origin,
        ...(options.replica ? { replica: (await mf.unsafeGetDirectURL(`${name}-replica`)).origin } : {}),
      };
    } catch (err) {
      throw new Error(`workerd did not start: ${(err as Error).message}\n${out}`);
    }
  };
  const handle: LocalWorkers = {
    ...(await urls()),
    doDir: join(dir, 'v3', 'do'),
    name,
    issuer,
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }) as unknown as Promise<Response>,
    logs: () => out,
    queueBatch: async (queue, bodies) => {
      const worker = await mf.getWorker(name);
      const messages = bodies.map((body, i) => ({ id: `m-${Date.now()}-${i}`, timestamp: new Date(), attempts: 1, body }));
      const result = await worker.queue(queue, messages);
      return {
        outcome: result.outcome,
        ackAll: result.ackAll,
        explicitAcks: result.explicitAcks,
        retried: result.retryBatch.retry || result.retryMessages.length > 0,
      };
    },
    send: async (binding, body) => {
      await (await mf.getQueueProducer(binding, name)).send(body);
    },
    scheduled: async () => (await (await mf.getWorker(name)).scheduled({ cron: '* * * * *' })).outcome,
    objectFile: (chain) => {
      const objects = join(dir, 'v3', 'do', `${name}-PatientObject`);
      for (const f of readdirSync(objects).filter((f) => f.endsWith('.sqlite'))) {
        const db = new Database(join(objects, f));
        try {
          const hasMeta = db.prepare("SELECT name FROM sqlite_master WHERE name = 'chain_meta'").get() !== undefined;
          const row = hasMeta ? (db.prepare('SELECT name FROM chain_meta').get() as { name: string } | undefined) : undefined;
          if (row?.name === chain) return join(objects, f);
        } finally {
          db.close();
        }
      }
      throw new Error(`no object file for ${chain}`);
    },
    anchorFile: () => {
      const objects = join(dir, 'v3', 'do', `${name}-AnchorObject`);
      const file = readdirSync(objects).find((f) => f.endsWith('.sqlite'));
      if (!file) throw new Error('no anchor object file');
      return join(objects, file);
    },
    restart: async (meanwhile) => {
      await mf.dispose();
      meanwhile?.();
      mf = start();
      Object.assign(handle, await urls());
    },
    stop: async () => {
      await mf.dispose();
      await agent.close();
      jwksServer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The Worker accepts only backend clients registered in its own D1: the region's, and the
  // test source every Worker test writes as, through the operator API with the test issuer's
  // token. Not where another issuer (or a broken key set) stands in: those tests register
  // through their own issuer, if at all. participants: false leaves the registry empty.
  const ownIssuer = !options.vars?.OIDC_ISSUER && !options.vars?.OIDC_JWKS_URL;
  if (options.participants ?? ownIssuer) {
    const operator = await issuer.mint(OPERATOR_CLAIMS, 3600);
    await developmentSeed(operatorApi(handle.primary, operator, handle.fetch), await regionParticipants(undefined, await testSourceParticipant()));
  }
  return handle;
}
