import type { Context, Hono } from 'hono';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Requester } from '../auth/requester.js';
import { KeysUnavailable } from '../auth/verify.js';
import { createGate, type Gate } from '../gate/index.js';
import type { AppEnv } from '../app-env.js';
import { finishLogin, refreshTokens, revokeToken, startLogin, type LoginState, type Tokens } from './oidc-client.js';
import { createRecord, deleteRecord, randomToken, readRecord, updateRecord } from '../sessions/store.js';
import { clearCookie, cookieOf, LOGIN_COOKIE, SESSION_COOKIE, setSecureCookie } from './cookies.js';

/**
 * What every page session holds: the user's own access token and, when the role may have one,
 * refresh token (server-side only), when the access token expires, and the CSRF token of its forms.
 */
export interface BaseSession {
  accessToken: string;
  csrf: string;
  flash?: { kind: 'ok' | 'error'; text: string };
  refreshToken?: string;
  /** Epoch milliseconds. */
  accessExpiresAt?: number;
  /** The token-request parameters of the sign-in (a narrowed purpose), asked for again at each refresh. */
  tokenParams?: Record<string, string>;
}

/** A session with a refresh token lasts as long as the sign-in session at the authorization server (provider.ts: ttl.Session). */
const SESSION_SECONDS = 8 * 3600;
/** Refresh this long before the access token expires, so a request never carries one that expires on the way. */
const REFRESH_MARGIN_MS = 15_000;
const REFRESH_SCOPES = /(^|\s)(offline_access|online_access)(?=\s|$)/g;

export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;
export type AppFetch = () => (req: Request) => Response | Promise<Response>;

const CLIENT_ID = 'consent-portal';

/**
 * `/login` and `/callback` for one area of pages (`/portal`, `/clinician`): code + PKCE as the
 * consent-portal client, the login state and then the session kept server-side behind
 * HttpOnly cookies scoped to the area's path.
 */
export function mountSignIn<S extends BaseSession>(
  app: Hono<AppEnv>,
  opts: {
    path: string;
    scope: string;
    purposes?: readonly string[];
    allow: (r: Requester) => string | undefined;
    session: (r: Requester, accessToken: string, csrf: string) => S;
    signedOut: (message: string) => HtmlEscapedString | Promise<HtmlEscapedString>;
  },
): void {
  app.get('/login', async (c) => {
    // A narrower purpose (break-the-glass) may be asked for, from the area's own list only.
    const purpose = c.req.query('purpose');
    if (purpose !== undefined && !opts.purposes?.includes(purpose)) return c.html(opts.signedOut('That kind of sign-in is not offered here.'), 400);
    // Emergency access (a narrowed purpose) is not refreshed: it lasts one access token, then the clinician signs in again.
    const { url, login } = await startLogin(
      c.var.deps.config.issuer,
      CLIENT_ID,
      `${c.var.deps.config.baseUrl}${opts.path}/callback`,
      purpose ? opts.scope.replace(REFRESH_SCOPES, '') : opts.scope,
      opts.path,
      purpose ? { purpose_of_use: purpose } : undefined,
      `${c.var.deps.config.baseUrl}/fhir`,
    );
    const id = await createRecord(c.var.deps.db, 'login', login, new Date(Date.now() + 10 * 60_000));
    setSecureCookie(c, LOGIN_COOKIE, id, 600, opts.path);
    return c.redirect(url, 302);
  });

  app.get('/callback', async (c) => {
    const { db } = c.var.deps;
    const loginId = cookieOf(c, LOGIN_COOKIE);
    const login = await readRecord<LoginState>(db, 'login', loginId, new Date());
    await deleteRecord(db, loginId);
    clearCookie(c, LOGIN_COOKIE, opts.path);
    if (!login) return c.html(opts.signedOut('This sign-in has expired or was not started here. Please sign in again.'), 400);
    const result = await finishLogin(c.var.deps.config.issuer, CLIENT_ID, login, new URL(c.req.url).searchParams);
    if (!result.ok) return c.html(opts.signedOut(result.message), 400);
    let requester: Requester;
    try {
      requester = await c.var.deps.auth.verifier.verify(result.accessToken);
    } catch (err) {
      // The issuer's keys could not be fetched (a Worker fetches them): her sign-in was fine, so she is told to try again.
      if (err instanceof KeysUnavailable) return c.html(opts.signedOut('Signing in could not be finished just now. Please try again in a moment.'), 503);
      throw err;
    }
    const refused = opts.allow(requester);
    if (refused) return c.html(opts.signedOut(refused), 403);
    const lifetime = result.refreshToken ? SESSION_SECONDS : result.expiresIn;
    const value = {
      ...opts.session(requester, result.accessToken, randomToken()),
      ...tokenFields(result),
      ...(login.tokenParams ? { tokenParams: login.tokenParams } : {}),
    };
    const id = await createRecord(db, 'session', value, new Date(Date.now() + lifetime * 1000));
    setSecureCookie(c, SESSION_COOKIE, id, lifetime, opts.path);
    return c.redirect(opts.path, 302);
  });

  app.post('/logout', async (c) => {
    const session = await currentSession<S>(c);
    const form = await c.req.parseBody();
    if (session && form['csrf'] === session.value.csrf) {
      await deleteRecord(c.var.deps.db, session.id);
      if (session.value.refreshToken) await revokeToken(c.var.deps.config.issuer, CLIENT_ID, session.value.refreshToken);
    }
    clearCookie(c, SESSION_COOKIE, opts.path);
    return c.redirect(opts.path, 303);
  });
}

