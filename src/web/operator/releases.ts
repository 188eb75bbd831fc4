import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { releaseOverview } from '../../operations/index.js';
import { page } from '../layout.js';
import { operatorRequest } from './guard.js';

/** Releases, the disclosure audit each exact release passed (counts by cause, never values), and the privacy budget. */
export function releasePages(app: Hono<AppEnv>): void {
  app.get('/releases', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    const o = await releaseOverview(c.var.deps.db, s.operator);
    const b = o.budget;
    return c.html(
      page({
        title: 'Releases and privacy budget',
        area: 'operator',
        body: html`<h1>Releases and privacy budget</h1>
          <h2 id="budget">Privacy budget</h2>
          <dl class="facts">
            <dt>Lifetime budget (ε)</dt>
            <dd>${b.lifetime ?? 'not bound yet (the first release binds it)'}</dd>
            <dt>Spent</dt>
            <dd>${b.spent}</dd>
            <dt>Remaining</dt>
            <dd>${b.remaining ?? '—'}</dd>
            <dt>Changes of the budget</dt>
            <dd>${b.changes} (see <code>npm run budget</code>)</dd>
          </dl>
          <h2 id="releases">Releases</h2>
          ${o.releases.length === 0 ? html`<p>Nothing has been released yet.</p>` : ''}
          <div class="table-scroll" role="region" tabindex="0" aria-labelledby="releases">
            <table aria-labelledby="releases">
              <thead>
                <tr>
                  <th scope="col">Release</th>
                  <th scope="col">Issued</th>
                  <th scope="col">Protection</th>
                  <th scope="col">Years</th>
                  <th scope="col">Disclosure audit</th>
                </tr>
              </thead>
              <tbody>
                ${o.releases.map(
                  (r) =>
                    html`<tr>
                      <th scope="row">${r.id}</th>
                      <td>${r.issued}</td>
                      <td>${r.mode}${r.epsilon !== null ? ` (ε ${r.epsilon})` : ''}</td>
                      <td>${r.years.join(', ')}</td>
                      <td>
                        ${
                          r.audit
                            ? `${r.audit.checked} values checked in ${r.audit.programs} programs; withheld: ${
                                Object.entries(r.audit.withheld)
                                  .map(([cause, n]) => `${n} ${cause}`)
                                  .join(', ') || 'none'
                              }`
                            : 'none kept (noise-protected release)'
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`,
      }),
    );
  });
}
