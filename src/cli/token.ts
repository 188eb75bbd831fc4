import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { loadConfig } from '../config/config.js';
import { REDIRECT_URI, signIn } from './login-driver.js';

const usage = `usage: npm run token -- --user <username> [--scope "..."] [--purpose CODE]   (code + PKCE as a person, through the login form)
       npm run token -- --client <client-id> [--scope "..."] [--purpose CODE]   (SMART Backend Services, with the client's dev key)
Gets an access token from a running gateway (PUBLIC_BASE_URL, default http://127.0.0.1:8080) and prints it.
Development only: refused unless the gateway says it runs in development mode.`;

const DEFAULT_SCOPES: Record<string, string> = {
  patient: 'openid fhirUser launch/patient patient/*.rs',
  caregiver: 'openid fhirUser launch/patient patient/*.rs',
  clinician: 'openid fhirUser user/*.rs',
  researcher: 'openid fhirUser user/Group.rs user/MeasureReport.rs',
  operator: 'openid fhirUser user/AuditEvent.rs',
};

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { user: { type: 'string' }, client: { type: 'string' }, scope: { type: 'string' }, purpose: { type: 'string' }, password: { type: 'string' } },
  });
  const config = loadConfig(process.env);
  const health = (await (await fetch(`${config.baseUrl}/healthz`)).json()) as { mode?: string };
  if (health.mode !== 'development') {
    console.error(`The gateway at ${config.baseUrl} is not in development mode; the token helper only works there.`);
    return 1;
  }
  const issuer = new URL(config.issuer);
  const extra: Record<string, string> = values.purpose ? { purpose_of_use: values.purpose } : {};
  if (values.client) {
    const jwk = JSON.parse(await readFile(join(config.keysDir, 'clients', `${values.client}.private.json`), 'utf8')) as JWK;
    const key = (await importJWK(jwk, 'ES256')) as CryptoKey;
    const client = await oidc.discovery(
      issuer,
      values.client,
      {},
      oidc.PrivateKeyJwt(key, { [oidc.modifyAssertion]: (header) => void (header.kid = jwk.kid) }),
      { execute: [oidc.allowInsecureRequests] },
    );
    const tokens = await oidc.clientCredentialsGrant(client, { scope: values.scope ?? 'system/*.cu', ...extra });
    console.log(tokens.access_token);
    return 0;
  }
  const username = values.user ?? positionals[0];
  if (!username) {
    console.error(usage);
    return 2;
  }
  const people = JSON.parse(await readFile(join(config.fixturesDir, 'people.json'), 'utf8')) as { username: string; role: string }[];
  const role = people.find((p) => p.username === username)?.role ?? 'patient';
  const client = await oidc.discovery(issuer, 'smart-demo', { token_endpoint_auth_method: 'none' }, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(client, {
    redirect_uri: REDIRECT_URI,
    aud: `${config.baseUrl}/fhir`,
    scope: values.scope ?? DEFAULT_SCOPES[role]!,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const { callback } = await signIn(url, username, values.password ?? config.devPassword);
  if (!callback.startsWith(REDIRECT_URI)) {
    console.error('Sign-in did not complete (wrong username or password, or too many attempts).');
    return 1;
  }
  const tokens = await oidc.authorizationCodeGrant(client, new URL(callback), { pkceCodeVerifier: verifier, expectedState: state }, extra);
  console.log(tokens.access_token);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
    process.exit(1);
  },
);
