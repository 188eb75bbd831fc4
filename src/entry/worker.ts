import type { D1Database, ExecutionContext } from '@cloudflare/workers-types';
import type { Hono } from 'hono';
import { createRemoteJWKSet } from 'jose';
import { createApp, type AppEnv } from '../app.js';
import { createTokenVerifier } from '../auth/verify.js';
import { AuditLog } from '../audit/log.js';
import { loadConfig } from '../config/config.js';
import { ConsentEngine } from '../consent/engine.js';
import { loadPolicies, type Policies } from '../consent/policies.js';
import { openD1 } from '../db/d1.js';
import { workerPolicyTexts } from './worker-policies.js';
import { defaultCodeLists } from '../labels/index.js';

/** The Worker's bindings: the D1 database, and settings as plain vars (see wrangler.toml). */
export interface WorkerEnv {
  DB: D1Database;
  [setting: string]: unknown;
}

// One app per D1 binding: bindings come with each request, but an isolate keeps the same ones.
const apps = new WeakMap<D1Database, Hono<AppEnv>>();
let policies: Promise<Policies> | undefined;

async function appFor(env: WorkerEnv): Promise<Hono<AppEnv>> {
  let app = apps.get(env.DB);
  if (!app) {
    policies ??= loadPolicies(workerPolicyTexts);
    const settings = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const config = loadConfig(settings);
    const clock = () => new Date();
    const db = openD1(env.DB);
    app = createApp({
      db,
      // Decisions work here; consent writes need the signing key, which only the Node deployment holds.
      consent: new ConsentEngine(db, await policies, clock),
      audit: new AuditLog(db),
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
