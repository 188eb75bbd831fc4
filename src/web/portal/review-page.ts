import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { fieldAttrs, fieldError, formRefused, type FieldErrors } from '../forms.js';
import { page } from '../layout.js';

/** The form to ask for a review of one emergency access: a note is required (why she asks). */
export function reviewPage(m: {
  grant: string;
  text: string;
  review: string;
  mayAsk: boolean;
  csrf: string;
  note?: string;
  errors?: FieldErrors;
  banner?: HtmlEscapedString | Promise<HtmlEscapedString>;
}) {
  return page({
    title: 'Ask for a review',
    area: 'portal',
    ...(m.banner ? { banner: m.banner } : {}),
    body: html`<h1>Ask for a review of an emergency access</h1>
      <p>${m.text}</p>
      <p><strong>${m.review}</strong></p>
      ${
        m.mayAsk
          ? html`<form class="card" method="post" action="/portal/reviews/${encodeURIComponent(m.grant)}" novalidate>
              <input type="hidden" name="csrf" value="${m.csrf}" />
              ${formRefused(m.errors)}
              <p>
                An operator of the exchange reviews every emergency access. Tell them why you want this one looked at, and they will record whether it was
                justified.
              </p>
              <label for="note">Why do you want it reviewed?</label>
              <textarea id="note" name="note" rows="4" maxlength="1000" required${fieldAttrs(m.errors, 'note')}>${m.note ?? ''}</textarea>
              ${fieldError(m.errors, 'note')}
              <button type="submit">Ask for a review</button>
            </form>`
          : ''
      }
      <p><a href="/portal#emergency">Back to the sharing choices</a></p>`,
  });
}
