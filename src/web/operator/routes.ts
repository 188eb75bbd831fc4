import { readableForms } from '../forms.js';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { page } from '../layout.js';
import { pageHeaders } from '../security.js';
import { mountSignIn, type AppFetch } from '../sign-in.js';
import { auditChainPages } from './audit-chain.js';
import { operatorRequest, operatorSignedOut, REFUSED, type Session } from './guard.js';
import { ingestionPages } from './ingestion.js';
import { participantPages } from './participants.js';
import { releasePages } from './releases.js';
import { reviewPages } from './reviews.js';

export { operatorSignedOut } from './guard.js';

/**
 * The token the console asks for: the operator's role and identity only. Participants are
 * changed through the admin API (which checks the role, not a scope); the console reads no FHIR
 * resource, so it asks for none, and no refresh beyond the sign-in session.
 */
const SCOPE = 'openid fhirUser online_access';

/** The operator console: operators only, acting through the same audited operations as the admin API and the CLI. */
export function operatorRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders(), readableForms('operator'));
  mountSignIn<Session>(app, {
    path: '/operator',
    scope: SCOPE,
    allow: (r) => (r.kind === 'person' && r.role === 'operator' ? undefined : REFUSED),
    session: (r, accessToken, csrf) => ({ accessToken, csrf, operator: r.kind === 'person' ? r.subject : '' }),
    signedOut: (m) => operatorSignedOut(m),
  });
  app.get('/', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    return c.html(
      page({
        title: 'Operator console',
        area: 'operator',
        body: html`<h1>Operator console</h1>
          <p class="lede">Signed in as ${s.operator.account}.</p>
          <ul>
            <li><a href="/operator/participants">Participants</a>: organizations, backend clients and data use agreements; suspend and reinstate.</li>
            <li><a href="/operator/audit">Audit chain</a>: its length and head, and a check run on demand.</li>
            <li><a href="/operator/reviews">Emergency-access reviews</a>: break-the-glass accesses waiting for a finding.</li>
            <li><a href="/operator/ingestion">Ingestion and matching</a>: runs, rejected entries, links made on weak evidence.</li>
            <li><a href="/operator/releases">Releases and privacy budget</a>: what was published, its disclosure audit, the budget spent.</li>
          </ul>
          <form method="post" action="/operator/logout">
            <input type="hidden" name="csrf" value="${s.session.value.csrf}" />
            <button type="submit">Sign out</button>
          </form>`,
      }),
    );
  });
  participantPages(app, appFetch);
  auditChainPages(app);
  reviewPages(app);
  ingestionPages(app);
  releasePages(app);
  return app;
}
