import { html } from 'hono/html';
import type { ReleaseRow } from '../../release/store.js';
import { page } from '../layout.js';

type Entry = Record<string, string>;

// [element, heading, the dictionary's columns shown for it (name first), their headings]
const SECTIONS = [
  ['column', 'Columns of metrics.csv', ['name', 'kind', 'definition'], ['Column', 'Type', 'Meaning']],
  [
    'measure',
    'Measures',
    ['name', 'kind', 'unit', 'definition', 'numerator', 'denominator', 'multiplier', 'decimals', 'periods'],
    ['Measure', 'Kind', 'Unit', 'Definition', 'Numerator', 'Denominator', 'Multiplier', 'Decimals', 'Periods'],
  ],
  ['status', 'Status codes', ['name', 'definition'], ['Status', 'Meaning']],
  ['reason', 'Reasons a value is withheld', ['name', 'definition'], ['Reason', 'Meaning']],
] as const;

/**
 * A release's data dictionary (its own dictionary.csv, so it describes that release and no
 * other), one table per kind of element. An element of a kind this page does not know is still
 * shown, under "Other".
 */
export function dictionaryPage(release: ReleaseRow, entries: readonly Entry[]) {
  const known = new Set<string>(SECTIONS.map(([e]) => e));
  const other = entries.filter((e) => !known.has(e.element ?? ''));
  return page({
    title: `Data dictionary of ${release.id}`,
    area: 'public',
    body: html`<h1>Data dictionary of release ${release.id}</h1>
      <p>
        <a href="/public/releases/${release.id}">Back to the release</a> ·
        <a href="/public/datasets/${release.id}/dictionary.csv" download>Download (CSV)</a>
      </p>
      ${SECTIONS.map(([element, heading, columns, headings]) =>
        section(
          heading,
          columns,
          headings,
          entries.filter((e) => e.element === element),
        ),
      )}
      ${other.length > 0 ? section('Other', ['element', 'name', 'definition'], ['Element', 'Name', 'Meaning'], other) : ''}`,
  });
}

function section(heading: string, columns: readonly string[], headings: readonly string[], entries: readonly Entry[]) {
  if (entries.length === 0) return '';
  const slug = `dictionary-${heading.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return html`<h2>${heading}</h2>
    <div class="table-scroll" tabindex="0" role="region" aria-labelledby="${slug}">
      <table class="dictionary">
        <caption id="${slug}">
          ${heading} (${entries.length})
        </caption>
        <thead>
          <tr>
            ${headings.map((h) => html`<th scope="col">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${entries.map(
            (e) =>
              html`<tr>
                <th scope="row"><code>${e[columns[0]!] ?? ''}</code></th>
                ${columns.slice(1).map((c) => html`<td>${e[c] ?? ''}</td>`)}
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
