import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Which part of the site a page belongs to: it decides the navigation links, nothing else. */
export type Area = 'public' | 'portal' | 'clinician' | 'operator';

const NAV: Record<Area, readonly [string, string][]> = {
  public: [
    ['/public', 'Public data'],
    ['/public/compare', 'Compare releases'],
    ['/public/privacy-budget', 'Privacy budget'],
  ],
  portal: [['/portal', 'My record and choices']],
  clinician: [
    ['/clinician', 'My patients'],
    ['/clinician/notifications', 'Notifications'],
    ['/clinician/reports', 'Reports'],
  ],
  operator: [
    ['/operator', 'Operator console'],
    ['/operator/participants', 'Participants'],
    ['/operator/audit', 'Audit chain'],
    ['/operator/reviews', 'Reviews'],
    ['/operator/ingestion', 'Ingestion'],
    ['/operator/releases', 'Releases'],
  ],
};

/**
 * Every page: one h1 (in the body), a skip link, landmarks, and only our own CSS and scripts.
 * `banner` is shown above the h1 on every page of a kind that has one (the clinician's record
 * says it may be incomplete, always; a caregiver sees whom he acts for), so it never depends on
 * what was withheld.
 */
export function page(opts: { title: string; body: Body; scripts?: string[]; area?: Area; banner?: Body }) {
  const links = NAV[opts.area ?? 'public'];
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.title} · Consent Gateway</title>
        <link rel="stylesheet" href="/assets/site.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <nav aria-label="Site">
            <a class="brand" href="${links[0]![0]}">Consent Gateway</a>
            ${links.map(([href, label]) => html`<a href="${href}">${label}</a>`)}
          </nav>
        </header>
        <main id="main">${opts.banner ? html`<div class="banner" role="note">${opts.banner}</div>` : ''}${opts.body}</main>
        ${(opts.scripts ?? []).map((s) => html`<script src="/assets/${s}" defer></script>`)}
      </body>
    </html>`;
}
