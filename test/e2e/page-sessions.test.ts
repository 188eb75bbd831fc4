import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { UserAgent } from '../../src/cli/login-driver.js';

const PASSWORD = 'consent-gateway-dev';
/** The shortest access token the configuration allows, so the test outlives a few of them. */
const ACCESS_TOKEN_TTL = 30;
/** A chain of refresh tokens lives this long from sign-in, however often it rotates. */
const REFRESH_TOKEN_TTL = 60;
const wait = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/**
 * The portal's and clinician pages' sessions outlive their access tokens, through the refresh
 * tokens the pages hold server-side; a revoked refresh token ends the session.
 */
describe('page sessions past the access-token lifetime', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL), REFRESH_TOKEN_TTL: String(REFRESH_TOKEN_TTL) } });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** Signs in through the page's own /login, the real login and approval pages, and its /callback. */
  async function signInTo(area: '/portal' | '/clinician', username: string): Promise<UserAgent> {
    const agent = new UserAgent();
    const callback = `${gw.base}${area}/callback`;
    const login = await agent.follow(`${gw.base}${area}/login`, callback);
    const consent = await agent.submit(login.url, await login.response!.text(), /\/login/, { username, password: PASSWORD }, callback);
    const done = await agent.submit(consent.url, await consent.response!.text(), /\/confirm/, {}, callback);
    const back = await agent.fetch(done.url);
    expect(back.status).toBe(302);
    expect(back.headers.get('location')).toBe(area);
    return agent;
  }

  const page = async (agent: UserAgent, path: string) => (await agent.fetch(`${gw.base}${path}`)).text();
  const signedIn = (html: string) => !/href="\/(portal|clinician)\/login"/.test(html);

  /** The refresh tokens the portal holds for patients, read from the gateway's own database. */
  function patientsRefreshTokens(): string[] {
    const db = new Database(join(gw.dataDir, 'gateway.db'), { readonly: true });
    try {
      const rows = db.prepare(`SELECT data FROM web_sessions WHERE kind = 'session'`).all() as { data: string }[];
      return rows.flatMap((r) => {
        const session = JSON.parse(r.data) as { refreshToken?: string; role?: string };
        return session.role === 'patient' && session.refreshToken ? [session.refreshToken] : [];
      });
    } finally {
      db.close();
    }
  }

  /** A backend client's access token, and a question about it, introspected with a signed assertion. */
  async function introspectLater() {
    const jwk = JSON.parse(readFileSync(join(gw.keysDir, 'clients', 'hosp-mercy.private.json'), 'utf8')) as JWK;
    const config = await oidc.discovery(
      new URL(gw.issuer),
      'hosp-mercy',
      {},
      oidc.PrivateKeyJwt((await importJWK(jwk, 'ES256')) as CryptoKey, { [oidc.modifyAssertion]: (header) => void (header.kid = jwk.kid) }),
      { execute: [oidc.allowInsecureRequests] },
    );
    const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' });
    return () => oidc.tokenIntrospection(config, access_token);
  }

  it('keeps people signed in after their access tokens expire, until the refresh token is revoked or its lifetime ends', async () => {
    const introspect = await introspectLater();
    expect((await introspect()).active).toBe(true);
    const patient = await signInTo('/portal', 'maria');
    const clinician = await signInTo('/clinician', 'dr.chen');
    expect(await page(patient, '/portal')).toMatch(/My sharing choices/);
    const before = await page(clinician, '/clinician');
    expect(signedIn(before)).toBe(true);

    await wait(ACCESS_TOKEN_TTL + 5);
    expect(await page(patient, '/portal')).toMatch(/My sharing choices/);
    expect(signedIn(await page(clinician, '/clinician'))).toBe(true);
    // An expired access token introspects as inactive.
    expect(await introspect()).toEqual({ active: false });

    // Revoke the patient's refresh token, as the portal's client (RFC 7009): once her current
    // access token expires, her session ends. The clinician's ends as its refresh token's
    // lifetime (from sign-in, not from the last rotation) runs out.
    const tokens = patientsRefreshTokens();
    expect(tokens.length).toBe(1);
    for (const token of tokens) {
      const res = await fetch(`${gw.issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: 'consent-portal' }).toString(),
      });
      expect(res.status).toBe(200);
    }
    await wait(Math.max(ACCESS_TOKEN_TTL, REFRESH_TOKEN_TTL - ACCESS_TOKEN_TTL) + 2);
    const after = await page(patient, '/portal');
    expect(after).not.toMatch(/My sharing choices/);
    expect(signedIn(after)).toBe(false);
    expect(signedIn(await page(clinician, '/clinician'))).toBe(false);
  }, 150_000);
});
