/** The one stylesheet, served from our origin (the CSP allows no inline style elements). */
export const SITE_CSS = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --ink: #1b2733; --muted: #4a5866; --line: #d5dbe1; --accent: #0b5cad; --bg: #f4f6f8; --warn: #8a1c1c; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); line-height: 1.5; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, [tabindex]:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #b35c00; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: 0.5rem 1rem; }
.skip:focus { left: 0.5rem; }
header.site { background: #fff; border-bottom: 1px solid var(--line); }
header.site nav { max-width: 64rem; margin: 0 auto; padding: 0.75rem 1rem; display: flex; gap: 1.25rem; flex-wrap: wrap; align-items: baseline; }
header.site .brand { font-weight: 700; color: var(--ink); text-decoration: none; }
main { max-width: 64rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.75rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
.lede { color: var(--muted); max-width: 48rem; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 0.95rem; }
caption { text-align: left; font-weight: 600; padding: 0.5rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-scroll { overflow-x: auto; }
figure { margin: 1rem 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
.chart { position: relative; height: 18rem; }
.chart-note { color: var(--muted); font-size: 0.9rem; margin: 0.5rem 0 0; }
.suppressed { color: var(--warn); border-bottom: 1px dotted var(--warn); cursor: help; position: relative; }
.suppressed .why { display: none; position: absolute; left: 0; top: 1.6rem; z-index: 2; width: 16rem; background: #fff; color: var(--ink); border: 1px solid var(--line); border-radius: 4px; padding: 0.5rem; box-shadow: 0 2px 6px rgb(0 0 0 / 0.15); font-size: 0.85rem; }
.suppressed:hover .why, .suppressed:focus .why { display: block; }
ul.downloads { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 0.5rem; }
ul.downloads a { display: inline-block; padding: 0.4rem 0.8rem; border: 1px solid var(--accent); border-radius: 4px; text-decoration: none; }
pre.methodology { white-space: pre-wrap; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; font-size: 0.9rem; }
.error { background: #fde8e8; color: var(--warn); padding: 0.75rem; border-radius: 4px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.hash { overflow-wrap: anywhere; }
tr.break-glass { background: #fff4e5; }
form.card label { font-weight: 600; margin: 0 1rem 0 0.25rem; }
form.finding textarea { display: block; width: 100%; box-sizing: border-box; margin: 0.25rem 0 0.75rem; }
form.card select { display: block; margin: 0.25rem 0 0.75rem; padding: 0.4rem; font-size: 1rem; max-width: 100%; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; }
legend { font-weight: 600; }
button { padding: 0.5rem 1.1rem; font-size: 1rem; border-radius: 4px; border: 0; background: var(--accent); color: #fff; cursor: pointer; margin-top: 0.5rem; }
.banner { background: #eef4fb; border: 1px solid #b9cfe6; border-radius: 6px; padding: 0.6rem 0.9rem; margin: 0 0 1rem; }
.field-error { color: var(--warn); font-weight: 600; margin: 0.25rem 0 0.5rem; }
[aria-invalid="true"] { border: 2px solid var(--warn); }
input, select, textarea { font: inherit; max-width: 100%; }
img, canvas { max-width: 100%; }
.flag { display: inline-block; background: #fde8e8; color: var(--warn); font-weight: 600; padding: 0 0.35rem; border-radius: 3px; }
.muted { color: var(--muted); }
nav.record-nav { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; margin: 0 0 0.5rem; }
ul.summary-list { padding-left: 1.1rem; margin: 0.25rem 0; }
ul.summary-list li { margin: 0.2rem 0; }
.key-results p { margin: 0.3rem 0; font-size: 1.05rem; }
details.card > summary { cursor: pointer; font-weight: 600; }
form.inline { display: flex; flex-wrap: wrap; align-items: end; gap: 0.5rem 1rem; }
@media (max-width: 40rem) { h1 { font-size: 1.35rem; } .chart { height: 14rem; } }
/* A table of records with a form per row (the operator's participants): on a phone each row is a card, each cell labelled. */
@media (max-width: 40rem) {
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: 0.5rem 0; }
  table.stack th, table.stack td { display: block; border: 0; padding: 0.15rem 0; }
  table.stack td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; }
}
.scopes { overflow-wrap: anywhere; }
`;
