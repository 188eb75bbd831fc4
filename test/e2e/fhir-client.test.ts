import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'fhir-kit-client';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIRECT_URI, signIn } from '../../src/cli/login-driver.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';

type BundleJson = { total: number; entry?: { resource: { resourceType: string; id: string } }[]; link?: { relation: string; url: string }[] };

/** A real FHIR client, as a fixture clinician, against a running gateway on the synthetic region. */
describe('fhir-kit-client as Dr Chen', () => {
  let gw: Gateway;
  let client: Client;
  beforeAll(async () => {
    gw = await startGateway({ patients: 40 });
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
    client = new Client({ baseUrl: gw.fhir, bearerToken: tokens.access_token });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it("reads Maria's record, searches her observations and pages through them", async () => {
    const patient = (await client.read({ resourceType: 'Patient', id: 'clinic-oak-pat-000001' })) as unknown as { id: string };
    expect(patient.id).toBe('clinic-oak-pat-000001');
    const first = (await client.search({
      resourceType: 'Observation',
      searchParams: { patient: 'clinic-oak-pat-000001', _count: '5' },
    })) as unknown as BundleJson;
    expect(first.total).toBeGreaterThan(5);
    expect(first.entry).toHaveLength(5);
    const second = (await client.nextPage({ bundle: first as never })) as unknown as BundleJson;
    expect(second.entry!.length).toBeGreaterThan(0);
    const firstIds = new Set(first.entry!.map((e) => e.resource.id));
    expect(second.entry!.every((e) => !firstIds.has(e.resource.id))).toBe(true);
    const everything = (await client.operation({
      name: 'everything',
      resourceType: 'Patient',
      id: 'clinic-oak-pat-000001',
      method: 'GET',
      input: { _count: '200' },
    })) as unknown as BundleJson;
    const types = new Set(everything.entry!.map((e) => e.resource.resourceType));
    expect([...types]).toEqual(expect.arrayContaining(['Patient', 'Encounter', 'Condition', 'Observation']));
    // Maria's opioid use disorder is 42 CFR Part 2: never in a clinician's view without her naming them.
    const conditions = (await client.search({
      resourceType: 'Condition',
      searchParams: { patient: 'clinic-oak-pat-000001', code: 'F11.20' },
    })) as unknown as BundleJson;
    expect(conditions.total).toBe(0);
  });

  it('leaves a tamper-evident audit trail that audit:verify checks', async () => {
    // The gateway's keys: they signed the trail's anchors.
    const env = { ...process.env, DATA_DIR: gw.dataDir, KEYS_DIR: gw.keysDir };
    const ok = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/audit-verify.ts'], { env, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/intact: \d+ events/);
    const db = new Database(join(gw.dataDir, 'audit.db'));
    // An access's outcome is a column of its compact row: permitted made to look refused.
    const seq = db.prepare("select min(seq) from audit_events where kind = 'access' and outcome = 'permit'").pluck().get() as number;
    db.prepare("update audit_events set outcome = 'not-found' where seq = ?").run(seq);
    db.close();
    const broken = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/audit-verify.ts'], { env, encoding: 'utf8' });
    expect(broken.status).toBe(1);
    expect(broken.stderr).toContain(`event ${seq}: content does not match its hash`);
  });
});
