/**
 * npm run worker:dev: the Worker locally (wrangler dev: workerd with D1 and Durable Objects
 * simulated under .wrangler/), with the synthetic region, and the Node gateway beside it as its
 * authorization server (oidc-provider is Node-only; docs/scaling.md).
 *
 * 1. The Node gateway on WORKER_ISSUER_PORT (8081), with its own data under .wrangler/node/ and
 *    the Worker named in TRUSTED_GATEWAYS, so it issues tokens for the Worker and the pages'
 *    sign-in may return there. It generates the region (WORKER_PATIENTS, default 200). Its
 *    signing key goes to .dev.vars (gitignored) as the Worker's GATEWAY_SIGNING_JWK.
 * 2. D1 migrations, then `wrangler dev` on WORKER_PORT (8787).
 * 3. The region sent to the Worker by its sources, once (a marker remembers the seed and size).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSigningKeys } from '../src/entry/keys-on-disk.js';
import { seedWorker } from './worker-seed.js';

const WORKER_PORT = Number(process.env.WORKER_PORT ?? 8787);
const ISSUER_PORT = Number(process.env.WORKER_ISSUER_PORT ?? 8081);
const PATIENTS = process.env.WORKER_PATIENTS ?? '200';
const worker = `http://127.0.0.1:${WORKER_PORT}`;
const home = join('.wrangler', 'node');
// No request.cf lookup: this machine has no way to Cloudflare, and the warning prints a stack trace.
const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_UPDATE_NOTIFIER: '1', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };
const children: ChildProcess[] = [];
const stopAll = () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
};
process.on('SIGINT', () => (stopAll(), process.exit(130)));
process.on('SIGTERM', () => (stopAll(), process.exit(143)));

async function main() {
  mkdirSync(home, { recursive: true });
  const nodeEnv = {
    ...env,
    PORT: String(ISSUER_PORT),
    DATA_DIR: join(home, 'data'),
    KEYS_DIR: join(home, 'keys'),
    FIXTURES_DIR: join(home, 'fixtures'),
    FIXTURE_PATIENTS: PATIENTS,
    DEMO_FEED_SECONDS: '0',
    TRUSTED_GATEWAYS: worker,
  };
  console.log(`Starting the Node gateway (the authorization server) on port ${ISSUER_PORT} with a ${PATIENTS}-patient region…`);
  const issuer = await startNode(nodeEnv);
  // The Worker signs its audit anchors and consent receipts with the gateway's key, the one the
  // issuer publishes, so anyone verifies them against the issuer's JWKS (.dev.vars is gitignored).
  const { signing } = await loadSigningKeys(nodeEnv.KEYS_DIR, new Date(), 3600, { generateIfNone: false });
  writeFileSync('.dev.vars', `GATEWAY_SIGNING_JWK='${JSON.stringify(signing.privateJwk)}'\n`, { mode: 0o600 });

  execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local'], { env: { ...env, CI: 'true' }, stdio: ['ignore', 'ignore', 'inherit'] });
  const vars = { PUBLIC_BASE_URL: worker, OIDC_ISSUER: issuer, OIDC_JWKS_URL: `${issuer}/jwks` };
  const dev = spawn(
    'npx',
    ['wrangler', 'dev', '--ip', '127.0.0.1', '--port', String(WORKER_PORT), ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`])],
    {
      env,
      stdio: ['inherit', 'inherit', 'inherit'],
    },
  );
  children.push(dev);
  dev.once('exit', (code) => (stopAll(), process.exit(code ?? 1)));
  await until(async () => (await fetch(`${worker}/fhir/metadata`)).ok, 120_000);

  const manifest = JSON.parse(readFileSync(join(nodeEnv.FIXTURES_DIR, 'manifest.json'), 'utf8')) as { seed: number; patients: number };
  const marker = join('.wrangler', 'region-seeded.json');
  const wanted = JSON.stringify({ seed: manifest.seed, patients: manifest.patients });
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== wanted) {
    console.log('Sending the region to the Worker, source by source…');
    const started = performance.now();
    const { resources } = await seedWorker({ worker, issuer, keysDir: nodeEnv.KEYS_DIR, fixturesDir: nodeEnv.FIXTURES_DIR });
    writeFileSync(marker, wanted);
    console.log(`Loaded ${resources} resources into the Worker in ${((performance.now() - started) / 1000).toFixed(0)} s.`);
  }
  console.log(`
The Worker is running with the synthetic region.
  FHIR base      ${worker}/fhir
  Portal         ${worker}/portal        (sign in as maria, password consent-gateway-dev)
  Clinician      ${worker}/clinician     (dr.chen)
  Operator       ${worker}/operator      (alex)
  Public         ${worker}/public
  Audit anchors  ${worker}/public/audit-anchors
  Issuer         ${issuer}  (the Node gateway, also serving its own copy at http://127.0.0.1:${ISSUER_PORT})
Press Ctrl+C to stop both.`);
}

/** Starts the Node gateway and resolves with its issuer once it says it is running. */
function startNode(nodeEnv: Record<string, string | undefined>): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], { env: nodeEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      const before = out;
      out += text;
      // Its start-up lines, each once and marked as the Node gateway's.
      if (!before.includes('Press Ctrl+C')) {
        const done = before.lastIndexOf('\n') + 1;
        const lines = out.slice(done).split('\n');
        lines.pop();
        for (const line of lines) process.stdout.write(`  [node] ${line}\n`);
      }
      const base = /FHIR base\s+(\S+)/.exec(out)?.[1];
      if (base && /Press Ctrl\+C to stop/.test(out)) resolve(`${base.replace(/\/fhir$/, '')}/oidc`);
    });
    child.once('exit', (code) => reject(new Error(`the Node gateway exited (${code}) before it was ready`)));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('the Worker did not come up');
    await new Promise((r) => setTimeout(r, 500));
  }
}

main().catch((err: Error) => {
  console.error(`worker:dev stopped: ${err.message}`);
  stopAll();
  process.exit(1);
});
