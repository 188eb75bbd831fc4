import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { afterAll, describe, expect, it } from 'vitest';
import { REDIRECT_URI, signIn } from '../../src/cli/login-driver.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { auditTexts } from '../helpers/audit.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { startProcess, type Started } from '../helpers/process.js';

type Entry = { resource: { resourceType: string; id: string } };

async function clinicianToken(gw: { issuer: string; fhir: string }): Promise<string> {
  const config = await oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    aud: gw.fhir,
    scope: 'openid fhirUser user/*.rs',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 's',
  });
  const { callback } = await signIn(url, 'dr.chen', 'consent-gateway-dev');
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's' });
  return tokens.access_token;
}

/**
 * The audit promise: no permitted response leaves before its audit record is durable. The real
 * gateway process is killed with SIGKILL in the middle of a burst of reads; every read the client
 * was answered has its permitted AuditEvent after the kill, and the chain verifies.
 */
describe('the audit trail under kill -9 during a burst of reads', () => {
  let gw: Gateway | undefined;
  let restarted: Started | undefined;
  afterAll(async () => {
    await restarted?.stop();
    await gw?.stop();
  });

  it('has an event for every response the client got, and a chain that verifies', async () => {
    gw = await startGateway({ patients: 30 });
    const token = await clinicianToken(gw);
    const auth = { authorization: `Bearer ${token}` };
    const everything = (await (await fetch(`${gw.fhir}/Patient/clinic-oak-pat-000001/$everything?_count=1000`, { headers: auth })).json()) as {
      entry: Entry[];
    };
    // Distinct resources, so each answer is tied to exactly one event by its query.
    const targets = everything.entry.map((e) => `${e.resource.resourceType}/${e.resource.id}`).slice(0, 400);
    expect(targets.length).toBeGreaterThan(60);

    const answered: string[] = [];
    let next = 0;
    let killed = false;
    const child = gw.process.child;
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const worker = async () => {
      while (!killed && next < targets.length) {
        const target = targets[next++]!;
        try {
          const res = await fetch(`${gw!.fhir}/${target}`, { headers: auth });
          const body = (await res.json()) as { resourceType: string; id: string };
          if (res.status === 200 && `${body.resourceType}/${body.id}` === target) answered.push(target);
          // Mid-burst: enough answers are in and others are in flight.
          if (!killed && answered.length >= 40) {
            killed = true;
            child.kill('SIGKILL');
          }
        } catch {
          // A request cut off by the kill: the client got nothing, so nothing is owed.
        }
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    expect(killed).toBe(true);
    expect(await exited).toBe('SIGKILL');
    expect(answered.length).toBeGreaterThanOrEqual(40);

    const audit = openSqlite(join(gw.dataDir, 'audit.db'));
    let permitted: Set<string>;
    try {
      permitted = new Set(
        auditTexts(audit.sqlite)
          .map((t) => JSON.parse(t) as { subtype: { code: string }[]; outcome: string; entity: { what?: { identifier?: { value?: string } } }[] })
          .filter((e) => e.subtype[0]!.code === 'read' && e.outcome === '0')
          .map((e) => e.entity.at(-1)!.what!.identifier!.value!),
      );
    } finally {
      audit.close();
    }
    expect(answered.filter((t) => !permitted.has(t))).toEqual([]);

    const verify = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/audit-verify.ts'], {
      // The gateway's keys: they signed the trail's anchors.
      env: { ...process.env, DATA_DIR: gw.dataDir, KEYS_DIR: gw.keysDir },
      encoding: 'utf8',
    });
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/intact: \d+ events, last hash \w+; [1-9]\d* anchor\(s\) hold/);

    // The gateway starts again on the same files and serves (and audits) the next read.
    restarted = await startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], {
      env: {
        PORT: '0',
        DATA_DIR: gw.dataDir,
        KEYS_DIR: gw.keysDir,
        FIXTURES_DIR: gw.fixturesDir,
        FIXTURE_PATIENTS: '30',
        FIXTURE_SEED: '7',
        DEMO_FEED_SECONDS: '0',
      },
      ready: /Press Ctrl\+C to stop/,
      timeoutMs: 90_000,
    });
    const fhir = /FHIR base\s+(\S+)/.exec(restarted.output())![1]!;
    // A new port is a new issuer and audience: a token from the restarted gateway.
    const again = await clinicianToken({ fhir, issuer: `${fhir.replace(/\/fhir$/, '')}/oidc` });
    expect((await fetch(`${fhir}/${targets.at(-1)}`, { headers: { authorization: `Bearer ${again}` } })).status).toBe(200);
  }, 180_000);
});
