import * as oidc from 'openid-client';
import { signIn } from '../../src/cli/login-driver.js';

/**
 * A person's access token as the `smart-demo` app gets it: openid-client runs the real code +
 * PKCE flow against the gateway's authorization server, the login driver signs in as a user
 * would. `tokenParams` go with the code exchange (a narrower purpose of use).
 */
export async function demoAppToken(
  base: string,
  username: string,
  scope: string,
  tokenParams: Record<string, string> = {},
  /** The FHIR server the token is for: this gateway's by default, or a trusted one's (a Worker). */
  aud = `${base}/fhir`,
): Promise<string> {
  const config = await oidc.discovery(new URL(`${base}/oidc`), 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1/callback',
    aud,
    scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 's',
  });
  const { callback } = await signIn(url, username, 'consent-gateway-dev');
  return (await oidc.authorizationCodeGrant(config, new URL(callback), { pkceCodeVerifier: verifier, expectedState: 's' }, tokenParams)).access_token;
}
