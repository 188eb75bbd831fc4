import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { page } from '../layout.js';
import { pageHeaders } from '../security.js';
import { currentSession, mountSignIn, type AppFetch, type BaseSession } from '../sign-in.js';

interface Session extends BaseSession {
  operator: string;
}

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

/** The operator console: operators only, acting through the same audited operations as the admin API and the CLI. */
export function operatorRoutes(_appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders());
  mountSignIn<Session>(app, {
    path: '/operator',
    scope: 'openid fhirUser user/AuditEvent.rs user/Subscription.rs online_access',
    allow: (r) => (r.kind === 'person' && r.role === 'operator' ? undefined : 'This console is for the exchange’s operators.'),
    session: (r, accessToken, csrf) => ({ accessToken, csrf, operator: r.kind === 'person' ? r.subject : '' }),
    signedOut: (m) => operatorSignedOut(m),
  });
  app.get('/', async (c) => {
    const s = await currentSession<Session>(c);
    if (!s) return c.html(operatorSignedOut());
    return c.html(page({ title: 'Operator console', area: 'operator', body: html`<h1>Operator console</h1>` }));
  });
  return app;
}
