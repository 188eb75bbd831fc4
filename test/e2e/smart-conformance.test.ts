import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, importJWK, SignJWT, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.js';
import { REDIRECT_URI, signIn, UserAgent } from '../../src/cli/login-driver.js';

const PASSWORD = 'consent-gateway-dev';
const LAB = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

/**
 * What the SMART App Launch 2 discovery document claims, checked as a client and as a dishonest
 * requester would: the audience of an authorization request, introspection and revocation of
 * the tokens issued, client assertions' lifetime, and granular scopes.
 */
describe('SMART App Launch 2 as claimed', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const keyOf = (clientId: string) => JSON.parse(readFileSync(join(gw.keysDir, 'clients', `${clientId}.private.json`), 'utf8')) as JWK;

  async function backendClient(clientId: string) {
    const jwk = keyOf(clientId);
    return oidc.discovery(
      new URL(gw.issuer),
      clientId,
      {},
      oidc.PrivateKeyJwt((await importJWK(jwk, 'ES256')) as CryptoKey, { [oidc.modifyAssertion]: (header) => void (header.kid = jwk.kid) }),
      { execute: [oidc.allowInsecureRequests] },
    );
  }

  const publicApp = () =>
    oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });

  async function codeFlow(username: string, scope: string) {
    const config = await publicApp();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope,
      aud: gw.fhir,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'st',
    });
    const { callback } = await signIn(url, username, PASSWORD);
    return oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 'st' });
  }

  const authUrl = async (params: Record<string, string>) => {
    const url = new URL(`${gw.issuer}/auth`);
    for (const [k, v] of Object.entries({
      client_id: 'smart-demo',
      response_type: 'code',
      redirect_uri: REDIRECT_URI,
      scope: 'openid launch/patient patient/*.rs',
      state: 's',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      ...params,
    }))
      url.searchParams.set(k, v);
    return url.href;
  };

  describe('the audience of an authorization request', () => {
    it('refuses a counterfeit resource server before any login form is shown', async () => {
      for (const aud of ['https://evil.example/fhir', `${gw.base}/fhir-evil`, gw.base]) {
        const agent = new UserAgent();
        const { url, response } = await agent.follow(await authUrl({ aud }), REDIRECT_URI);
        const body = response ? await response.text() : '';
        expect(body).not.toMatch(/name="password"/);
        if (response) expect(response.status).toBeGreaterThanOrEqual(400);
        else expect(new URL(url).searchParams.get('error')).toBe('invalid_request');
      }
    });

    it('requires aud whenever FHIR scopes are asked for; a plain OpenID sign-in names no resource server', async () => {
      const missing = await authUrl({});
      const { url, response } = await new UserAgent().follow(missing, REDIRECT_URI);
      if (response) expect(await response.text()).not.toMatch(/name="password"/);
      else expect(new URL(url).searchParams.get('error')).toBe('invalid_request');
      const plain = await new UserAgent().follow(await authUrl({ scope: 'openid' }), REDIRECT_URI);
      expect(plain.response?.status).toBe(200);
      expect(await plain.response!.text()).toMatch(/name="password"/);
    });

    it('lets the FHIR base through to the login form', async () => {
      const { response } = await new UserAgent().follow(await authUrl({ aud: gw.fhir }), REDIRECT_URI);
      expect(response?.status).toBe(200);
      expect(await response!.text()).toMatch(/name="password"/);
    });
  });

  describe('backend services client assertions', () => {
    async function assertion(clientId: string, lifetime: number) {
      const jwk = keyOf(clientId);
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ jti: crypto.randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'JWT' })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(`${gw.issuer}/token`)
        .setIssuedAt(now)
        .setExpirationTime(now + lifetime)
        .sign(await importJWK(jwk, 'ES256'));
    }
    const tokenRequest = async (clientId: string, lifetime: number) =>
      fetch(`${gw.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          scope: 'system/*.cu',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: await assertion(clientId, lifetime),
        }).toString(),
      });

    it('refuses an assertion that expires more than five minutes ahead', async () => {
      for (const lifetime of [301 + 30, 3600, 86_400]) {
        const res = await tokenRequest('hosp-mercy', lifetime);
        expect(res.status).toBe(401);
        expect((await res.json()).error).toBe('invalid_client');
      }
    });

    it('accepts one within five minutes', async () => {
      expect((await tokenRequest('hosp-mercy', 290)).status).toBe(200);
    });
  });

  describe('token introspection (RFC 7662) and revocation (RFC 7009)', () => {
    it('describes an active token to the client it was issued to', async () => {
      const config = await backendClient('hosp-mercy');
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' });
      const claims = decodeJwt(access_token);
      const info = await oidc.tokenIntrospection(config, access_token);
      expect(info).toMatchObject({
        active: true,
        client_id: 'hosp-mercy',
        sub: 'hosp-mercy',
        scope: 'system/*.cu',
        iss: gw.issuer,
        aud: gw.fhir,
        exp: claims.exp,
        iat: claims.iat,
        organization: 'Organization/hosp-mercy-org',
      });
    });

    it('answers active:false for garbage, forged and foreign tokens', async () => {
      const mercy = await backendClient('hosp-mercy');
      const lakeshore = await backendClient('payer-lakeshore');
      const theirs = (await oidc.clientCredentialsGrant(lakeshore, { scope: 'system/*.rs' })).access_token;
      const mine = (await oidc.clientCredentialsGrant(mercy, { scope: 'system/*.cu' })).access_token;
      const patients = (await codeFlow('maria', 'openid launch/patient patient/*.rs')).access_token;
      // The same claims, signed with the client's own key instead of the server's.
      const jwk = keyOf('hosp-mercy');
      const forged = await new SignJWT(decodeJwt(mine)).setProtectedHeader({ alg: 'ES256', kid: jwk.kid!, typ: 'at+jwt' }).sign(await importJWK(jwk, 'ES256'));
      for (const token of ['garbage', 'a.b.c', forged, theirs, patients, decodeJwt(mine).jti as string]) {
        expect(await oidc.tokenIntrospection(mercy, token)).toEqual({ active: false });
      }
    });

    it('refuses introspection to a public client', async () => {
      const { access_token } = await codeFlow('maria', 'openid launch/patient patient/*.rs');
      const res = await fetch(`${gw.issuer}/token/introspection`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: access_token, client_id: 'smart-demo' }).toString(),
      });
      expect(res.status === 401 || (res.status === 200 && (await res.json()).active === false)).toBe(true);
    });

    it('revokes an access token, which then introspects as inactive', async () => {
      const config = await backendClient('hosp-mercy');
      const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'system/*.cu' });
      expect((await oidc.tokenIntrospection(config, access_token)).active).toBe(true);
      await oidc.tokenRevocation(config, access_token);
      expect(await oidc.tokenIntrospection(config, access_token)).toEqual({ active: false });
    });

    it("does not let one client revoke another's token", async () => {
      const lakeshore = await backendClient('payer-lakeshore');
      const mercy = await backendClient('hosp-mercy');
      const { access_token } = await oidc.clientCredentialsGrant(lakeshore, { scope: 'system/*.rs' });
      await oidc.tokenRevocation(mercy, access_token);
      expect((await oidc.tokenIntrospection(lakeshore, access_token)).active).toBe(true);
    });
  });

  describe('refresh tokens (permission-offline, permission-online)', () => {
    const refresh = async (refreshToken: string) => oidc.refreshTokenGrant(await publicApp(), refreshToken);

    it('gives a patient offline access, rotating the refresh token; a rotated one used again ends the grant', async () => {
      const first = await codeFlow('maria', 'openid launch/patient patient/*.rs offline_access');
      expect(first.refresh_token).toEqual(expect.any(String));
      const second = await refresh(first.refresh_token!);
      expect(decodeJwt(second.access_token)).toMatchObject({ sub: 'maria', role: 'patient', patient: first.patient });
      expect(second.refresh_token).toEqual(expect.any(String));
      expect(second.refresh_token).not.toBe(first.refresh_token);
      await expect(refresh(first.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
      // Reuse revoked the grant: the newer token is dead too.
      await expect(refresh(second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });

    it('never widens the purpose at refresh: an emergency purpose needs the emergency sign-in (red team)', async () => {
      const signedIn = await codeFlow('dr.okafor', 'openid fhirUser user/*.rs online_access');
      expect(decodeJwt(signedIn.access_token).purpose_of_use).toEqual(['TREAT']);
      const config = await publicApp();
      await expect(oidc.refreshTokenGrant(config, signedIn.refresh_token!, { purpose_of_use: 'ETREAT' })).rejects.toMatchObject({ error: 'invalid_request' });
      // The refused attempt has spent that refresh token (fail closed); an honest refresh keeps TREAT.
      const again = await codeFlow('dr.okafor', 'openid fhirUser user/*.rs online_access');
      const refreshed = await oidc.refreshTokenGrant(config, again.refresh_token!);
      expect(decodeJwt(refreshed.access_token).purpose_of_use).toEqual(['TREAT']);
    });

    it('gives a clinician online access only', async () => {
      const offline = await codeFlow('dr.chen', 'openid fhirUser user/*.rs offline_access');
      expect(offline.refresh_token).toBeUndefined();
      const online = await codeFlow('dr.chen', 'openid fhirUser user/*.rs online_access');
      expect(online.refresh_token).toEqual(expect.any(String));
      expect(decodeJwt((await refresh(online.refresh_token!)).access_token)).toMatchObject({ sub: 'dr.chen', role: 'clinician' });
    });

    it('issues none without offline_access or online_access, and none that survives revocation', async () => {
      expect((await codeFlow('maria', 'openid launch/patient patient/*.rs')).refresh_token).toBeUndefined();
      const tokens = await codeFlow('maria', 'openid launch/patient patient/*.rs offline_access');
      await oidc.tokenRevocation(await publicApp(), tokens.refresh_token!);
      await expect(refresh(tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('discovery', () => {
    it('lists refresh, the portal as management endpoint, and only capabilities that work', async () => {
      const smart = await (await fetch(`${gw.fhir}/.well-known/smart-configuration`)).json();
      const openid = await (await fetch(`${gw.issuer}/.well-known/openid-configuration`)).json();
      expect(smart.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']));
      expect(openid.grant_types_supported).toEqual(expect.arrayContaining(['refresh_token']));
      expect(smart.management_endpoint).toBe(`${gw.base}/portal`);
      expect((await fetch(smart.management_endpoint)).status).toBe(200);
      expect(smart.capabilities).toEqual(expect.arrayContaining(['permission-offline', 'permission-online', 'permission-v1', 'permission-v2']));
      expect(smart.introspection_endpoint).toBe(openid.introspection_endpoint);
      expect(smart.revocation_endpoint).toBe(openid.revocation_endpoint);
      expect(smart.scopes_supported).toEqual(expect.arrayContaining(['offline_access', 'online_access', LAB]));
      expect(openid.scopes_supported).toEqual(expect.arrayContaining(smart.scopes_supported));
    });
  });

  describe('granular scopes (permission-v2)', () => {
    it('grants a category-restricted scope and a read-only scope as asked', async () => {
      const { access_token } = await codeFlow('maria', `openid launch/patient ${LAB} patient/Condition.r`);
      const granted = String(decodeJwt(access_token).scope).split(' ');
      expect(granted).toEqual(expect.arrayContaining([LAB, 'patient/Condition.r']));
    });

    it('narrows search and read to the category, and reads without searching with .r', async () => {
      const wide = await codeFlow('maria', 'openid launch/patient patient/*.rs');
      const narrow = await codeFlow('maria', `openid launch/patient ${LAB} patient/Condition.r`);
      const patient = String(wide.patient);
      const get = async (token: string, path: string) => {
        const res = await fetch(`${gw.fhir}/${path}`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.status, body: await res.json() };
      };
      const isLab = (r: { category?: { coding?: { system?: string; code?: string }[] }[] }) =>
        (r.category ?? []).some((c) =>
          (c.coding ?? []).some((x) => x.code === 'laboratory' && x.system === 'http://terminology.hl7.org/CodeSystem/observation-category'),
        );
      const all = (await get(wide.access_token, `Observation?patient=${patient}&_count=1000`)).body;
      const everything = (all.entry ?? []).map((e: { resource: { id: string } }) => e.resource);
      const labs = everything.filter(isLab);
      const others = everything.filter((r: object) => !isLab(r));
      expect(labs.length).toBeGreaterThan(0);
      expect(others.length).toBeGreaterThan(0);

      const page = (await get(narrow.access_token, `Observation?patient=${patient}&_count=1`)).body;
      expect(page.total).toBe(labs.length);
      expect(page.entry.every((e: { resource: object }) => isLab(e.resource))).toBe(true);
      expect((await get(narrow.access_token, `Observation/${labs[0].id}`)).status).toBe(200);
      const outside = await get(narrow.access_token, `Observation/${others[0].id}`);
      const missing = await get(narrow.access_token, `Observation/no-such-observation`);
      expect(outside.status).toBe(404);
      expect(JSON.stringify(outside.body).replaceAll(others[0].id, 'X')).toBe(JSON.stringify(missing.body).replaceAll('no-such-observation', 'X'));

      const conditions = (await get(wide.access_token, `Condition?patient=${patient}`)).body.entry ?? [];
      expect(conditions.length).toBeGreaterThan(0);
      expect((await get(narrow.access_token, `Condition/${conditions[0].resource.id}`)).status).toBe(200);
      expect((await get(narrow.access_token, `Condition?patient=${patient}`)).status).toBe(403);
    });

    it('accepts SMART v1 scopes', async () => {
      const { access_token } = await codeFlow('maria', 'openid launch/patient patient/*.read');
      expect(String(decodeJwt(access_token).scope).split(' ')).toContain('patient/*.read');
    });
  });
});
