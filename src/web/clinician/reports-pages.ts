import { html } from 'hono/html';
import { page } from '../layout.js';
import { dayText } from './fhir-values.js';
import type { GapRow, ReadableMeasureReport, StoredReport } from './reports.js';

const KIND = { 'care-gaps': 'Care gaps', performance: 'Performance' } as Record<string, string>;
const STATUS = ['open-gap', 'closed-gap', 'prospective-gap', 'not-applicable'];
const period = (r: StoredReport) => `${dayText(r.period.start)} to ${dayText(r.period.end)}`;
const link = (r: StoredReport) => `/clinician/reports/${r.kind}/${r.id}?day=${r.created.slice(0, 10)}`;

const patientsText = (n: number) => `${n} ${n === 1 ? 'patient' : 'patients'}`;

function statusOf(r: StoredReport) {
  if (r.kind !== 'care-gaps') return html`final${r.contract ? html` · contract ${r.contract}` : ''}`;
  const parts = STATUS.filter((s) => (r.counts[s] ?? 0) > 0).map((s) => `${r.counts[s]} ${s.replace('-', ' ')}${r.counts[s] === 1 ? '' : 's'}`);
  return html`final · ${patientsText(r.counts['documents'] ?? r.documents.length)}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

export function reportsPage(m: { reports: readonly StoredReport[] }) {
  return page({
    title: 'Reports',
    area: 'clinician',
    body: html`<h1>Reports</h1>
      <p class="lede">
        Your organization's latest stored care-gap and performance reports (one care-gap report per payer's roster). Each was computed on what its patients
        allow you to see, and is kept as it was made.
      </p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
        <table>
          <caption>
            Stored reports, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Report</th>
              <th scope="col">Period</th>
              <th scope="col">Made</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            ${
              m.reports.length === 0
                ? html`<tr>
                    <td colspan="4">No stored reports for your organization.</td>
                  </tr>`
                : m.reports.map(
                    (r) =>
                      html`<tr>
                        <td><a href="${link(r)}">${KIND[r.kind] ?? r.kind}</a></td>
                        <td>${period(r)}</td>
                        <td>${dayText(r.created)}</td>
                        <td>${statusOf(r)}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>`,
  });
}

export function careGapsReportPage(r: StoredReport, rows: readonly (GapRow & { name?: string | undefined })[], truncated: boolean) {
  return page({
    title: 'Care gaps report',
    area: 'clinician',
    body: html`<h1>Care gaps report</h1>
      <p><a href="/clinician/reports">Back to reports</a></p>
      <dl class="facts">
        <dt>Period</dt>
        <dd>${period(r)}</dd>
        <dt>Made</dt>
        <dd>${dayText(r.created)}</dd>
        <dt>Status</dt>
        <dd>${statusOf(r)}</dd>
      </dl>
      ${truncated ? html`<p>The first ${rows.length} rows are shown.</p>` : ''}
      <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
        <table>
          <caption>
            Gaps by patient and measure
          </caption>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Measure</th>
              <th scope="col">Gap</th>
            </tr>
          </thead>
          <tbody>
            ${
              rows.length === 0
                ? html`<tr>
                    <td colspan="3">No patients in this report you may see.</td>
                  </tr>`
                : rows.map(
                    (g) =>
                      html`<tr>
                        <td><a href="/clinician/patients/${g.patient}">${g.name ?? g.patient}</a></td>
                        <td>${g.measure}</td>
                        <td>${g.status}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>`,
  });
}

export function performanceReportPage(r: StoredReport, report: ReadableMeasureReport) {
  return page({
    title: 'Performance report',
    area: 'clinician',
    body: html`<h1>Performance report</h1>
      <p><a href="/clinician/reports">Back to reports</a></p>
      <dl class="facts">
        <dt>Period</dt>
        <dd>${period(r)}</dd>
        <dt>Made</dt>
        <dd>${dayText(r.created)}</dd>
        <dt>Status</dt>
        <dd>${report.status}${r.contract ? html` · contract ${r.contract}` : ''}</dd>
      </dl>
      ${report.groups.map(
        (g) =>
          html`<div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
            <table>
              <caption>
                ${g.name}${g.score !== undefined ? ` · score ${g.score}` : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Population</th>
                  <th scope="col" class="num">Count</th>
                </tr>
              </thead>
              <tbody>
                ${g.populations.map(
                  (p) =>
                    html`<tr>
                      <td>${p.name}</td>
                      <td class="num">${p.count ?? ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`,
      )}`,
  });
}

/** A report that is not the organization's, or not there: the same page. */
export function reportNotFound() {
  return page({
    title: 'Report not available',
    area: 'clinician',
    body: html`<h1>Report not available</h1>
      <p>There is no such report you may see.</p>
      <p><a href="/clinician/reports">Back to reports</a></p>`,
  });
}
