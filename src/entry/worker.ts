import type { ExecutionContext, MessageBatch, ScheduledController } from '@cloudflare/workers-types';
import type { Hono } from 'hono';
import { createRemoteJWKSet, type JWK } from 'jose';
import { createApp, type AppDeps, type AppEnv } from '../app.js';
import { createTokenVerifier } from '../auth/verify.js';
import { loadConfig } from '../config/config.js';
import { ConsentEngine } from '../consent/engine.js';
import { loadPolicies, type Policies } from '../consent/policies.js';
import { createReceiptSigner } from '../consent/receipt.js';
import { openD1 } from '../db/d1.js';
import { workerPolicyTexts } from './worker-policies.js';
import { defaultCodeLists } from '../labels/index.js';
import { chainOf, ObjectAuditTrail, objectConsentVersions } from './worker/audit-trail.js';
import { AUDIT_QUEUE, msSetting, type WorkerEnv } from './worker/objects.js';
import { consumeNotifications, sweepNotifications, type ConsumerDeps } from './worker/notify-queue.js';
import { consumeAuditRows } from './worker/audit-queue.js';
import { ParticipantRegistry } from '../participants/index.js';
import { storageReading } from '../operations/storage.js';
import { r2Blobs } from './worker/r2-blobs.js';

/** A D1 database's size cap (Cloudflare's documented limit; it cannot be raised). */
const D1_LIMIT_BYTES = 10_000_000_000;

export { PatientObject } from './worker/patient-object.js';
export { AnchorObject } from './worker/anchor-object.js';
export type { WorkerEnv } from './worker/objects.js';

// One set of deps, and one app, per D1 binding: bindings come with each request, but an isolate keeps the same ones.
interface Built {
  deps: AppDeps & ConsumerDeps;
  app: Hono<AppEnv>;
  trail: ObjectAuditTrail;
}
const built = new WeakMap<object, Built>();
let policies: Promise<Policies> | undefined;

/** The gateway's signing key (a Worker secret, GATEWAY_SIGNING_JWK): it signs consent receipts and, in the anchor object, the audit anchors. */
function signingKey(env: WorkerEnv): JWK | undefined {
  return typeof env.GATEWAY_SIGNING_JWK === 'string' ? (JSON.parse(env.GATEWAY_SIGNING_JWK) as JWK) : undefined;
}

async function builtFor(env: WorkerEnv): Promise<Built> {
  let found = built.get(env.DB);
  if (!found) {
    policies ??= loadPolicies(workerPolicyTexts);
    const settings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const config = loadConfig(settings);
    const clock = () => new Date();
    const db = openD1(env.DB);
    const key = signingKey(env);
    const { d: _private, ...publicKey } = key ?? {};
    const trail = new ObjectAuditTrail(env);
    // Backend clients and agreements from this deployment's own D1, as on Node: a client the
    // Worker's operator never registered, or suspended, is refused whatever the issuer signed,
    // and its DUAs are the registered versions, not the development file. A client's status is
    // read on each of its requests; agreements are looked for with the consent sweep.
    const participants = await ParticipantRegistry.open(db, await policies, workerPolicyTexts.duaModel);
    const deps: AppDeps & ConsumerDeps = {
      db,
      participants,
      // D1's cap: 10 GB a database, not raisable (a lower one may be set to rehearse the alert).
      storageLimitBytes: msSetting(env, 'D1_LIMIT_BYTES', D1_LIMIT_BYTES),
      ...(env.BLOBS ? { blobs: r2Blobs(env.BLOBS) } : {}),
      // Her consent version lives in her object: asked once per request, so a write through any
      // isolate is seen by the next request through this one. Other changes (ingest) are looked
      // for in D1 at most every CONSENT_SWEEP_MS.
      consent: new ConsentEngine(db, participants, clock, { versions: objectConsentVersions(env), sweepMs: msSetting(env, 'CONSENT_SWEEP_MS', 1_000) }),
      audit: trail,
      ...(key ? { signer: createReceiptSigner(key, config.baseUrl), anchorKeys: { keys: [publicKey as JWK] } } : {}),
      config,
      clock,
      // The issuer runs elsewhere (a Node deployment); its JWKS is fetched and cached by jose.
      auth: {
        verifier: createTokenVerifier({ issuer: config.issuer, audience: `${config.baseUrl}/fhir`, keys: createRemoteJWKSet(new URL(config.jwksUrl)), clock }),
      },
      codeLists: defaultCodeLists,
      newId: () => crypto.randomUUID(),
      log: (event, detail) => console.error(JSON.stringify({ event, ...detail })),
      fhirBase: `${config.baseUrl}/fhir`,
      // The response waits for the send: once it leaves, the message is durable in the queue.
      // Without the binding (or if the send fails) the cron's sweep still finds the events.
      onCommitted: async (events) => {
        if (events.length > 0) await env.NOTIFY?.send({ events: [...events] }, { contentType: 'json' });
      },
    };
    found = { deps, app: createApp(deps), trail };
    built.set(env.DB, found);
  }
  return found;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    return (await builtFor(env)).app.fetch(request, env, ctx);
  },
  /** The two queues' consumers (wrangler.toml), told apart by the queue's name. */
  async queue(batch: MessageBatch<unknown>, env: WorkerEnv): Promise<void> {
    const { deps, trail } = await builtFor(env);
    if (batch.queue === AUDIT_QUEUE) {
      await consumeAuditRows(batch, chainOf, (chain, rows) => trail.appendTo(chain, rows), deps.log);
    } else await consumeNotifications(deps, env.NOTIFY, batch);
  },
  /** Every minute: heartbeats, and events whose message was never sent. */
  async scheduled(_controller: ScheduledController, env: WorkerEnv): Promise<void> {
    const { deps } = await builtFor(env);
    await sweepNotifications(deps, env.NOTIFY);
    // Every minute past 80 % of D1's cap, one line an alert rule on the Worker's logs can fire on.
    const reading = storageReading('d1', await deps.db.sizeBytes?.(), deps.storageLimitBytes);
    if (reading.alert) deps.log('storage-near-limit', { ...reading });
  },
};
