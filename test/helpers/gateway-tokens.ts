import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { REDIRECT_URI, signIn } from '../../src/cli/login-driver.js';
import type { Gateway } from './gateway.js';

/** The password of every fixture account in development (README, "Getting a token"). */
export const DEV_PASSWORD = 'consent-gateway-dev';

/** What each fixture account asks for by default: the scopes its role may have (as `npm run token` asks). */
export const PEOPLE = {
  maria: 'openid fhirUser launch/patient patient/*.rs patient/Consent.cu',
  daniel: 'openid fhirUser launch/patient patient/*.rs',
  'dr.chen': 'openid fhirUser user/*.rs',
  'dr.okafor': 'openid fhirUser user/*.rs',
  priya: 'openid fhirUser user/Group.rs user/MeasureReport.rs',
  alex: 'openid fhirUser user/AuditEvent.rs',
} as const;

/**
 * An access token for a fixture person from a running gateway: code + PKCE as the public
 * `smart-demo` app, through the real login and approval pages (src/cli/login-driver.ts).
 */
export async function personToken(
  gw: Pick<Gateway, 'issuer' | 'fhir'>,
  username: keyof typeof PEOPLE,
  scope: string = PEOPLE[username],
  tokenParams: Record<string, string> = {},
) {
  const config = await oidc.discovery(new URL(gw.issuer), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    aud: gw.fhir,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const { callback } = await signIn(url, username, DEV_PASSWORD);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state }, tokenParams);
  return tokens.access_token;
}

/**
 * An access token for a registered backend client (SMART Backend Services, private_key_jwt with
 * its development key), for the gateway's own FHIR base or, with `resource`, a trusted one's.
 */
export async function clientToken(gw: Pick<Gateway, 'issuer' | 'keysDir'>, clientId: string, scope: string, purpose?: string, resource?: string) {
  const jwk = JSON.parse(readFileSync(join(gw.keysDir, 'clients', `${clientId}.private.json`), 'utf8')) as JWK;
  const key = (await importJWK(jwk, 'ES256')) as CryptoKey;
  const config = await oidc.discovery(
    new URL(gw.issuer),
    clientId,
    {},
    oidc.PrivateKeyJwt(key, { [oidc.modifyAssertion]: (header) => void (header.kid = jwk.kid) }),
    {
      execute: [oidc.allowInsecureRequests],
    },
  );
  const tokens = await oidc.clientCredentialsGrant(config, { scope, ...(purpose ? { purpose_of_use: purpose } : {}), ...(resource ? { resource } : {}) });
  return tokens.access_token;
}
