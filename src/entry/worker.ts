import type { ExecutionContext } from '@cloudflare/workers-types';
import type { Hono } from 'hono';
import { createRemoteJWKSet, type JWK } from 'jose';
import { createApp, type AppEnv } from '../app.js';
import { createTokenVerifier } from '../auth/verify.js';
import { loadConfig } from '../config/config.js';
import { ConsentEngine } from '../consent/engine.js';
import { loadPolicies, type Policies } from '../consent/policies.js';
import { createReceiptSigner } from '../consent/receipt.js';
import { openD1 } from '../db/d1.js';
import { workerPolicyTexts } from './worker-policies.js';
import { defaultCodeLists } from '../labels/index.js';
import { ObjectAuditTrail, objectConsentVersions } from './worker/audit-trail.js';
import { msSetting, type WorkerEnv } from './worker/objects.js';

export { PatientObject } from './worker/patient-object.js';
export { AnchorObject } from './worker/anchor-object.js';
export type { WorkerEnv } from './worker/objects.js';

// One app per D1 binding: bindings come with each request, but an isolate keeps the same ones.
const apps = new WeakMap<object, Hono<AppEnv>>();
let policies: Promise<Policies> | undefined;

/** The gateway's signing key (a Worker secret, GATEWAY_SIGNING_JWK): it signs consent receipts and, in the anchor object, the audit anchors. */
function signingKey(env: WorkerEnv): JWK | undefined {
  return typeof env.GATEWAY_SIGNING_JWK === 'string' ? (JSON.parse(env.GATEWAY_SIGNING_JWK) as JWK) : undefined;
}

async function appFor(env: WorkerEnv): Promise<Hono<AppEnv>> {
  let app = apps.get(env.DB);
  if (!app) {
    policies ??= loadPolicies(workerPolicyTexts);
    const settings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const config = loadConfig(settings);
    const clock = () => new Date();
    const db = openD1(env.DB);
    const key = signingKey(env);
    const { d: _private, ...publicKey } = key ?? {};
    app = createApp({
      db,
      // Her consent version lives in her object: asked once per request, so a write through any
      // isolate is seen by the next request through this one. Other changes (ingest) are looked
      // for in D1 at most every CONSENT_SWEEP_MS.
      consent: new ConsentEngine(db, await policies, clock, { versions: objectConsentVersions(env), sweepMs: msSetting(env, 'CONSENT_SWEEP_MS', 1_000) }),
      audit: new ObjectAuditTrail(env),
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
    });
    apps.set(env.DB, app);
  }
  return app;
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    return (await appFor(env)).fetch(request, env, ctx);
  },
};
