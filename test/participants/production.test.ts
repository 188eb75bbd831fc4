import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSigningKey } from '../../src/entry/keys-on-disk.js';
import { suiteDir } from '../helpers/db.js';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { clientKeys } from './helpers.js';
import { auditTexts } from '../helpers/audit.js';

/**
 * A production-mode gateway process and the operator's CLI against its data directory: no
 * fixture participant is accepted, a client registered while it runs gets a token at once, and
 * suspending it refuses the token it already holds. Real HTTP, real oidc-provider, private_key_jwt.
 */
describe('participants in production, changed while the gateway runs', () => {
  let gw: Gateway;
  const keys = suiteDir('cg-keys-');
  beforeAll(async () => {
    // Production makes no signing key by itself: the operator's first `npm run keys:rotate`.
    await addSigningKey(keys.path, new Date());
    gw = await startGateway({ env: { GATEWAY_ENV: 'production', KEYS_DIR: keys.path } });
  });
  afterAll(async () => {
    await gw?.stop();
    keys.remove();
  });

  const cli = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/participants.ts', ...args], {
        env: { ...process.env, DATA_DIR: gw.dataDir, USER: 'test-operator' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });

  const backend = async (clientId: string, privateKey: CryptoKey, kid: string) =>
    oidc.discovery(new URL(gw.issuer), clientId, {}, oidc.PrivateKeyJwt(privateKey, { [oidc.modifyAssertion]: (header) => void (header.kid = kid) }), {
      execute: [oidc.allowInsecureRequests],
    });

  it('starts with no participants and says how to add the first', () => {
    expect(gw.process.output()).toMatch(/No participants are registered yet/);
    expect(gw.process.output()).toMatch(/npm run participants -- add-org --reference Organization\/\S+ --name .* --kind /);
  });

  it('accepts no fixture client: no dev keys are made, and a token request as hosp-mercy is refused', async () => {
    expect(existsSync(join(gw.keysDir, 'clients', 'hosp-mercy.private.json'))).toBe(false);
    const keys = await clientKeys();
    const config = await backend('hosp-mercy', keys.privateKey, keys.privateJwk.kid!);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' })).rejects.toMatchObject({ error: 'invalid_client' });
  });

  it('registers a client at run time, which then gets a token and writes; suspending it refuses its next request, with the token it holds', async () => {
    const keys = await clientKeys();
    const jwksFile = join(gw.dir, 'acme.jwks.json');
    writeFileSync(jwksFile, JSON.stringify(keys.publicJwks));
    const csv = join(gw.dir, 'acme-dua.csv');
    writeFileSync(
      csv,
      'p, dua-acme, Organization/acme-org, TREAT, *, *, any, 2020-01-01, , active\np, dua-acme, Organization/acme-org, HOPERAT, *, normal, any, 2020-01-01, , active\n',
    );

    for (const args of [
      ['add-org', '--reference', 'Organization/acme-org', '--name', 'Acme Hospital', '--kind', 'provider'],
      ['add-dua', '--csv', csv],
      [
        'add-client',
        '--client-id',
        'acme-ehr',
        '--name',
        'Acme EHR',
        '--kind',
        'source',
        '--organization',
        'Organization/acme-org',
        '--source-uri',
        'https://acme.example.org/fhir',
        '--scope',
        'system/*.cu system/*.rs',
        '--purposes',
        'TREAT HOPERAT',
        '--dua',
        'dua-acme',
        '--jwks',
        jwksFile,
      ],
    ]) {
      const run = await cli(...args);
      expect(run.code, run.err).toBe(0);
    }
    // A bad change says why and changes nothing.
    const duplicate = await cli(
      'add-client',
      '--client-id',
      'acme-ehr',
      '--name',
      'x',
      '--kind',
      'source',
      '--organization',
      'Organization/acme-org',
      '--scope',
      'system/*.cu',
      '--purposes',
      'TREAT',
      '--jwks',
      jwksFile,
    );
    expect(duplicate.code).toBe(1);
    expect(duplicate.err).toMatch(/nothing changed.*already registered/s);

    const config = await backend('acme-ehr', keys.privateKey, keys.privateJwk.kid!);
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({
      client_id: 'acme-ehr',
      organization: 'Organization/acme-org',
      dua: 'dua-acme',
      source: 'https://acme.example.org/fhir',
      purpose_of_use: ['TREAT', 'HOPERAT'],
    });
    const auth = { authorization: `Bearer ${tokens.access_token}` };
    const put = await fetch(`${gw.fhir}/Patient/acme-pat-1`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'acme-pat-1', name: [{ family: 'Test' }] }),
    });
    expect(put.status).toBe(201);
    expect((await fetch(`${gw.base}/auth/me`, { headers: auth })).status).toBe(200);

    expect((await cli('suspend', '--client', 'acme-ehr')).code).toBe(0);
    const refused = await fetch(`${gw.base}/auth/me`, { headers: auth });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await refused.json()).resourceType).toBe('OperationOutcome');
    await expect(oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' })).rejects.toMatchObject({ error: 'invalid_client' });

    expect((await cli('resume', '--client', 'acme-ehr')).code).toBe(0);
    expect((await fetch(`${gw.base}/auth/me`, { headers: auth })).status).toBe(200);
    const listed = await cli('list');
    expect(listed.out).toMatch(/acme-ehr.*active/);

    // The audit trail names who changed what, each change once.
    const audit = new BetterSqlite3(join(gw.dataDir, 'audit.db'), { readonly: true });
    try {
      const events = auditTexts(audit)
        .map((text) => JSON.parse(text))
        .filter((e) => e.subtype?.some((s: { code: string }) => s.code === 'participants'));
      expect(events.map((e) => [e.subtype.at(-1).code, e.outcome])).toEqual([
        ['add-organization', '0'],
        ['add-dua-version', '0'],
        ['add-client', '0'],
        ['add-client', '4'],
        ['suspend', '0'],
        ['resume', '0'],
      ]);
      expect(events[0].agent[0].who.identifier.value).toBe('cli:test-operator');
    } finally {
      audit.close();
    }
  });
});
