import type { Purpose } from '../auth/purposes.js';
import { purposeInWords, scopeInWords } from './scope-words.js';
import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { KoaContextWithOIDC } from 'oidc-provider';

const STYLE = raw(`<style>
  :root { color-scheme: light; font-family: system-ui, sans-serif; }
  body { margin: 0; background: #f4f6f8; color: #1b2733; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 3px rgb(0 0 0 / 0.12); }
  h1 { font-size: 1.4rem; margin-top: 0; }
  label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: 0.6rem; font-size: 1rem; border: 1px solid #6b7785; border-radius: 4px; }
  button { margin-top: 1.5rem; padding: 0.6rem 1.2rem; font-size: 1rem; border-radius: 4px; border: 0; background: #0b5cad; color: #fff; cursor: pointer; }
  button.secondary { background: #e3e7eb; color: #1b2733; }
  button:focus-visible, input:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
  .error { background: #fde8e8; color: #8a1c1c; padding: 0.75rem; border-radius: 4px; }
  ul { padding-left: 1.2rem; } code { font-size: 0.9em; }
</style>`);

export function page(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · Consent Gateway</title>
        ${STYLE}
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;
}

export function loginPage(opts: { uid: string; clientName: string; error?: string; username?: string }) {
  return page(
    'Sign in',
    html`<h1>Sign in to Consent Gateway</h1>
      <p><strong>${opts.clientName}</strong> wants to access your health information.</p>
      ${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
      <form method="post" action="/oidc/interaction/${opts.uid}/login">
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value="${opts.username ?? ''}" />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>`,
  );
}

/**
 * The approval page says what the app asks for in words. Patients and caregivers see nothing
 * else (no scope strings, no purpose codes); staff also get the technical details, folded away.
 */
export function consentPage(opts: {
  uid: string;
  clientName: string;
  account: string;
  granted: string[];
  withheld: string[];
  purposes: Purpose[];
  forPatient: boolean;
}) {
  const whose = opts.forPatient ? 'your' : 'patients';
  return page(
    'Approve access',
    html`<h1>Approve access</h1>
      <p>Signed in as <strong>${opts.account}</strong>.</p>
      <p><strong>${opts.clientName}</strong> asks to:</p>
      <ul>
        ${[...new Set(opts.granted.map((s) => scopeInWords(s, whose)))].map((s) => html`<li>${s}</li>`)}
      </ul>
      ${
        opts.withheld.length > 0
          ? html`<p>It also asked for more than your role allows; that is not granted:</p>
              <ul>
                ${[...new Set(opts.withheld.map((s) => scopeInWords(s, whose)))].map((s) => html`<li>${s}</li>`)}
              </ul>`
          : ''
      }
      <p>It will use them ${opts.purposes.map(purposeInWords).join(', or ')}.</p>
      ${
        opts.forPatient
          ? ''
          : html`<details>
              <summary>Technical details</summary>
              <p>
                Scopes:
                ${opts.granted.map((s) => html`<code>${s}</code> `)}${opts.withheld.length ? html`; withheld: ${opts.withheld.map((s) => html`<code>${s}</code> `)}` : ''}
              </p>
              <p>Purpose of use: ${opts.purposes.join(', ')}</p>
            </details>`
      }
      <form method="post" action="/oidc/interaction/${opts.uid}/confirm"><button type="submit">Allow</button></form>
      <form method="post" action="/oidc/interaction/${opts.uid}/abort"><button type="submit" class="secondary">Deny</button></form>`,
  );
}

/** oidc-provider's error page: the OAuth error and its description, never a stack. */
export async function renderError(ctx: KoaContextWithOIDC, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html';
  ctx.body = String(
    await page(
      'Error',
      html`<h1>Something went wrong</h1>
        <p class="error" role="alert"><code>${out.error}</code>: ${out.error_description ?? ''}</p>`,
    ),
  );
}
