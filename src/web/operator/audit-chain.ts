import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { chainStatus, describeProblem, verifyOnDemand } from '../../operations/index.js';
import { page } from '../layout.js';
import { csrfOk } from '../sign-in.js';
import { csrfField, operatorRequest, opsDeps, staleForm, type Signed } from './guard.js';

type Verdict = Awaited<ReturnType<typeof verifyOnDemand>>;

/** The audit chain: how many events, its head, the last check, and the check of `npm run audit:verify` run on demand. */
export function auditChainPages(app: Hono<AppEnv>): void {
  app.get('/audit', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    return render(c, s);
  });

  app.post('/audit/verify', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    if (!csrfOk(await c.req.parseBody(), s.session.value)) return staleForm(c);
    return render(c, s, await verifyOnDemand(opsDeps(c), s.operator));
  });
}

async function render(c: Context<AppEnv>, s: Signed, verdict?: Verdict) {
  const status = await chainStatus(opsDeps(c), s.operator);
  return c.html(
    page({
      title: 'Audit chain',
      area: 'operator',
      body: html`<h1>Audit chain</h1>
        ${verdict ? result(verdict) : ''}
        <dl class="facts">
          <dt>Events</dt>
          <dd>${status.events}</dd>
          <dt>Head</dt>
          <dd>
            ${status.head ? html`event ${status.head.seq}, recorded ${status.head.recorded}, hash <code class="hash">${status.head.hash}</code>` : 'no events yet'}
          </dd>
          <dt>Last verification</dt>
          <dd>
            ${status.lastVerification ? `${status.lastVerification.at} by ${status.lastVerification.by}: ${status.lastVerification.outcome}` : 'never run from the console'}
          </dd>
        </dl>
        <form method="post" action="/operator/audit/verify" class="card">
          ${csrfField(s)}
          <p>Walks every event from the first, as <code>npm run audit:verify</code> does: each must follow the one before and match its hash.</p>
          <button type="submit">Verify the chain now</button>
        </form>`,
    }),
  );
}

function result(v: Verdict) {
  if (v.problems.length === 0)
    return html`<p class="banner" role="status">Audit chain intact: ${v.checked} events checked, last hash <code class="hash">${v.last.hash}</code>.</p>`;
  return html`<div role="alert">
    <p class="error">Audit chain BROKEN: ${v.problems.length} problem(s) in ${v.checked} events. It first breaks at event ${v.problems[0]!.seq}.</p>
    <div class="table-scroll" role="region" tabindex="0" aria-label="Where the chain breaks">
      <table>
        <caption>
          Where the chain breaks (first 20)
        </caption>
        <thead>
          <tr>
            <th scope="col" class="num">Event</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          ${v.problems.slice(0, 20).map(
            (p) =>
              html`<tr>
                <td class="num">${p.seq}</td>
                <td>${describeProblem(p)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </div>`;
}
