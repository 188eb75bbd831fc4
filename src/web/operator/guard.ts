import type { Context } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { KeysUnavailable } from '../../auth/verify.js';
import { operationsDeps, operatorOf, type Operator, type OperationsDeps } from '../../operations/index.js';
import { page } from '../layout.js';
import { currentSession, saveSession, type BaseSession } from '../sign-in.js';

export interface Session extends BaseSession {
  operator: string;
}

export interface Signed {
  session: { id: string; value: Session };
  operator: Operator;
}

export const REFUSED = 'This console is for the exchange’s operators.';

export function operatorSignedOut(message?: string) {
  return page({
    title: 'Operator console',
    area: 'operator',
    body: html`<h1>Operator console</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p class="lede">Participants, data use agreements, the audit chain, ingestion, releases and emergency-access reviews, for the exchange's operators.</p>
      <p><a href="/operator/login">Sign in</a></p>`,
  });
}

/**
 * The signed-in operator of this request, checked again from the session's own token on every
 * request (a session of another area's cookie, or a token whose role is not operator, gets the
 * refusal page), or the page to answer with instead.
 */
export async function operatorRequest(c: Context<AppEnv>): Promise<Signed | Response> {
  const session = await currentSession<Session>(c);
  if (!session) return c.html(operatorSignedOut(), c.req.method === 'GET' ? 200 : 401);
  // Keys that cannot be fetched are not a refusal: KeysUnavailable goes on to be a 503.
  const requester = await c.var.deps.auth.verifier.verify(session.value.accessToken).catch((err: unknown) => {
    if (err instanceof KeysUnavailable) throw err;
    return undefined;
  });
  const operator = operatorOf(requester);
  if (!operator) return c.html(operatorSignedOut(REFUSED), 403);
  return { session, operator };
}

/** The console's operations with this app's dependencies. */
export function opsDeps(c: Context<AppEnv>): OperationsDeps {
  return operationsDeps(c.var.deps);
}

/** A forged or stale form token changes nothing, and says so. */
export function staleForm(c: Context<AppEnv>) {
  return c.html(
    page({
      title: 'Form expired',
      area: 'operator',
      body: html`<h1>Nothing was changed</h1>
        <p class="error" role="alert">This form has expired or did not come from this console. Nothing was changed.</p>
        <p><a href="/operator">Back to the console</a></p>`,
    }),
    403,
  );
}

/** The message left for the next page, read once. */
export async function takeFlash(c: Context<AppEnv>, s: Signed) {
  const flash = s.session.value.flash;
  if (flash) {
    delete s.session.value.flash;
    await saveSession(c, s.session.id, s.session.value);
  }
  return flash ? html`<p class="${flash.kind === 'ok' ? 'banner' : 'error'}" role="status">${flash.text}</p>` : '';
}

export async function setFlash(c: Context<AppEnv>, s: Signed, flash: NonNullable<BaseSession['flash']>) {
  await saveSession(c, s.session.id, { ...s.session.value, flash });
}

/** The CSRF field every form of the console carries. */
export const csrfField = (s: Signed) => html`<input type="hidden" name="csrf" value="${s.session.value.csrf}" />`;
