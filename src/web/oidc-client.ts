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
}
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
  tokenParams?: Record<string, string>,
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
    redirect_uri: redirectUri,
    state: login.state,
    nonce: login.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }))
    url.searchParams.set(k, v);
  return { url: url.href, login };
}

/** Exchanges the code; returns the access token or why not (never throws on a client's mistake). */
export async function finishLogin(
  issuer: string,
  clientId: string,
  login: LoginState,
  params: URLSearchParams,
): Promise<{ ok: true; accessToken: string; expiresIn: number } | { ok: false; message: string }> {
  if (params.get('error')) return { ok: false, message: params.get('error_description') ?? params.get('error')! };
  if (params.get('state') !== login.state) return { ok: false, message: 'This sign-in link has expired or was not started here. Please sign in again.' };
  const code = params.get('code');
  if (!code) return { ok: false, message: 'The sign-in did not return a code. Please sign in again.' };
  const { token_endpoint } = await discover(issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      ...login.tokenParams,
      grant_type: 'authorization_code',
      code,
      redirect_uri: login.redirectUri,
      client_id: clientId,
      code_verifier: login.verifier,
    }).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error_description?: string };
  if (!res.ok || !body.access_token) return { ok: false, message: body.error_description ?? 'Sign-in failed. Please try again.' };
  return { ok: true, accessToken: body.access_token, expiresIn: body.expires_in ?? 300 };
}
