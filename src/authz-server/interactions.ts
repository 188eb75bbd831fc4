import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { grantableScopes, isRole, ROLE_POLICY } from '../auth/roles.js';
import type { Database } from '../db/database.js';
import { authenticate, findAccount } from './accounts.js';
import type { LoginLimiter } from './login-limiter.js';
import { consentPage, loginPage, page } from './pages.js';
import { resourceNamed } from './resource-servers.js';
import { html } from 'hono/html';

export interface InteractionDeps {
  provider: Provider;
  db: Database;
  fhirBase: string;
  /** The trusted gateways' FHIR bases (TRUSTED_GATEWAYS), which a sign-in may name as its `aud`. */
  otherFhirBases?: readonly string[];
  limiter: LoginLimiter;
  /** The audit trail of sign-ins: who, from where, and the outcome; never the password. */
  log: (event: string, detail: Record<string, unknown>) => void;
}

type Env = { Bindings: HttpBindings };

/**
 * The login and approval pages of the authorization code flow. Plain HTML forms (fields
 * `username` and `password`), so a browser and a script can both drive them. Node only: they
 * speak to oidc-provider through Node's request and response.
 */
export function interactionRoutes(deps: InteractionDeps): Hono<Env> {
  const { provider } = deps;
  const app = new Hono<Env>();
  app.use(async function noStore(c, next) {
    await next();
    c.header('cache-control', 'no-store');
    // A framed sign-in or approval page could be clickjacked into approving access: never framed, as pageHeaders() does for the other pages.
    c.header('content-security-policy', "frame-ancestors 'none'");
    c.header('x-frame-options', 'DENY');
  });

  app.get('/:uid', async (c) => {
    const details = await provider.interactionDetails(c.env.incoming, c.env.outgoing);
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);
    if (details.prompt.name === 'login') return c.html(loginPage({ uid: details.uid, clientName }));
    const account = await findAccount(deps.db, details.session!.accountId);
    if (!account || !isRole(account.role)) return c.html(page('Error', html`<h1>Account unavailable</h1>`), 403);
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const { granted, withheld } = grantableScopes(account.role, requested);
    return c.html(
      consentPage({
        uid: details.uid,
        clientName,
        account: account.name,
        granted,
        withheld,
        purposes: [...ROLE_POLICY[account.role].purposes].filter((p) => p !== 'ETREAT'),
        forPatient: account.role === 'patient' || account.role === 'caregiver',
      }),
    );
  });

  app.post('/:uid/login', async (c) => {
    const details = await provider.interactionDetails(c.env.incoming, c.env.outgoing);
    if (details.prompt.name !== 'login') return c.html(page('Error', html`<h1>Unexpected step</h1>`), 400);
    const form = await c.req.parseBody();
    const username = typeof form.username === 'string' ? form.username.trim() : '';
    const password = typeof form.password === 'string' ? form.password : '';
    const address = c.env.incoming.socket.remoteAddress ?? 'unknown';
    const client = await provider.Client.find(String(details.params.client_id));
    const clientName = client?.clientName ?? String(details.params.client_id);

    const wait = deps.limiter.retryAfter(username, address);
    if (wait > 0) {
      deps.log('login.throttled', { username, address });
      c.header('retry-after', String(Math.ceil(wait / 1000)));
      return c.html(loginPage({ uid: details.uid, clientName, username, error: 'Too many failed attempts. Wait a few minutes and try again.' }), 429);
    }
    const account = username && password ? await authenticate(deps.db, username, password) : undefined;
    if (!account) {
      deps.limiter.recordFailure(username, address);
      deps.log('login.failed', { username, address });
      return c.html(loginPage({ uid: details.uid, clientName, username, error: 'Username or password is not right.' }), 401);
    }
    deps.limiter.recordSuccess(username);
    deps.log('login.succeeded', { username, address });
    return finish(c, { login: { accountId: account.username } }, false);
  });

  app.post('/:uid/confirm', async (c) => {
    const details = await provider.interactionDetails(c.env.incoming, c.env.outgoing);
    if (details.prompt.name !== 'consent') return c.html(page('Error', html`<h1>Unexpected step</h1>`), 400);
    const accountId = details.session!.accountId;
    const account = await findAccount(deps.db, accountId);
    if (!account || !isRole(account.role)) return c.html(page('Error', html`<h1>Account unavailable</h1>`), 403);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    if (!grant) return c.html(page('Error', html`<h1>This approval has expired</h1>`), 400);
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    const { granted, withheld } = grantableScopes(account.role, requested);
    // Every granted scope is an OP scope (they are all in the provider's `scopes`); the FHIR ones
    // are also granted for the FHIR resource server, which is what puts them in the access token.
    const resource = granted.filter((s) => s.includes('/') && s !== 'launch/patient');
    // For the server the app named (`aud`, checked at the authorization request): ours or a trusted gateway's.
    const server = resourceNamed(details.params.aud, new Set([deps.fhirBase, ...(deps.otherFhirBases ?? [])]), deps.fhirBase);
    if (granted.length > 0) grant.addOIDCScope(granted.join(' '));
    if (resource.length > 0) grant.addResourceScope(server, resource.join(' '));
    // Scopes the role may not have are rejected outright, so the app gets a narrower token rather than another prompt.
    if (withheld.length > 0) {
      grant.rejectOIDCScope(withheld.join(' '));
      grant.rejectResourceScope(server, withheld.join(' '));
    }
    const grantId = await grant.save();
    deps.log('consent.granted', { username: accountId, client: details.params.client_id, scope: granted.join(' ') });
    return finish(c, { consent: details.grantId ? {} : { grantId } }, true);
  });

  app.post('/:uid/abort', async (c) => {
    return finish(c, { error: 'access_denied', error_description: 'The user denied access' }, false);
  });

  app.onError((err, c) => {
    if (err instanceof errors.SessionNotFound || err instanceof errors.InvalidRequest) {
      return c.html(
        page(
          'Sign-in expired',
          html`<h1>This sign-in has expired</h1>
            <p>Go back to the app and start again.</p>`,
        ),
        400,
      );
    }
    deps.log('error', { where: 'interaction', name: err.name, message: err.message });
    return c.html(
      page(
        'Error',
        html`<h1>Something went wrong</h1>
          <p>It has been logged.</p>`,
      ),
      500,
    );
  });

  async function finish(c: Context<Env>, result: Record<string, unknown>, merge: boolean) {
    const url = await provider.interactionResult(c.env.incoming, c.env.outgoing, result, { mergeWithLastSubmission: merge });
    return c.redirect(url, 303);
  }

  return app;
}
