import { html, raw } from 'hono/html';
import { page } from '../layout.js';
import { dayText } from './fhir-values.js';
import type { groupRecord, Item } from './record.js';
import type { Result } from './results.js';
import type { Line, RecordSummary } from './summary.js';
import type { Trend } from './trends.js';

/**
 * On every record page, always the same words: shown only when something was withheld, it would
 * tell the clinician that something was (and, for a Part 2 program, what kind of thing).
 */
const RECORD_BANNER = 'Patients can restrict what is shared; this record may not be complete.';

type Names = ReadonlyMap<string, string>;
const day = (when: string) => (when ? dayText(when) : '');

function recordNav(id: string, here: 'summary' | 'visits') {
  return html`<nav class="record-nav" aria-label="This record">
    ${here === 'summary' ? html`<span aria-current="page">Summary</span>` : html`<a href="/clinician/patients/${id}">Summary</a>`}
    ${here === 'visits' ? html`<span aria-current="page">By visit and source</span>` : html`<a href="/clinician/patients/${id}/visits">By visit and source</a>`}
    <a href="/clinician">Back to my patients</a>
  </nav>`;
}

function lines(title: string, items: readonly Line[], from: (s: string) => string, empty: string, when = 'Since') {
  return html`<section class="card" aria-labelledby="${slug(title)}">
    <h2 id="${slug(title)}">${title}</h2>
    ${
      items.length === 0
        ? html`<p>${empty}</p>`
        : html`<ul class="summary-list">
            ${items.map(
              (i) =>
                html`<li>
                  <strong>${i.what}</strong>${i.detail ? html` · ${i.detail}` : ''}${i.when ? html` · ${when} ${day(i.when)}` : ''}
                  <small>(from ${from(i.source)})</small>
                </li>`,
            )}
          </ul>`
    }
  </section>`;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function flagText(r: Result) {
  if (!r.flag) return '';
  const word = r.flag === 'high' ? 'High' : r.flag === 'low' ? 'Low' : 'Abnormal';
  return html`<span class="flag">${word}</span>${r.flagFrom === 'range' ? html` <small>(outside range)</small>` : ''}`;
}

function resultsTable(results: readonly Result[], from: (s: string) => string) {
  if (results.length === 0) return html`<p>No lab or vital sign results in this record.</p>`;
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
    <table>
      <caption>
        Latest result of each test
      </caption>
      <thead>
        <tr>
          <th scope="col">Test</th>
          <th scope="col">Value</th>
          <th scope="col">Reference range</th>
          <th scope="col">Flag</th>
          <th scope="col">Date</th>
          <th scope="col">Source</th>
        </tr>
      </thead>
      <tbody>
        ${results.map(
          (r) =>
            html`<tr>
              <td>${r.what}</td>
              <td class="num">${r.value}</td>
              <td>${r.range ?? html`<span class="muted">not given</span>`}</td>
              <td>${flagText(r)}</td>
              <td>${day(r.when)}</td>
              <td>${from(r.source)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** Prescriptions, then what pharmacy claims say she is still filling that no prescription here names. */
function medicationsCard(s: RecordSummary, from: (source: string) => string) {
  return html`<section class="card" aria-labelledby="medications">
    <h2 id="medications">Medications</h2>
    ${s.medications.length === 0 && s.dispensed.length === 0 ? html`<p>No active medications recorded.</p>` : ''}
    ${
      s.medications.length > 0
        ? html`<ul class="summary-list">
            ${s.medications.map(
              (i) =>
                html`<li>
                  <strong>${i.what}</strong>${i.detail ? html` · ${i.detail}` : ''}${i.when ? html` · Prescribed ${day(i.when)}` : ''}
                  <small>(from ${from(i.source)})</small>
                </li>`,
            )}
          </ul>`
        : ''
    }
    ${
      s.dispensed.length > 0
        ? html`<p>Filled at a pharmacy (claims)${s.medications.length > 0 ? ', with no prescription here' : ''}:</p>
            <ul class="summary-list">
              ${s.dispensed.map(
                (f) =>
                  html`<li>
                    <strong>${f.drug}</strong> · last filled ${day(f.last)} · ${f.fills} ${f.fills === 1 ? 'fill' : 'fills'} since ${day(f.first)}
                    <small>(from ${from(f.source)})</small>
                  </li>`,
              )}
            </ul>`
        : ''
    }
  </section>`;
}

/** A trend as a line chart (drawn by /assets/charts.js) over a table that says the same without it. */
function trendFigure(id: string, t: Trend) {
  if (t.points.length === 0) return html`<p>${t.sentence}</p>`;
  const spec = {
    type: 'line',
    unit: t.unit,
    labels: t.points.map((p) => day(p.when)),
    datasets: t.series.map((label, i) => ({ label, data: t.points.map((p) => p.values[i] ?? null) })),
  };
  // JSON inside a data block: escape "<" so no "</script>" can end it early.
  const json = JSON.stringify(spec).replace(/</g, '\\u003c');
  return html`<figure data-chart="${id}">
    <figcaption id="${id}-caption">${t.name} over time (${t.unit})</figcaption>
    <div class="chart"><canvas role="img" aria-labelledby="${id}-caption ${id}-trend"></canvas></div>
    <p id="${id}-trend">${t.sentence}</p>
    <script type="application/json">
      ${raw(json)}
    </script>
    <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
      <table>
        <caption>
          ${t.name} results, oldest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">${t.name}</th>
          </tr>
        </thead>
        <tbody>
          ${t.points.map(
            (p) =>
              html`<tr>
                <td>${day(p.when)}</td>
                <td class="num">${p.text}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </figure>`;
}

/** The first screen of a record: what a clinician needs to care for the patient, newest first. */
export function summaryPage(m: { id: string; name?: string; summary: RecordSummary; careGaps?: readonly string[]; sourceNames: Names }) {
  const from = (s: string) => m.sourceNames.get(s) ?? s;
  const s = m.summary;
  const hba1c = s.trends.hba1c;
  const latestA1c = s.results.find((r) => r.what === hba1c.name || /a1c/i.test(r.what));
  return page({
    title: 'Patient record',
    area: 'clinician',
    banner: html`${RECORD_BANNER}`,
    scripts: ['chart.umd.min.js', 'charts.js'],
    body: html`<h1>${m.name || `Patient ${m.id}`}</h1>
      ${recordNav(m.id, 'summary')}
      <section class="card key-results" aria-labelledby="key-results">
        <h2 id="key-results">Key results</h2>
        <p data-trend="hba1c">
          ${hba1c.sentence}${latestA1c?.range ? html` Reference range ${latestA1c.range}.` : ''}${latestA1c?.flag ? html` ${flagText(latestA1c)}` : ''}
        </p>
        <p data-trend="blood-pressure">${s.trends.bloodPressure.sentence}</p>
      </section>
      ${lines('Active problems', s.problems, from, 'No active problems recorded.', 'Onset')} ${medicationsCard(s, from)}
      ${lines('Allergies', s.allergies, from, 'No allergies recorded.', 'Recorded')}
      <section class="card" aria-labelledby="care-gaps">
        <h2 id="care-gaps">Open care gaps</h2>
        ${
          m.careGaps === undefined
            ? html`<p>Care gaps could not be computed for this record just now.</p>`
            : m.careGaps.length === 0
              ? html`<p>No open care gaps this measurement year.</p>`
              : html`<ul class="summary-list">
                  ${m.careGaps.map((g) => html`<li>${g}</li>`)}
                </ul>`
        }
      </section>
      <section aria-labelledby="results">
        <h2 id="results">Latest labs and vitals</h2>
        ${resultsTable(s.results, from)}
      </section>
      <section aria-labelledby="trends">
        <h2 id="trends">Trends</h2>
        ${trendFigure('trend-hba1c', hba1c)} ${trendFigure('trend-bp', s.trends.bloodPressure)}
      </section>
      <section class="card" aria-labelledby="encounters">
        <h2 id="encounters">Recent encounters</h2>
        ${
          s.encounters.length === 0
            ? html`<p>No encounters in this record.</p>`
            : html`<ul class="summary-list">
                ${s.encounters.map(
                  (e) =>
                    html`<li>
                      ${e.kind === 'admission' ? html`<span class="flag">Admission</span> ` : e.kind === 'emergency' ? html`<span class="flag">Emergency</span> ` : ''}<strong
                        >${e.what}</strong
                      >
                      · ${day(e.when)}${e.end && e.end.slice(0, 10) !== e.when.slice(0, 10) ? html` to ${day(e.end)}` : ''}
                      <small>(from ${from(e.source)})</small>
                    </li>`,
                )}
              </ul>`
        }
      </section>
      ${lines('Immunizations', s.immunizations, from, 'No immunizations recorded.', 'Given')}
      <p><a href="/clinician/patients/${m.id}/visits">Everything in this record, by visit and by source</a></p>`,
  });
}

/** Behind the summary: every item by visit, the pharmacy fills one line per drug, and where it all came from. */
export function visitsPage(m: { id: string; name?: string; record: ReturnType<typeof groupRecord>; summary: RecordSummary; sourceNames: Names }) {
  const from = (source: string) => m.sourceNames.get(source) ?? source;
  const fromItem = (i: Item) => from(i.source);
  return page({
    title: 'Patient record by visit',
    area: 'clinician',
    banner: html`${RECORD_BANNER}`,
    body: html`<h1>${m.name || `Patient ${m.id}`}: by visit and source</h1>
      ${recordNav(m.id, 'visits')}
      <h2>By visit</h2>
      ${m.record.visits.map(
        (v) =>
          html`<details class="card">
            <summary>
              ${v.encounter ? html`${v.encounter.what}, ${day(v.encounter.when)} <small>(from ${fromItem(v.encounter)})</small>` : 'Not tied to a visit'}
              (${v.items.length} ${v.items.length === 1 ? 'item' : 'items'})
            </summary>
            <ul>
              ${v.items.map((i) => html`<li>${i.type}: ${i.what}${i.when ? `, ${day(i.when)}` : ''} <small>(from ${fromItem(i)})</small></li>`)}
            </ul>
          </details>`,
      )}
      <h2>Pharmacy fills</h2>
      ${
        m.summary.pharmacyFills.length === 0
          ? html`<p>No pharmacy claims in this record.</p>`
          : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
              <table>
                <caption>
                  Pharmacy claims, one line per drug
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Drug</th>
                    <th scope="col" class="num">Fills</th>
                    <th scope="col">First</th>
                    <th scope="col">Last</th>
                    <th scope="col">Source</th>
                  </tr>
                </thead>
                <tbody>
                  ${m.summary.pharmacyFills.map(
                    (f) =>
                      html`<tr>
                        <td>${f.drug}</td>
                        <td class="num">${f.fills}</td>
                        <td>${day(f.first)}</td>
                        <td>${day(f.last)}</td>
                        <td>${from(f.source)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
      }
      <h2>By source</h2>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
        <table>
          <caption>
            Where this record came from
          </caption>
          <thead>
            <tr>
              <th scope="col">Source</th>
              <th scope="col" class="num">Items</th>
              <th scope="col">Kinds</th>
            </tr>
          </thead>
          <tbody>
            ${m.record.sources.map(
              (s) =>
                html`<tr>
                  <td>${from(s.source)}</td>
                  <td class="num">${s.count}</td>
                  <td>${s.types.join(', ')}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
  });
}
