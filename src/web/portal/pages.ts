import { html } from 'hono/html';
import { page } from '../layout.js';
import type { ToldLine } from './told.js';

export interface AccessRow {
  actor: string;
  name: string;
  permit: boolean;
  withheld: string[];
  reasons: string[];
}

export interface HistoryRow {
  when: string;
  who: string;
  organization: string;
  purpose: string;
  outcome: string;
  breakGlass: boolean;
  what: string;
}

/** What a caregiver may be given, in the patient's words. */
export const CAREGIVER_CLASSES: readonly [string, string][] = [
  ['Observation', 'Test results and vital signs'],
  ['Condition', 'Health problems'],
  ['MedicationRequest', 'Medications'],
  ['Encounter', 'Visits'],
  ['Procedure', 'Procedures'],
  ['AuditEvent', 'Who has accessed my record'],
];

/** Sensitive categories a patient may hide from everyone (their security label in v3-ActCode). */
export const HIDEABLE: readonly [string, string, string][] = [
  ['hiv', 'HIV', 'HIV information'],
  ['bh', 'PSY', 'Mental and behavioural health'],
  ['srh', 'SEX', 'Sexual and reproductive health'],
  ['sud', 'ETH', 'Substance use treatment (already private by law unless you name who may see it)'],
];

export interface DashboardModel {
  patientName: string;
  access: AccessRow[];
  organizations: { id: string; name: string }[];
  researchOptOut: boolean;
  /** Organizations she lets be told of a mental health stay as a notice only (class and period). */
  noticeTo?: string[];
  caregivers: { id: string; name: string }[];
  clinicians: { id: string; name: string }[];
  hidden: string[];
  today: string;
  history: HistoryRow[];
  /** Plain sentences: who was told of her visits, and who opened her record in an emergency (told.ts). */
  told?: ToldLine[];
  csrf: string;
  message?: { kind: 'ok' | 'error'; text: string };
  receipt?: string;
}

