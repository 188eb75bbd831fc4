import { html } from 'hono/html';
import { page } from '../layout.js';
import type { HtmlEscapedString } from 'hono/utils/html';

/** What a caregiver may be given, in the patient's words. */
export const CAREGIVER_CLASSES: readonly [string, string][] = [
  ['Observation', 'Test results and vital signs'],
  ['Condition', 'Health problems'],
  ['MedicationRequest', 'Medications'],
  ['Encounter', 'Visits'],
  ['Procedure', 'Procedures'],
  ['AuditEvent', 'Who has accessed my record'],
  // A delegation: the caregiver may see and change her sharing choices for her.
  ['Consent', 'My sharing choices (they can change them for me)'],
];

/** Sensitive categories a patient may hide from everyone (their security label in v3-ActCode). */
export const HIDEABLE: readonly [string, string, string][] = [
  ['hiv', 'HIV', 'HIV information'],
  ['bh', 'PSY', 'Mental and behavioural health'],
  ['srh', 'SEX', 'Sexual and reproductive health'],
  ['sud', 'ETH', 'Substance use treatment (already private by law unless you name who may see it)'],
];

export function signedOutPage(message?: string) {
  return page({
    title: 'Patient portal',
    area: 'portal',
    body: html`<h1>Patient portal</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p class="lede">See and change who can see your health record, and who has looked at it.</p>
      <p><a href="/portal/login">Sign in</a></p>`,
  });
}

/** What a caregiver sees: only what the patient shared with them, read with their own token. */
export function caregiverPage(m: { patientName: string; sections: { label: string; items: string[] | undefined }[]; csrf: string }) {
  return page({
    title: 'Shared with me',
    area: 'portal',
    body: html`<h1>Shared with me</h1>
      <p class="lede">You are signed in as a caregiver for ${m.patientName}. You see only what they chose to share with you, until the date they set.</p>
      ${m.sections.map(
        (s) =>
          html`<section class="card">
            <h2>${s.label}</h2>
            ${
              s.items === undefined || s.items.length === 0
                ? html`<p>Nothing shared with you here.</p>`
                : html`<ul>
                    ${s.items.map((i) => html`<li>${i}</li>`)}
                  </ul>`
            }
          </section>`,
      )}
      <form method="post" action="/portal/logout"><input type="hidden" name="csrf" value="${m.csrf}" /><button type="submit">Sign out</button></form>`,
  });
}

/** The patient's record exactly as one clinician would get it now: only what `decide` lets through. */
export function previewPage(m: {
  clinician: string;
  visits: { title: string; items: string[] }[];
  count: number;
  banner?: HtmlEscapedString | Promise<HtmlEscapedString>;
}) {
  return page({
    title: 'Preview',
    area: 'portal',
    ...(m.banner ? { banner: m.banner } : {}),
    body: html`<h1>What ${m.clinician} would see</h1>
      <p class="lede">
        Your record as this clinician would get it right now, under the choices made and the law: ${m.count} item(s). Anything not listed here would not be
        shown to them.
      </p>
      <p><a href="/portal">Back to the sharing choices</a></p>
      ${
        m.visits.length === 0
          ? html`<p>Nothing: this clinician would not see your record.</p>`
          : m.visits.map(
              (v) =>
                html`<section class="card">
                  <h2>${v.title}</h2>
                  <ul>
                    ${v.items.map((i) => html`<li>${i}</li>`)}
                  </ul>
                </section>`,
            )
      }`,
  });
}
