import { html } from 'hono/html';
import { fieldAttrs, fieldError, formRefused, type FieldErrors } from '../forms.js';
import { page } from '../layout.js';
import type { Named } from './directory.js';
import type { HistoryRow } from './history.js';
import { historyTable } from './history-page.js';
import { CAREGIVER_CLASSES, HIDEABLE } from './pages.js';
import type { ToldLine } from './told.js';
import type { SeeRow, WhoCanSee } from './who-can-see.js';

/** A refused form, kept for the page it redirects to (post/redirect/get): its field errors and what was typed. */
export interface FormState {
  kind: string;
  errors: FieldErrors;
  values: Record<string, string | string[]>;
}

/** One emergency opening of her record, in words, with where its review stands. */
export interface EmergencyLine {
  grant: string;
  text: string;
  review: string;
  mayAsk: boolean;
}

export interface DashboardModel {
  /** Her name; when a caregiver acts for her, the page speaks of her by it. */
  patientName: string;
  /** The caregiver acting for her, or undefined when she is signed in herself. */
  actingAs?: string;
  who: WhoCanSee;
  organizations: readonly Named[];
  researchOptOut: boolean;
  noticeTo?: string[];
  caregivers: readonly Named[];
  clinicians: readonly Named[];
  hidden: string[];
  today: string;
  history: HistoryRow[];
  olderHistory?: string;
  told?: ToldLine[];
  emergencies: EmergencyLine[];
  /** Changes her caregiver made, each as his ("Daniel Alvarez, your caregiver, blocked …"). */
  changesByOthers: string[];
  csrf: string;
  message?: { kind: 'ok' | 'error'; text: string };
  form?: FormState;
  receipt?: string;
}

/** The banner on every page a caregiver sees while acting for her. */
export const actingBanner = (patientName: string, caregiver: string) =>
  html`<p>
    <strong>Acting for ${patientName}.</strong> You are signed in as ${caregiver}. Changes you make are saved as yours, and ${patientName} sees them.
  </p>`;

const answer = (r: SeeRow) => (r.canSee === 'yes' ? 'Yes' : r.canSee === 'partly' ? 'Partly' : 'No');

function group(id: string, title: string, intro: string, rows: readonly SeeRow[], empty: string) {
  return html`<section aria-labelledby="${id}">
    <h3 id="${id}">${title}</h3>
    <p>${intro}</p>
    ${
      rows.length === 0
        ? html`<p>${empty}</p>`
        : html`<ul class="who">
            ${rows.map((r) => html`<li><strong>${r.name}</strong>: ${answer(r)}. ${r.sentences.join(' ')}</li>`)}
          </ul>`
    }
  </section>`;
}

