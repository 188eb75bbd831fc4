import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { page } from '../layout.js';
import { whenInWords, type HistoryRow } from './history.js';

/** The access history as a table: newest first, emergency access and notifications marked. */
export function historyTable(rows: readonly HistoryRow[]) {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Access history table">
    <table>
      <caption>
        Access history, newest first. Emergency access and notifications sent are marked. Your own visits to this portal are not listed.
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Who</th>
          <th scope="col">Organization</th>
          <th scope="col">What</th>
          <th scope="col">Why</th>
          <th scope="col">Outcome</th>
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan="6">No one else has accessed the record in this part of the history.</td>
              </tr>`
            : rows.map(
                (h) =>
                  html`<tr${h.emergency ? html` class="break-glass"` : ''}>
                    <td><time datetime="${h.when}">${whenInWords(h.when)}</time></td>
                    <td>${h.emergency ? html`<strong>Emergency access:</strong> ` : ''}${h.notified ? html`<strong>Notification sent:</strong> ` : ''}${h.who}</td>
                    <td>${h.organization}</td>
                    <td>${h.what}</td>
                    <td>${h.why}</td>
                    <td>${h.outcome}</td>
                  </tr>`,
              )
        }
      </tbody>
    </table>
  </div>`;
}

/** One page of the access history, with older and newer links (plain links: no JavaScript needed). */
export function historyPage(m: { rows: HistoryRow[]; older?: string; newer?: string; banner?: HtmlEscapedString | Promise<HtmlEscapedString> }) {
  return page({
    title: 'Access history',
    area: 'portal',
    ...(m.banner ? { banner: m.banner } : {}),
    body: html`<h1>Who has accessed the record</h1>
      <p><a href="/portal">Back to the sharing choices</a> · <a href="/portal/download/access-history.csv" download>Download all of it (CSV)</a></p>
      ${historyTable(m.rows)}
      <nav aria-label="Pages of the access history" class="pager">
        ${m.newer !== undefined ? html`<a href="${m.newer}" rel="prev">Newer entries</a>` : ''}
        ${m.older !== undefined ? html`<a href="${m.older}" rel="next">Older entries</a>` : html`<span>These are the oldest entries.</span>`}
      </nav>`,
  });
}