export function dashboardPage(m: DashboardModel) {
  return page({
    title: 'My sharing choices',
    body: html`<h1>My sharing choices</h1>
      <p class="lede">
        Signed in as ${m.patientName}. Here is who can see your health record, why, and what they have looked at. Every change you make is saved as a FHIR
        Consent and comes with a signed receipt.
      </p>
      ${m.message ? html`<p class="${m.message.kind === 'error' ? 'error' : 'card'}" role="${m.message.kind === 'error' ? 'alert' : 'status'}">${m.message.text}</p>` : ''}
      ${
        m.receipt
          ? html`<div class="card">
              <h2>Your signed receipt</h2>
              <p>A JWS signed with the gateway's key; keep it as proof of what you chose.</p>
              <p><a href="/portal/receipt" download="consent-receipt.jws">Download the receipt</a></p>
              <details>
                <summary>Show the receipt</summary>
                <pre class="methodology">${m.receipt}</pre>
              </details>
            </div>`
          : ''
      }

      <h2 id="who">Who can see my data</h2>
      <div class="table-scroll">
        <table>
          <caption>
            Organizations in the exchange and what they may see now
          </caption>
          <thead>
            <tr>
              <th scope="col">Organization</th>
              <th scope="col">Can see my record?</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            ${m.access.map(
              (a) =>
                html`<tr>
                  <th scope="row">${a.name}</th>
                  <td>${a.permit ? (a.withheld.length ? `Yes, except ${a.withheld.join(', ')}` : 'Yes') : 'No'}</td>
                  <td>
                    <ul>
                      ${a.reasons.map((r) => html`<li>${r}</li>`)}
                    </ul>
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>

      <form class="card" method="get" action="/portal/preview">
        <label for="preview-actor">What would this clinician see?</label>
        <select id="preview-actor" name="actor" required>
          ${m.clinicians.map((c) => html`<option value="${c.id}">${c.name}</option>`)}
        </select>
        <button type="submit">Preview</button>
      </form>

      <h2 id="change">Change a choice</h2>
      <form class="card" method="post" action="/portal/choices/organization">
        <input type="hidden" name="csrf" value="${m.csrf}" />
        <label for="organization">Organization</label>
        <select id="organization" name="organization" required>
          ${m.organizations.map((o) => html`<option value="${o.id}">${o.name}</option>`)}
        </select>
        <fieldset>
          <legend>Access to my record</legend>
          <input type="radio" id="org-block" name="choice" value="block" checked /><label for="org-block">Block this organization</label>
          <input type="radio" id="org-allow" name="choice" value="allow" /><label for="org-allow">Remove my block</label>
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/research">
        <input type="hidden" name="csrf" value="${m.csrf}" />
        <fieldset>
          <legend>Research and public-health statistics (de-identified)</legend>
          <p>You are currently <strong>${m.researchOptOut ? 'left out of' : 'included in'}</strong> the published statistics.</p>
          <input type="radio" id="research-out" name="choice" value="out" ${m.researchOptOut ? 'checked' : ''} /><label for="research-out">Leave me out</label>
          <input type="radio" id="research-in" name="choice" value="in" ${m.researchOptOut ? '' : 'checked'} /><label for="research-in">Include me</label>
        </fieldset>
        <button type="submit">Save</button>
      </form>

      <form class="card" method="post" action="/portal/choices/sensitive">
        <input type="hidden" name="csrf" value="${m.csrf}" />
        <fieldset>
          <legend>Hide sensitive information from everyone who sees my record</legend>
          ${HIDEABLE.map(([id, , label]) => html`<input type="checkbox" id="hide-${id}" name="hide" value="${id}" ${m.hidden.includes(id) ? 'checked' : ''} /><label for="hide-${id}">${label}</label><br />`)}
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/visit-notice">
        <input type="hidden" name="csrf" value="${m.csrf}" />
        <fieldset>
          <legend>When I am in hospital for mental health care</legend>
          <p>No one is told of such a stay unless you say so. You can let an organization be told that you were in hospital, and when, but not where or why.</p>
          <p id="notice-current">
            ${
              m.hidden.includes('bh')
                ? 'You hide mental health information from everyone (above), so no organization is told.'
                : (m.noticeTo ?? []).length === 0
                  ? 'No organization is told now.'
                  : `Told now: ${(m.noticeTo ?? []).map((id) => m.organizations.find((o) => o.id === id)?.name ?? id).join(', ')}.`
            }
          </p>
          <label for="notice-organization">Organization</label>
          <select id="notice-organization" name="organization" required>
            ${m.organizations.map((o) => html`<option value="${o.id}">${o.name}</option>`)}
          </select>
          <br />
          <input type="radio" id="notice-on" name="choice" value="on" required /><label for="notice-on">Tell them I was in hospital, not where or why</label>
          <br />
          <input type="radio" id="notice-off" name="choice" value="off" /><label for="notice-off">Tell them nothing</label>
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/caregiver">
        <input type="hidden" name="csrf" value="${m.csrf}" />
        <fieldset>
          <legend>Let a caregiver see part of my record</legend>
          ${
            m.caregivers.length === 0
              ? html`<p>No caregiver is registered for you yet.</p>`
              : html`<label for="caregiver">Caregiver</label>
                  <select id="caregiver" name="caregiver" required>
                    ${m.caregivers.map((c) => html`<option value="${c.id}">${c.name}</option>`)}
                  </select>
                  <p>What they may see:</p>
                  ${CAREGIVER_CLASSES.map(([code, label]) => html`<input type="checkbox" id="cls-${code}" name="class" value="${code}" /><label for="cls-${code}">${label}</label> `)}
                  <p><label for="until">Until</label> <input type="date" id="until" name="until" required min="${m.today}" /></p>`
          }
        </fieldset>
        ${m.caregivers.length === 0 ? '' : html`<button type="submit">Save</button>`}
      </form>

      <h2 id="told">Who was told about my visits</h2>
      ${
        (m.told ?? []).length === 0
          ? html`<p>No one has been told of a hospital or emergency visit of yours, and no one has opened your record in an emergency.</p>`
          : html`<ul class="told">
              ${(m.told ?? []).map((t) => html`<li><time datetime="${t.when}">${t.when.slice(0, 10)}</time>: ${t.text}</li>`)}
            </ul>`
      }

      <h2 id="history">Who has accessed my record</h2>
      <div class="table-scroll">
        <table>
          <caption>
            Access history, newest first. Emergency (break-the-glass) access is marked.
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Organization</th>
              <th scope="col">Purpose</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            ${
              m.history.length === 0
                ? html`<tr>
                    <td colspan="5">No one has accessed your record yet.</td>
                  </tr>`
                : m.history.map(
                    (h) =>
                      html`<tr${h.breakGlass ? html` class="break-glass"` : ''}><td>${h.when.replace('T', ' ').slice(0, 16)}</td><td>${h.breakGlass ? html`<strong>Emergency access:</strong> ` : ''}${h.who}</td><td>${h.organization}</td><td>${h.purpose}</td><td>${h.outcome}</td></tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      <form method="post" action="/portal/logout"><input type="hidden" name="csrf" value="${m.csrf}" /><button type="submit">Sign out</button></form>`,
  });
}

export function signedOutPage(message?: string) {
  return page({
    title: 'Patient portal',
    body: html`<h1>Patient portal</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p class="lede">See and change who can see your health record, and who has looked at it.</p>
      <p><a href="/portal/login">Sign in</a></p>`,
  });
}

/** What a caregiver sees: only what the patient shared with them, read with their own token. */
export function caregiverPage(m: { patient: string; sections: { label: string; items: string[] | undefined }[]; csrf: string }) {
  return page({
    title: 'Shared with me',
    body: html`<h1>Shared with me</h1>
      <p class="lede">You are signed in as a caregiver for ${m.patient}. You see only what they chose to share with you, until the date they set.</p>
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
export function previewPage(m: { clinician: string; visits: { title: string; items: string[] }[]; count: number }) {
  return page({
    title: 'Preview',
    body: html`<h1>What ${m.clinician} would see</h1>
      <p class="lede">
        Your record as this clinician would get it right now, under your choices and the law: ${m.count} item(s). Anything not listed here would not be shown to
        them.
      </p>
      <p><a href="/portal">Back to my choices</a></p>
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
