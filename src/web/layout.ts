import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Body = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Every page: one h1 (in the body), a skip link, landmarks, and only our own CSS and scripts. */
export function page(opts: { title: string; body: Body; scripts?: string[] }) {
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
            <a class="brand" href="/public">Consent Gateway</a>
            <a href="/public">Public data</a>
            <a href="/public/privacy-budget">Privacy budget</a>
          </nav>
        </header>
        <main id="main">${opts.body}</main>
        ${(opts.scripts ?? []).map((s) => html`<script src="/assets/${s}" defer></script>`)}
      </body>
    </html>`;
}
