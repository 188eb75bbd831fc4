import { html } from 'hono/html';
import type { ReleaseRow } from '../../release/store.js';
import { fieldAttrs, fieldError } from '../forms.js';
import { page } from '../layout.js';
import type { Comparison } from './compare.js';
import type { CompareQuery } from './compare-query.js';
import { COMPARE_TABLES } from './compare-query.js';
import { cell, INTERVAL_MEANING } from './pages.js';

/**
 * The comparison of two releases: a GET form (works without JavaScript, and a comparison is a
 * link) and, when two releases were chosen, one row per cell both carry.
 */
export function comparePage(releases: readonly ReleaseRow[], query: CompareQuery, comparison?: Comparison) {
  const ids = releases.map((r) => r.id);
  // Without a choice yet: the latest release against the one before it.
  const a = query.typed.a || ids[1] || ids[0] || '';
  const b = query.typed.b || ids[0] || '';
  const noisy = releases.some((r) => (r.id === a || r.id === b) && r.mode === 'differential-privacy');
  const errors = query.errors;
  const select = (id: 'a' | 'b', label: string, chosen: string) =>
    html`<label for="${id}">${label}</label>
      <select id="${id}" name="${id}" ${fieldAttrs(errors, id)}>
        ${ids.includes(chosen) || chosen === '' ? '' : html`<option value="${chosen}" selected>${chosen} (unknown)</option>`}
        ${releases.map((r) => html`<option value="${r.id}" ${r.id === chosen ? 'selected' : ''}>${r.id} (${r.issued.slice(0, 10)}, ${r.years.join(', ')})</option>`)}
      </select>
      ${fieldError(errors, id)}`;
  return page({
    title: 'Compare releases',
    area: 'public',
    body: html`<h1>Compare two releases</h1>
      <p class="lede">
        Every cell both releases carry, with what each published and the change between them. A cell withheld in either release says so, with its reason, and
        has no change: this page shows only what each release published itself, never a figure worked out for a withheld cell.
      </p>
      ${Object.keys(errors).length > 0 ? html`<p class="error" role="alert">These cannot be compared: see the field marked below.</p>` : ''}
      <form class="card" method="get" action="/public/compare">
        ${select('a', 'First release', a)} ${select('b', 'Second release', b)}
        <label for="table">Table</label>
        <select id="table" name="table" ${fieldAttrs(errors, 'table')}>
          ${COMPARE_TABLES.includes(query.typed.table) ? '' : html`<option value="${query.typed.table}" selected>${query.typed.table} (unknown)</option>`}
          ${COMPARE_TABLES.map((t) => html`<option value="${t}" ${t === query.typed.table ? 'selected' : ''}>${t.replace(/_/g, ' ')}</option>`)}
        </select>
        ${fieldError(errors, 'table')}
        <button type="submit">Compare</button>
      </form>
      ${comparison && query.valid ? results(query.valid, comparison, noisy) : ''}`,
  });
}

function results(q: { a: string; b: string; table: string }, c: Comparison, noisy: boolean) {
  const change = (x: number | null) =>
    x === null ? html`<span title="No change is given where either release has no value">–</span>` : (x > 0 ? '+' : '') + x.toLocaleString('en-US');
  return html`<h2>${q.a} and ${q.b}: table ${q.table.replace(/_/g, ' ')}</h2>
    ${noisy ? html`<p class="chart-note">${INTERVAL_MEANING} A change smaller than the intervals may be noise alone.</p>` : ''}
    <p>
      ${c.cells.length.toLocaleString('en-US')} cells in both; ${c.onlyA.toLocaleString('en-US')} only in ${q.a}, ${c.onlyB.toLocaleString('en-US')} only in
      ${q.b} (not shown).
    </p>
    <div class="table-scroll" tabindex="0" role="region" aria-labelledby="compare-1">
      <table class="compare">
        <caption id="compare-1">
          ${q.a} and ${q.b}, each cell as each published it. Rates are fractions, as in the files.
        </caption>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Stratum</th>
            <th scope="col">Measure</th>
            <th scope="col" class="num">${q.a}</th>
            <th scope="col" class="num">${q.b}</th>
            <th scope="col" class="num">Change</th>
          </tr>
        </thead>
        <tbody>
          ${c.cells.map(
            (x) =>
              html`<tr data-cell="${x.cellId}">
                <td>${x.period}</td>
                <td>${x.stratum}</td>
                <th scope="row">${x.measure}</th>
                <td class="num">${cell(x.a)}</td>
                <td class="num">${cell(x.b)}</td>
                <td class="num">${change(x.change)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