/**
 * The signed-in session, with an access token that is still good: one about to expire is
 * refreshed first (the refresh token rotates). A refresh token that is expired or revoked ends
 * the session, as if signed out.
 */
export async function currentSession<S extends BaseSession>(c: Context<AppEnv>): Promise<{ id: string; value: S } | undefined> {
  const id = cookieOf(c, SESSION_COOKIE);
  const value = await readRecord<S>(c.var.deps.db, 'session', id, new Date());
  if (!value || !id) return undefined;
  if (!value.refreshToken || (value.accessExpiresAt ?? 0) - REFRESH_MARGIN_MS > Date.now()) return { id, value };
  const refreshed = await refreshOnce(c, id, value);
  return refreshed ? { id, value: refreshed } : undefined;
}

/** Two requests of one session at once must not both spend its refresh token: a rotated one used again revokes the grant. */
const refreshing = new Map<string, Promise<BaseSession | undefined>>();

function refreshOnce<S extends BaseSession>(c: Context<AppEnv>, id: string, value: S): Promise<S | undefined> {
  let pending = refreshing.get(id);
  if (!pending) {
    pending = (async () => {
      const { db, config } = c.var.deps;
      const result = await refreshTokens(config.issuer, CLIENT_ID, value.refreshToken!, value.tokenParams);
      if (!result.ok) {
        await deleteRecord(db, id);
        return undefined;
      }
      const next = { ...value, ...tokenFields(result) };
      await updateRecord(db, id, next);
      return next;
    })().finally(() => refreshing.delete(id));
    refreshing.set(id, pending);
  }
  return pending as Promise<S | undefined>;
}

function tokenFields(result: Tokens): Pick<BaseSession, 'accessToken' | 'refreshToken' | 'accessExpiresAt'> {
  return {
    accessToken: result.accessToken,
    accessExpiresAt: Date.now() + result.expiresIn * 1000,
    ...(result.refreshToken ? { refreshToken: result.refreshToken } : {}),
  };
}

export const saveSession = (c: Context<AppEnv>, id: string, value: BaseSession) => updateRecord(c.var.deps.db, id, value);

/** Calls the FHIR API in process with the user's own token, so every rule of the API applies to the pages too. */
export function fhirAs(c: Context<AppEnv>, appFetch: AppFetch, token: string): Fetcher {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${token}`);
    return Promise.resolve(appFetch()(new Request(`${c.var.deps.config.baseUrl}${path}`, { ...init, headers })));
  };
}

/** The gate as the signed-in user: built from their own token, so the pages get no more than the API would give them. */
export async function gateAs(c: Context<AppEnv>, token: string): Promise<Gate | undefined> {
  try {
    return createGate(c.var.deps, await c.var.deps.auth.verifier.verify(token));
  } catch (err) {
    // Keys that cannot be fetched are not a signed-out session: a 503 (src/http/errors.ts).
    if (err instanceof KeysUnavailable) throw err;
    return undefined;
  }
}

/** A form post counts only with the session's CSRF token. */
export const csrfOk = (form: Record<string, unknown>, session: BaseSession) => typeof form['csrf'] === 'string' && form['csrf'] === session.csrf;
