import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { REDIRECT_URI, signIn, UserAgent } from '../../src/cli/login-driver.js';

const PASSWORD = 'consent-gateway-dev';
const STACK = /\bat [\w.<>]+ \(|\.(ts|js):\d+:\d+/;

describe('the authorization server refuses flow attacks', () => {
  let gw: Gateway;
  let tokenEndpoint: string;
  beforeAll(async () => {
    gw = await startGateway();
    tokenEndpoint = `${gw.issuer}/token`;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const authUrl = (params: Record<string, string>) => {
    const url = new URL(`${gw.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'smart-demo',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      aud: gw.fhir,
      scope: 'openid patient/*.rs',
      state: 's',
      ...params,
    }))
      url.searchParams.set(k, v);
    return url;
  };
  const tokenRequest = (body: Record<string, string>) =>
    fetch(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });

  async function codeFor(challenge: string) {
    const { callback } = await signIn(authUrl({ code_challenge: challenge, code_challenge_method: 'S256' }), 'maria', PASSWORD);
    const code = new URL(callback).searchParams.get('code');
    if (!code) throw new Error(`no code in ${callback}`);
    return code;
  }

  async function assertion(clientId: string, opts: { keyOf?: string; aud?: string; jti?: string } = {}) {
    const jwk = JSON.parse(readFileSync(join(gw.keysDir, 'clients', `${opts.keyOf ?? clientId}.private.json`), 'utf8')) as JWK;
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ jti: opts.jti ?? crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(opts.aud ?? tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(now + 240)
      .sign(await importJWK(jwk, 'ES256'));
  }
  const backendToken = async (clientId: string, clientAssertion: string) =>
    tokenRequest({
      grant_type: 'client_credentials',
      scope: 'system/*.cu',
      client_id: clientId,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: clientAssertion,
    });

  it('refuses PKCE with the plain method, and a request without a challenge', async () => {
    for (const params of [{ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }, {}] as Record<string, string>[]) {
      const res = await new UserAgent().fetch(authUrl(params).href);
      const location = new URL(res.headers.get('location')!);
      expect(location.href.startsWith(REDIRECT_URI)).toBe(true);
      expect(location.searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('refuses a code exchanged without its verifier, or with the wrong one', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const code = await codeFor(await oidc.calculatePKCECodeChallenge(verifier));
    const base = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'smart-demo' };
    const missing = await tokenRequest(base);
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/invalid_(grant|request)/);
    const wrong = await tokenRequest({ ...base, code_verifier: oidc.randomPKCECodeVerifier() });
    expect((await wrong.json()).error).toBe('invalid_grant');
  });

  it('refuses a code used twice', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const code = await codeFor(await oidc.calculatePKCECodeChallenge(verifier));
    const exchange = () =>
      tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, client_id: 'smart-demo', code_verifier: verifier });
    expect((await exchange()).status).toBe(200);
    const again = await exchange();
    expect(again.status).toBe(400);
    expect((await again.json()).error).toBe('invalid_grant');
  });

  it('never redirects to a redirect_uri that is not registered', async () => {
    const res = await new UserAgent().fetch(
      authUrl({ redirect_uri: 'https://attacker.example/cb', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }).href,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const body = await res.text();
    expect(body).toMatch(/redirect_uri/);
    expect(body).not.toMatch(STACK);
  });

  it('accepts a fresh client assertion once, and refuses its jti replayed', async () => {
    const signed = await assertion('hosp-mercy', { jti: 'replay-me' });
    expect((await backendToken('hosp-mercy', signed)).status).toBe(200);
    const replay = await backendToken('hosp-mercy', signed);
    expect(replay.status).toBe(401);
    expect((await replay.json()).error).toBe('invalid_client');
  });

  it('refuses a client assertion for the wrong audience', async () => {
    const res = await backendToken('hosp-mercy', await assertion('hosp-mercy', { aud: 'https://somewhere-else.example/token' }));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('invalid_client');
  });

  it("refuses a client assertion signed with another client's key", async () => {
    const res = await backendToken('hosp-mercy', await assertion('hosp-mercy', { keyOf: 'hosp-riverside' }));
    expect(res.status).toBe(401);
    expect((await res.json()).error).toBe('invalid_client');
  });

  it('refuses an ID token presented as an access token', async () => {
    const config = await oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      aud: gw.fhir,
      scope: 'openid patient/*.rs',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 's',
    });
    const { callback } = await signIn(url, 'maria', PASSWORD);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's' });
    expect(tokens.id_token).toBeDefined();
    const withId = await fetch(`${gw.base}/auth/me`, { headers: { authorization: `Bearer ${tokens.id_token}` } });
    expect(withId.status).toBe(401);
    expect((await fetch(`${gw.base}/auth/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
  });

  it('forbids framing the sign-in and approval pages (clickjacking)', async () => {
    const agent = new UserAgent();
    const login = await agent.follow(
      authUrl({ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' }).href,
      REDIRECT_URI,
    );
    expect(login.url).toContain('/oidc/interaction/');
    const pages = [login.response!];
    const afterLogin = await agent.submit(login.url, await login.response!.text(), /\/login/, { username: 'maria', password: PASSWORD }, REDIRECT_URI);
    expect(await afterLogin.response!.text()).toMatch(/Approve access/);
    pages.push(afterLogin.response!, await fetch(`${gw.base}/oidc/interaction/does-not-exist`));
    for (const page of pages) {
      expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
      expect(page.headers.get('x-frame-options')).toBe('DENY');
    }
  });

  it('answers malformed requests with OAuth errors, never a stack trace', async () => {
    const responses = [
      await tokenRequest({ grant_type: 'client_credentials' }),
      await tokenRequest({ grant_type: 'nonsense' }),
      await fetch(tokenEndpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }),
      await fetch(`${gw.issuer}/auth?client_id=nobody`),
      await fetch(`${gw.base}/oidc/interaction/does-not-exist`),
      await fetch(`${gw.base}/auth/me`, { headers: { authorization: 'Bearer a.b.c' } }),
    ];
    for (const res of responses) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(await res.text()).not.toMatch(STACK);
    }
  });
});

describe('login brute-force limits', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  async function attempt(username: string, password: string) {
    const agent = new UserAgent();
    const url = new URL(`${gw.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'smart-demo',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    }))
      url.searchParams.set(k, v);
    const page = await agent.follow(url.href, REDIRECT_URI);
    const html = await page.response!.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)![1]!;
    return agent.fetch(new URL(action, page.url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password }).toString(),
    });
  }

  it('locks an account after 5 failures, even against the right password', async () => {
    for (let i = 0; i < 5; i++) expect((await attempt('daniel', 'wrong-password')).status).toBe(401);
    const locked = await attempt('daniel', PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await locked.text()).toMatch(/Too many failed attempts/);
  });

  it('limits an address after 20 failures across accounts', async () => {
    // daniel's five failures above count for this address too.
    for (let i = 0; i < 15; i++) expect((await attempt(`nobody-${i}`, 'x')).status).toBe(401);
    expect((await attempt('priya', PASSWORD)).status).toBe(429);
  });
});
