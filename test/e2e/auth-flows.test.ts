import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as FhirClient } from 'fhir-kit-client';
import { decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { tempDir } from '../helpers/db.js';
import { addSigningKey } from '../../src/entry/keys-on-disk.js';
import { REDIRECT_URI, signIn } from '../../src/cli/login-driver.js';

const PASSWORD = 'consent-gateway-dev';

describe('SMART on FHIR flows against a running gateway, driven by openid-client', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const publicApp = () =>
    oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });

  async function backendClient(clientId: string, keyOf = clientId) {
    const jwk = JSON.parse(readFileSync(join(gw.keysDir, 'clients', `${keyOf}.private.json`), 'utf8')) as JWK;
    const key = await importJWK(jwk, 'ES256');
    return oidc.discovery(
      new URL(gw.issuer),
      clientId,
      {},
      oidc.PrivateKeyJwt(key as CryptoKey, { [oidc.modifyAssertion]: (header) => void (header.kid = jwk.kid) }),
      { execute: [oidc.allowInsecureRequests] },
    );
  }

  async function codeFlow(username: string, scope: string, tokenParams: Record<string, string> = {}) {
    const config = await publicApp();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      aud: gw.fhir,
      scope,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
    });
    const { callback, consentHtml } = await signIn(url, username, PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 'xyz' }, tokenParams);
    return { tokens, consentHtml, claims: decodeJwt(tokens.access_token) };
  }

  it('publishes SMART and OpenID discovery that agree on the endpoints', async () => {
    const smart = await (await fetch(`${gw.fhir}/.well-known/smart-configuration`)).json();
    const openid = await (await fetch(`${gw.issuer}/.well-known/openid-configuration`)).json();
    expect(smart.code_challenge_methods_supported).toEqual(['S256']);
    expect(smart.token_endpoint).toBe(openid.token_endpoint);
    expect(smart.authorization_endpoint).toBe(openid.authorization_endpoint);
    expect(smart.capabilities).toEqual(expect.arrayContaining(['permission-v2', 'client-confidential-asymmetric', 'launch-standalone']));
    expect(smart.scopes_supported).toEqual(expect.arrayContaining(['patient/*.rs', 'user/Observation.rs', 'launch/patient', 'system/*.cu']));
  });

  it('signs the patient in with code + PKCE: fhirUser, role, patient context, SMART scopes, purpose', async () => {
    const { tokens, claims } = await codeFlow('maria', 'openid fhirUser launch/patient patient/*.rs');
    expect(decodeProtectedHeader(tokens.access_token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(claims).toMatchObject({
      iss: gw.issuer,
      aud: gw.fhir,
      role: 'patient',
      fhirUser: 'Patient/clinic-oak-pat-000001',
      organization: expect.stringMatching(/^Organization\//),
      purpose_of_use: ['PATRQT'],
    });
    expect(String(claims.scope).split(' ')).toContain('patient/*.rs');
    expect(typeof claims.patient).toBe('string');
    expect((tokens as Record<string, unknown>).patient).toBe(claims.patient);
    expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(300);

    const me = await (await fetch(`${gw.base}/auth/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json();
    expect(me).toMatchObject({ kind: 'person', role: 'patient', subject: 'maria', patient: claims.patient });
    const fhir = new FhirClient({ baseUrl: gw.fhir, bearerToken: tokens.access_token });
    expect(await fhir.capabilityStatement()).toMatchObject({ resourceType: 'CapabilityStatement' });
  });

  it('grants a clinician user scopes only, showing on the approval screen what the role cannot have', async () => {
    const { claims, consentHtml } = await codeFlow('dr.chen', 'openid fhirUser user/Observation.rs patient/*.rs');
    expect(claims).toMatchObject({
      role: 'clinician',
      fhirUser: 'Practitioner/clinic-oak-prac-chen',
      organization: 'Organization/clinic-oak-org',
      purpose_of_use: ['TREAT'],
    });
    expect(String(claims.scope).split(' ')).toContain('user/Observation.rs');
    expect(String(claims.scope)).not.toContain('patient/');
    expect(claims.patient).toBeUndefined();
    expect(consentHtml).toMatch(/SMART demo app/);
    expect(consentHtml).toMatch(/more than your role allows[\s\S]*withheld: <code>patient\/\*\.rs<\/code>/);
  });

  it('lets a clinician narrow the purpose to break-the-glass, and refuses a purpose the role lacks', async () => {
    const { claims } = await codeFlow('dr.okafor', 'openid user/*.rs', { purpose_of_use: 'ETREAT' });
    expect(claims.purpose_of_use).toEqual(['ETREAT']);
    await expect(codeFlow('dr.okafor', 'openid user/*.rs', { purpose_of_use: 'HPAYMT' })).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('issues a source system a token with client_credentials and a signed assertion, and accepts its writes', async () => {
    const config = await backendClient('hosp-mercy');
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' });
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({
      sub: 'hosp-mercy',
      client_id: 'hosp-mercy',
      aud: gw.fhir,
      source: 'https://hosp-mercy.example.org/fhir',
      organization: 'Organization/hosp-mercy-org',
      dua: 'dua-hosp-mercy',
      purpose_of_use: ['TREAT', 'HOPERAT'],
    });

    const put = (resource: object) =>
      fetch(`${gw.fhir}/Observation/hosp-mercy-obs-e2e`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
    const observation = {
      resourceType: 'Observation',
      id: 'hosp-mercy-obs-e2e',
      status: 'final',
      code: { text: 'note' },
      subject: { reference: 'Patient/hosp-mercy-pat-000417' },
    };
    expect((await put(observation)).status).toBe(201);
    // Writing in another source's name is refused.
    const forged = await put({ ...observation, meta: { source: 'https://hosp-riverside.example.org/fhir' } });
    expect(forged.status).toBe(400);
    expect((await forged.json()).issue[0].code).toBe('forbidden');
  });

  it('narrows a backend token to a requested purpose, and refuses widening it', async () => {
    const config = await backendClient('payer-lakeshore');
    const narrowed = await oidc.clientCredentialsGrant(config, { scope: 'system/*.rs', purpose_of_use: 'HPAYMT' });
    expect(decodeJwt(narrowed.access_token).purpose_of_use).toEqual(['HPAYMT']);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'system/*.rs', purpose_of_use: 'TREAT' })).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('gives the analytics client only aggregate scopes and no write access', async () => {
    const config = await backendClient('analytics');
    await expect(oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' })).rejects.toMatchObject({ error: 'invalid_scope' });
    const tokens = await oidc.clientCredentialsGrant(config, { scope: 'system/Group.rs' });
    expect(decodeJwt(tokens.access_token)).toMatchObject({ scope: 'system/Group.rs', purpose_of_use: ['HRESCH', 'PUBHLTH'], dua: 'dua-analytics-aggregates' });
    const res = await fetch(`${gw.fhir}/Patient/x`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'x' }),
    });
    expect(res.status).toBe(403);
  });
});

describe('the token helper (npm run token)', () => {
  const run = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/token.ts', ...args], { env: { ...process.env, ...env } });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => resolve({ code, out, err }));
    });

  it('prints working tokens for a person and a client from a development gateway', async () => {
    const gw = await startGateway();
    try {
      const env = { PUBLIC_BASE_URL: gw.base, KEYS_DIR: gw.keysDir, FIXTURES_DIR: gw.fixturesDir };
      for (const args of [
        ['--user', 'dr.chen'],
        ['--client', 'payer-lakeshore', '--scope', 'system/*.rs', '--purpose', 'HPAYMT'],
      ]) {
        const { code, out } = await run(args, env);
        expect(code).toBe(0);
        const res = await fetch(`${gw.base}/auth/me`, { headers: { authorization: `Bearer ${out.trim()}` } });
        expect(res.status).toBe(200);
      }
    } finally {
      await gw.stop();
    }
    // A development start publishes the region's first release, with its disclosure audit.
  }, 120_000);

  it('is refused by a gateway in production mode', async () => {
    // Production makes no signing key by itself: the operator's first `npm run keys:rotate`.
    const keysDir = tempDir();
    await addSigningKey(keysDir, new Date());
    const gw = await startGateway({ env: { GATEWAY_ENV: 'production', KEYS_DIR: keysDir } });
    try {
      expect(gw.process.output()).not.toMatch(/Loaded the synthetic region|fixture accounts/);
      const { code, err } = await run(['--client', 'hosp-mercy'], { PUBLIC_BASE_URL: gw.base, KEYS_DIR: gw.keysDir, FIXTURES_DIR: gw.fixturesDir });
      expect(code).toBe(1);
      expect(err).toMatch(/not in development mode/);
    } finally {
      await gw.stop();
    }
  });
});
