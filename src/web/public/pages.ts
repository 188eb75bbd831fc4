import { html, raw } from 'hono/html';
import type { LedgerSummary } from '../../release/budget/store.js';
import { REASON_LABELS, REASONS } from '../../release/files/reasons.js';
import type { ReleaseRow } from '../../release/store.js';
import { page } from '../layout.js';
import { WITHHELD_TOGETHER, type ChartSpec, type chartData, type NotPlotted, type Shown } from './chart-data.js';
import { withheldWords } from './withheld.js';

const FILES = [
  ['metrics.csv', 'CSV'],
  ['metrics.json', 'JSON'],
  ['dictionary.csv', 'Data dictionary (CSV)'],
  ['measure-reports.json', 'FHIR MeasureReports'],
  ['datapackage.json', 'Data package'],
  ['methodology.md', 'Methodology (Markdown)'],
  ['manifest.jws', 'Signed manifest'],
] as const;

export function catalogPage(releases: readonly ReleaseRow[]) {
  const [latest] = releases;
  return page({
    title: 'Public data',
    area: 'public',
    body: html`<h1>Public health data</h1>
      <p class="lede">
        De-identified, multi-payer population metrics from this health information exchange: total cost of care per member per month, hospital use and quality
        of care, by market segment, provider organization, area, age band and sex. Free to download and reuse (CC0).
      </p>
      ${latest ? html`<p><a href="/public/releases/${latest.id}">Latest release: ${latest.id}</a> (issued ${latest.issued.slice(0, 10)}, ${latest.years.join(', ')})</p>` : html`<p>No release has been published yet.</p>`}
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-1">
        <table>
          <caption id="table-1">
            All releases
          </caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Issued</th>
              <th scope="col">Years</th>
              <th scope="col">Protection</th>
            </tr>
          </thead>
          <tbody>
            ${releases.map(
              (r) =>
                html`<tr>
                  <td><a href="/public/releases/${r.id}">${r.id}</a></td>
                  <td>${r.issued.slice(0, 10)}</td>
                  <td>${r.years.join(', ')}</td>
                  <td>${r.mode === 'differential-privacy' ? `Suppression and differential privacy (ε = ${r.epsilon})` : 'Suppression'}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p>Machine-readable catalog: <a href="/public/data.json">data.json</a> (DCAT-US). Privacy budget: <a href="/public/privacy-budget">ledger</a>.</p>`,
  });
}

export function releasePage(release: ReleaseRow, manifest: { population: { people: number; excludedByConsent: number } }, data: ReturnType<typeof chartData>) {
  return page({
    title: `Release ${release.id}`,
    area: 'public',
    scripts: ['chart.umd.min.js', 'charts.js'],
    body: html`<h1>Release ${release.id}</h1>
      <dl class="facts">
        <dt>Issued</dt>
        <dd>${release.issued.slice(0, 10)}</dd>
        <dt>Years</dt>
        <dd>${release.years.join(', ')}</dd>
        <dt>Protection</dt>
        <dd>
          ${release.mode === 'differential-privacy' ? `Safe Harbor strata, suppression and differential privacy (ε = ${release.epsilon})` : 'Safe Harbor strata and suppression'}
        </dd>
        <dt>People</dt>
        <dd>
          ${manifest.population.people.toLocaleString('en-US')} in the data; ${manifest.population.excludedByConsent.toLocaleString('en-US')} left out because
          they opted out of research and public-health use
        </dd>
      </dl>
      <h2>Downloads</h2>
      <ul class="downloads">
        ${FILES.map(([f, label]) => html`<li><a href="/public/datasets/${release.id}/${f}" download>${label}</a></li>`)}
      </ul>
      <p><a href="/public/releases/${release.id}/methodology">Methodology</a> · every rule used to compute and protect these numbers.</p>
      <p><a href="/public/releases/${release.id}/dictionary">Data dictionary</a> · what every column, measure and code of the files means.</p>
      ${release.mode === 'differential-privacy' ? html`<p class="chart-note">${INTERVAL_MEANING}</p>` : ''}

      <h2>Cost per member per month, ${data.year}</h2>
      ${chart(
        'pmpm',
        `Paid per member per month by market segment and service category, ${data.year} (USD)`,
        data.pmpmChart,
        `The grey part of a bar, “${WITHHELD_TOGETHER}”, is that bar's published total less its published categories: each category in it is withheld, their sum is not.`,
      )}
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-2">
        <table>
          <caption id="table-2">
            Paid per member per month (USD), ${data.year}
          </caption>
          <thead>
            <tr>
              <th scope="col">Segment</th>
              <th scope="col" class="num">Total</th>
              ${data.categories.map((c) => html`<th scope="col" class="num">${c}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${data.pmpm.map(
              (p) =>
                html`<tr>
                  <th scope="row">${p.label}</th>
                  <td class="num">${cell(p.total)}</td>
                  ${p.parts.map((s) => html`<td class="num">${cell(s)}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>

      <h2>Quality by provider organization, ${data.year}</h2>
      ${chart('quality', `Quality measure rates by attributed primary-care organization, ${data.year} (%)`, data.qualityChart)}
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-3">
        <table>
          <caption id="table-3">
            Quality rates (%), ${data.year}. Withheld cells say why; more on hover or focus.
          </caption>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              ${data.measures.map((m) => html`<th scope="col" class="num">${m}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${data.quality.map(
              (q) =>
                html`<tr>
                  <th scope="row">${q.label}</th>
                  ${q.rates.map((s) => html`<td class="num">${cell(s)}</td>`)}
                </tr>`,
            )}
          </tbody>
        </table>
      </div>

      <h2>Hospital use over time</h2>
      ${chart('utilization', 'Admissions and emergency visits per 1,000 member-years, by quarter, all payers', data.utilizationChart)}
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-4">
        <table>
          <caption id="table-4">
            Per 1,000 member-years, all payers
          </caption>
          <thead>
            <tr>
              <th scope="col">Quarter</th>
              <th scope="col" class="num">Inpatient admissions</th>
              <th scope="col" class="num">ED visits</th>
            </tr>
          </thead>
          <tbody>
            ${data.utilization.map(
              (u) =>
                html`<tr>
                  <th scope="row">${u.label}</th>
                  <td class="num">${cell(u.admissions)}</td>
                  <td class="num">${cell(u.ed)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
  });
}

/** One sentence on what an interval means, wherever one is shown. */
export const INTERVAL_MEANING =
  'Noise was added to every figure of this release to protect privacy. The range after a figure, and the error bar on a chart, is its 95% interval: with the noise this release added, the exact figure lies in that range 95 times in 100. It is worked out from the published figure and the published scale of the noise alone, so it reveals nothing more about anyone.';

let tip = 0;
/** A table cell: the value (with its interval), "withheld: <reason>" with the long reason on hover or focus, or a dash. */
export function cell(s: Shown) {
  if ('value' in s)
    return s.interval
      ? html`${s.value.toLocaleString('en-US')}
          <span class="interval">(95%: ${s.interval.low.toLocaleString('en-US')}–${s.interval.high.toLocaleString('en-US')})</span>`
      : html`${s.value.toLocaleString('en-US')}`;
  if ('none' in s) return html`<span title="No one in the denominator">–</span>`;
  const id = `why-${++tip}`;
  return html`<span class="suppressed" tabindex="0" aria-describedby="${id}"
    >withheld: ${withheldWords(s.suppressed)}<span class="why" id="${id}" role="tooltip"
      >${(REASONS as Record<string, string>)[s.suppressed] ?? s.suppressed}</span
    ></span
  >`;
}

/** A chart, and under it, in words, every point it leaves out and why: an absent bar is not a zero. `derivedNote` explains a derived dataset, when one is drawn. */
function chart(id: string, caption: string, spec: ChartSpec, derivedNote?: string) {
  // JSON inside a data block: escape "<" so no "</script>" can end it early.
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return html`<figure data-chart="${id}">
    <figcaption id="${id}-caption">${caption}</figcaption>
    <div class="chart"><canvas role="img" aria-labelledby="${id}-caption"></canvas></div>
    ${derivedNote && spec.datasets.some((d) => d.derived) ? html`<p class="chart-note">${derivedNote}</p>` : ''}
    ${spec.datasets.some((d) => d.withheld) ? html`<p class="chart-note" data-marker-note>${MARKER_MEANING}</p>` : ''}
    ${spec.datasets.some((d) => d.intervals) ? html`<p class="chart-note">Each black bar is the point's 95% interval (see above).</p>` : ''}
    ${spec.intervalsInTable ? html`<p class="chart-note">A stacked part has no error bar: its 95% interval is in the table below.</p>` : ''}
    ${spec.notPlotted.map(notPlottedNote)}
    <script type="application/json">
      ${raw(json)}
    </script>
  </figure>`;
}

const MARKER_MEANING =
  'A hatched square marks each withheld value, where it would be drawn; every such square is the same size, whatever the value, and names its reason when pointed at.';

function notPlottedNote(group: NotPlotted) {
  const why = (REASON_LABELS as Record<string, string>)[group.reason] ?? (group.reason === 'none' ? 'no one in the denominator' : group.reason);
  const points = group.points.map((p) => (p.all ? `${p.row} (all)` : `${p.row} (${p.columns.join(', ')})`)).join('; ');
  const long = (REASONS as Record<string, string>)[group.reason];
  return html`<p class="chart-note" data-not-plotted="${group.reason}">
    Not plotted, ${why}: ${points}.${long ? html` <span class="reason">${long}</span>` : ''}
  </p>`;
}

export function methodologyPage(release: ReleaseRow, text: string) {
  return page({
    title: `Methodology of ${release.id}`,
    area: 'public',
    body: html`<h1>Methodology of release ${release.id}</h1>
      <p>
        <a href="/public/releases/${release.id}">Back to the release</a> ·
        <a href="/public/datasets/${release.id}/methodology.md" download>Download (Markdown)</a>
      </p>
      <pre class="methodology">${text}</pre>`,
  });
}

export function ledgerPage(ledger: LedgerSummary) {
  return page({
    title: 'Privacy budget',
    area: 'public',
    body: html`<h1>Privacy budget</h1>
      <p class="lede">
        Releases protected with differential privacy each spend part of a lifetime privacy budget (epsilon). The budget is stored with the data: set from a
        published policy when the first release was made, and changed since only by an audited operator decision, with its reason below. This ledger is
        append-only; a release that would go past the budget is refused.
      </p>
      <dl class="facts">
        <dt>Lifetime budget</dt>
        <dd>${ledger.lifetimeBudget ?? 'Not set yet: the first release sets it'}</dd>
        <dt>Spent</dt>
        <dd>${ledger.spent}</dd>
        <dt>Remaining</dt>
        <dd>${ledger.remaining ?? '–'}</dd>
      </dl>
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-5">
        <table>
          <caption id="table-5">
            Spending
          </caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col" class="num">Epsilon</th>
              <th scope="col">Mechanism</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            ${
              ledger.entries.length === 0
                ? html`<tr>
                    <td colspan="4">No differentially private release yet.</td>
                  </tr>`
                : ledger.entries.map(
                    (e) =>
                      html`<tr>
                        <td><a href="/public/releases/${e.releaseId}">${e.releaseId}</a></td>
                        <td class="num">${e.epsilon}</td>
                        <td>${e.mechanism}</td>
                        <td>${e.recorded.slice(0, 10)}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="table-6">
        <table>
          <caption id="table-6">
            Changes of the lifetime budget
          </caption>
          <thead>
            <tr>
              <th scope="col">Recorded</th>
              <th scope="col" class="num">From</th>
              <th scope="col" class="num">To</th>
              <th scope="col" class="num">Spent then</th>
              <th scope="col">How and why</th>
            </tr>
          </thead>
          <tbody>
            ${
              ledger.changes.length === 0
                ? html`<tr>
                    <td colspan="5">Not set yet.</td>
                  </tr>`
                : ledger.changes.map(
                    (h) =>
                      html`<tr>
                        <td>${h.recorded.slice(0, 10)}</td>
                        <td class="num">${h.previous ?? '–'}</td>
                        <td class="num">${h.epsilon}</td>
                        <td class="num">${h.spent}</td>
                        <td>${SOURCE_TEXT[h.source] ?? h.source}: ${h.reason}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      <p>Machine-readable: <a href="/public/privacy-budget.json">privacy-budget.json</a>.</p>`,
  });
}

const SOURCE_TEXT: Record<string, string> = { policy: 'Set from the policy', operator: 'Changed by an operator', upgrade: 'Carried over' };

export function notFoundPage(message: string) {
  return page({
    title: 'Not found',
    area: 'public',
    body: html`<h1>Not found</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/public">All releases</a></p>`,
  });
}
