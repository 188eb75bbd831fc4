import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { demographicLinks, ingestionRuns } from '../../operations/index.js';
import { page } from '../layout.js';
import { operatorRequest, opsDeps } from './guard.js';

/**
 * Ingestion runs (source, channel, counts) and the matching reviews: links the patient index
 * made on demographic evidence alone. Record ids only, never record content.
 */
export function ingestionPages(app: Hono<AppEnv>): void {
  app.get('/ingestion', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    const runs = await ingestionRuns(c.var.deps.db, s.operator);
    const weak = await demographicLinks(opsDeps(c), s.operator);
    return c.html(
      page({
        title: 'Ingestion and matching',
        area: 'operator',
        body: html`<h1>Ingestion and matching</h1>
          <h2 id="runs">Ingestion runs</h2>
          <p>The newest ${runs.length} runs. Rejected entries were answered to the sender with an OperationOutcome at the time; their issues are not kept.</p>
          <div class="table-scroll" role="region" tabindex="0" aria-labelledby="runs">
            <table aria-labelledby="runs">
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Source</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="num">Written</th>
                  <th scope="col" class="num">Unchanged</th>
                  <th scope="col" class="num">Rejected</th>
                </tr>
              </thead>
              <tbody>
                ${runs.map(
                  (r) =>
                    html`<tr${r.rejected > 0 || r.status !== 'committed' ? html` class="break-glass"` : ''}><td>${r.startedAt}</td><td>${r.source}</td><td>${r.channel}</td><td>${r.status}</td><td class="num">${r.written}</td><td class="num">${r.unchanged}</td><td class="num">${r.rejected}</td></tr>`,
                )}
              </tbody>
            </table>
          </div>
          <h2 id="links">Links made on demographic evidence</h2>
          <p>
            ${weak.total} source records were linked to a person by name, birth date and address alone, without a shared
            identifier${weak.total > weak.links.length ? html` (the newest ${weak.links.length} shown)` : ''}. The linker holds nothing back for review: these
            are the links a person should check.
          </p>
          <div class="table-scroll" role="region" tabindex="0" aria-labelledby="links">
            <table aria-labelledby="links">
              <thead>
                <tr>
                  <th scope="col">Source record</th>
                  <th scope="col">Linked to person</th>
                  <th scope="col">Evidence</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                ${weak.links.map(
                  (l) =>
                    html`<tr>
                      <td>Patient/${l.patientId}</td>
                      <td>${l.personId}</td>
                      <td>${l.reason}</td>
                      <td>${l.linkedAt}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`,
      }),
    );
  });
}
