import { base64url, randomToken } from '../sessions/store.js';

/**
 * The pages' side of the OAuth code + PKCE flow, as a public client of our own authorization
 * server: the pages never see a password, and they hold the access token only server-side.
 */
export interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  returnTo: string;
  /** Extra token-request parameters, such as purpose_of_use for emergency access. */
  tokenParams?: Record<string, string>;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
}

/** What a token response gives the pages: the access token, when it expires, and the refresh token if one was issued. */
export type Tokens = { ok: true; accessToken: string; expiresIn: number; refreshToken?: string };
export type TokenResult = Tokens | { ok: false; message: string };
const discovered = new Map<string, Promise<Discovery>>();

function discover(issuer: string): Promise<Discovery> {
  let d = discovered.get(issuer);
  if (!d) {
    d = fetch(`${issuer}/.well-known/openid-configuration`).then(async (r) => {
      if (!r.ok) throw new Error(`discovery failed: ${r.status}`);
      return (await r.json()) as Discovery;
    });
    d.catch(() => discovered.delete(issuer));
    discovered.set(issuer, d);
  }
  return d;
}

export async function startLogin(
  issuer: string,
  clientId: string,
  redirectUri: string,
  scope: string,
  returnTo: string,
  tokenParams: Record<string, string> | undefined,
  /** SMART's `aud`: the FHIR server the token is for. */
  aud: string,
): Promise<{ url: string; login: LoginState }> {
  const login: LoginState = {
    state: randomToken(16),
    nonce: randomToken(16),
    verifier: randomToken(32),
    redirectUri,
    returnTo,
    ...(tokenParams ? { tokenParams } : {}),
  };
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(login.verifier))));
  const { authorization_endpoint } = await discover(issuer);
  const url = new URL(authorization_endpoint);
  for (const [k, v] of Object.entries({
    client_id: clientId,
    response_type: 'code',
    scope,
    aud,
    redirect_uri: redirectUri,
    state: login.state,
    nonce: login.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    // The pages always ask for the password: signing out of a page cannot end the authorization
    // server's own sign-in session, so without this the next person at a shared computer would be
    // let in as the last one with a single "Allow".
    prompt: 'login',
  }))
    url.searchParams.set(k, v);
  return { url: url.href, login };
}

/** Exchanges the code; returns the access token or why not (never throws on a client's mistake). */
export async function finishLogin(issuer: string, clientId: string, login: LoginState, params: URLSearchParams): Promise<TokenResult> {
  if (params.get('error')) return { ok: false, message: params.get('error_description') ?? params.get('error')! };
  if (params.get('state') !== login.state) return { ok: false, message: 'This sign-in link has expired or was not started here. Please sign in again.' };
  const code = params.get('code');
  if (!code) return { ok: false, message: 'The sign-in did not return a code. Please sign in again.' };
  return tokenRequest(issuer, {
    ...login.tokenParams,
    grant_type: 'authorization_code',
    code,
    redirect_uri: login.redirectUri,
    client_id: clientId,
    code_verifier: login.verifier,
  });
}

/** A new access token (and the rotated refresh token) for a session; not ok once the refresh token is expired or revoked. */
export function refreshTokens(issuer: string, clientId: string, refreshToken: string, tokenParams?: Record<string, string>): Promise<TokenResult> {
  return tokenRequest(issuer, { ...tokenParams, grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
}

/** Revokes a refresh token (and with it its grant) at sign-out; a failure leaves it to expire. */
export async function revokeToken(issuer: string, clientId: string, token: string): Promise<void> {
  const { revocation_endpoint } = await discover(issuer);
  await fetch(revocation_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: clientId }).toString(),
  }).catch(() => undefined);
}

async function tokenRequest(issuer: string, params: Record<string, string>): Promise<TokenResult> {
  const { token_endpoint } = await discover(issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; refresh_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) return { ok: false, message: body.error_description ?? 'Sign-in failed. Please try again.' };
  return { ok: true, accessToken: body.access_token, expiresIn: body.expires_in ?? 300, ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}) };
}