export function dashboardPage(m: DashboardModel) {
  const f = (kind: string) => (m.form?.kind === kind ? m.form : undefined);
  const value = (kind: string, name: string) => f(kind)?.values[name];
  const has = (kind: string, name: string, v: string) => {
    const x = value(kind, name);
    return Array.isArray(x) ? x.includes(v) : x === v;
  };
  const errors = (kind: string) => f(kind)?.errors;
  const selected = (kind: string, name: string, v: string) => (has(kind, name, v) ? html` selected` : '');
  const yours = m.actingAs ? `${m.patientName}'s` : 'your';
  return page({
    title: m.actingAs ? `Acting for ${m.patientName}` : 'My sharing choices',
    area: 'portal',
    ...(m.actingAs ? { banner: actingBanner(m.patientName, m.actingAs) } : {}),
    body: html`<h1>${m.actingAs ? `${m.patientName}'s sharing choices` : 'My sharing choices'}</h1>
      <p class="lede">
        ${m.actingAs ? html`You are acting for ${m.patientName}.` : html`Signed in as ${m.patientName}.`} Here is who can see ${yours} health record, why, and
        what they have looked at. Every change comes with a signed receipt.
      </p>
      ${m.message ? html`<p class="${m.message.kind === 'error' ? 'error' : 'card'}" role="${m.message.kind === 'error' ? 'alert' : 'status'}">${m.message.text}</p>` : ''}
      ${
        m.receipt
          ? html`<div class="card">
              <h2>Your signed receipt</h2>
              <p>Signed by the exchange; keep it as proof of what was chosen.</p>
              <p><a href="/portal/receipt" download="consent-receipt.jws">Download the receipt</a></p>
            </div>`
          : ''
      }
      ${
        m.changesByOthers.length > 0
          ? html`<section class="card" aria-labelledby="changes">
              <h2 id="changes">Changes made for you</h2>
              <ul>
                ${m.changesByOthers.map((c) => html`<li>${c}</li>`)}
              </ul>
            </section>`
          : ''
      }

      <h2 id="who">Who can see my record</h2>
      ${group('who-doctors', 'Your doctors', 'Clinics and hospitals, for your care.', m.who.doctors, 'No clinic or hospital is in the exchange.')}
      ${group('who-plans', 'Your health plans', 'Health plans, for payment and quality checks.', m.who.plans, 'No health plan is in the exchange.')}
      ${group('who-caregivers', 'Your caregivers', 'People you choose, for what you share and until the date you set.', m.who.caregivers, 'No caregiver is registered for you.')}

      <h2 id="mental-health">Who can see my mental health records?</h2>
      ${
        m.who.mentalHealth.length === 0
          ? html`<p>No one but you can see your mental health records.</p>`
          : html`<ul>
                ${m.who.mentalHealth.map((s) => html`<li>${s}</li>`)}
              </ul>
              <p>No one else can see them. You can hide them from everyone below.</p>`
      }

      <form class="card" method="get" action="/portal/preview">
        <label for="preview-actor">What would this clinician see?</label>
        <select id="preview-actor" name="actor" required>
          ${m.clinicians.map((c) => html`<option value="${c.id}">${c.name}</option>`)}
        </select>
        <button type="submit">Preview</button>
      </form>

      <h2 id="change">Change a choice</h2>
      <form class="card" method="post" action="/portal/choices/organization" novalidate>
        <input type="hidden" name="csrf" value="${m.csrf}" />
        ${formRefused(errors('organization'))}
        <label for="organization">Organization</label>
        <select id="organization" name="organization" required${fieldAttrs(errors('organization'), 'organization')}>
          ${m.organizations.map((o) => html`<option value="${o.id}" ${selected('organization', 'organization', o.id)}>${o.name}</option>`)}
        </select>
        ${fieldError(errors('organization'), 'organization')}
        <fieldset${fieldAttrs(errors('organization'), 'org-choice')}>
          <legend>Access to the record</legend>
          ${fieldError(errors('organization'), 'org-choice')}
          <input type="radio" id="org-block" name="choice" value="block" ${has('organization', 'choice', 'allow') ? '' : 'checked'} /><label for="org-block"
            >Block this organization</label
          >
          <input type="radio" id="org-allow" name="choice" value="allow" ${has('organization', 'choice', 'allow') ? 'checked' : ''} /><label for="org-allow"
            >Remove my block</label
          >
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/research" novalidate>
        <input type="hidden" name="csrf" value="${m.csrf}" />
        ${formRefused(errors('research'))}
        <fieldset${fieldAttrs(errors('research'), 'research-choice')}>
          <legend>Research and public-health statistics (with names and details removed)</legend>
          ${fieldError(errors('research'), 'research-choice')}
          <p>${m.actingAs ? m.patientName : 'You'} ${m.actingAs ? 'is' : 'are'} currently <strong>${m.researchOptOut ? 'left out of' : 'included in'}</strong> the published statistics.</p>
          <input type="radio" id="research-out" name="choice" value="out" ${m.researchOptOut ? 'checked' : ''} /><label for="research-out">Leave me out</label>
          <input type="radio" id="research-in" name="choice" value="in" ${m.researchOptOut ? '' : 'checked'} /><label for="research-in">Include me</label>
        </fieldset>
        <button type="submit">Save</button>
      </form>

      <form class="card" method="post" action="/portal/choices/sensitive" novalidate>
        <input type="hidden" name="csrf" value="${m.csrf}" />
        ${formRefused(errors('sensitive'))}
        <fieldset${fieldAttrs(errors('sensitive'), 'hide')}>
          <legend>Hide sensitive information from everyone who sees the record</legend>
          ${fieldError(errors('sensitive'), 'hide')}
          ${HIDEABLE.map(
            ([id, , label]) =>
              html`<input
                  type="checkbox"
                  id="hide-${id}"
                  name="hide"
                  value="${id}"
                  ${(f('sensitive') ? has('sensitive', 'hide', id) : m.hidden.includes(id)) ? 'checked' : ''}
                /><label for="hide-${id}">${label}</label><br />`,
          )}
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/visit-notice" novalidate>
        <input type="hidden" name="csrf" value="${m.csrf}" />
        ${formRefused(errors('visit-notice'))}
        <fieldset>
          <legend>When in hospital for mental health care</legend>
          <p>No one is told of such a stay unless you say so. You can let an organization be told of the stay, and when, but not where or why.</p>
          <p id="notice-current">
            ${
              m.hidden.includes('bh')
                ? 'Mental health information is hidden from everyone (above), so no organization is told.'
                : (m.noticeTo ?? []).length === 0
                  ? 'No organization is told now.'
                  : `Told now: ${(m.noticeTo ?? []).map((id) => m.organizations.find((o) => o.id === id)?.name ?? 'an organization').join(', ')}.`
            }
          </p>
          <label for="notice-organization">Organization</label>
          <select id="notice-organization" name="organization" required${fieldAttrs(errors('visit-notice'), 'notice-organization')}>
            ${m.organizations.map((o) => html`<option value="${o.id}" ${selected('visit-notice', 'organization', o.id)}>${o.name}</option>`)}
          </select>
          ${fieldError(errors('visit-notice'), 'notice-organization')}
          <div${fieldAttrs(errors('visit-notice'), 'notice-choice')} role="radiogroup" aria-label="Tell them or not">
            ${fieldError(errors('visit-notice'), 'notice-choice')}
            <input type="radio" id="notice-on" name="choice" value="on" ${has('visit-notice', 'choice', 'on') ? 'checked' : ''} /><label for="notice-on"
              >Tell them I was in hospital, not where or why</label
            >
            <br />
            <input type="radio" id="notice-off" name="choice" value="off" ${has('visit-notice', 'choice', 'off') ? 'checked' : ''} /><label for="notice-off"
              >Tell them nothing</label
            >
          </div>
        </fieldset>
        <button type="submit">Save</button>
      </form>
      <form class="card" method="post" action="/portal/choices/caregiver" novalidate>
        <input type="hidden" name="csrf" value="${m.csrf}" />
        ${formRefused(errors('caregiver'))}
        <fieldset>
          <legend>Let a caregiver see part of the record</legend>
          ${
            m.caregivers.length === 0
              ? html`<p>No caregiver is registered yet.</p>`
              : html`<label for="caregiver">Caregiver</label>
                  <select id="caregiver" name="caregiver" required${fieldAttrs(errors('caregiver'), 'caregiver')}>
                    ${m.caregivers.map((c) => html`<option value="${c.id}" ${selected('caregiver', 'caregiver', c.id)}>${c.name}</option>`)}
                  </select>
                  ${fieldError(errors('caregiver'), 'caregiver')}
                  <div role="group" aria-label="What they may see" ${fieldAttrs(errors('caregiver'), 'cls')}>
                    <p>What they may see:</p>
                    ${fieldError(errors('caregiver'), 'cls')}
                    ${CAREGIVER_CLASSES.map(
                      ([code, label]) =>
                        html`<input type="checkbox" id="cls-${code}" name="class" value="${code}" ${has('caregiver', 'class', code) ? 'checked' : ''} /><label
                            for="cls-${code}"
                            >${label}</label
                          > `,
                    )}
                  </div>
                  <p>
                    <label for="until">Until</label>
                    <input
                      type="date"
                      id="until"
                      name="until"
                      required
                      min="${m.today}"
                      value="${String(value('caregiver', 'until') ?? '')}"
                      ${fieldAttrs(errors('caregiver'), 'until')}
                    />
                  </p>
                  ${fieldError(errors('caregiver'), 'until')}`
          }
        </fieldset>
        ${m.caregivers.length === 0 ? '' : html`<button type="submit">Save</button>`}
      </form>

      <h2 id="emergency">Emergency access to ${yours} record</h2>
      ${
        m.emergencies.length === 0
          ? html`<p>No one has opened ${yours} record in an emergency.</p>`
          : html`<ul class="told">
              ${m.emergencies.map(
                (e) =>
                  html`<li>
                    ${e.text} <strong>${e.review}</strong>
                    ${e.mayAsk ? html`<a href="/portal/reviews/${encodeURIComponent(e.grant)}">Ask for a review of this emergency access</a>` : ''}
                  </li>`,
              )}
            </ul>`
      }

      <h2 id="told">Who was told about ${m.actingAs ? `${m.patientName}'s` : 'my'} visits</h2>
      ${
        (m.told ?? []).length === 0
          ? html`<p>No one has been told of a hospital or emergency visit.</p>`
          : html`<ul class="told">
              ${(m.told ?? []).map((t) => html`<li>${t.text}</li>`)}
            </ul>`
      }

      <h2 id="history">Who has accessed ${m.actingAs ? `${m.patientName}'s` : 'my'} record</h2>
      ${historyTable(m.history)}
      <p>
        ${m.olderHistory ? html`<a href="/portal/history?at=${m.olderHistory}&amp;back=${m.olderHistory.split('.')[0]}.0">Older entries</a> · ` : ''}<a href="/portal/history">All of the access history</a>
      </p>

      <h2 id="downloads">Download</h2>
      <ul>
        <li><a href="/portal/download/record.json" download>The whole record (FHIR JSON)</a></li>
        <li><a href="/portal/download/access-history.csv" download>The access history (CSV spreadsheet)</a></li>
      </ul>
      <form method="post" action="/portal/logout"><input type="hidden" name="csrf" value="${m.csrf}" /><button type="submit">Sign out</button></form>`,
  });
}
