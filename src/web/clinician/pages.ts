import { html } from 'hono/html';
import { page } from '../layout.js';
import { fieldAttrs, fieldError, type FieldErrors } from '../forms.js';

export function clinicianSignedOut(message?: string) {
  return page({
    title: 'Clinician view',
    area: 'clinician',
    body: html`<h1>Clinician view</h1>
      ${message ? html`<p class="error" role="alert">${message}</p>` : ''}
      <p class="lede">Your organization's attributed patients and their longitudinal records, under each patient's consent.</p>
      <p><a href="/clinician/login">Sign in</a></p>`,
  });
}

export function rosterPage(m: {
  organization: string;
  year?: number;
  emergency: boolean;
  patients: { id: string; name: string; method: string }[];
  csrf: string;
  message?: string;
}) {
  return page({
    title: 'My patients',
    area: 'clinician',
    body: html`<h1>Attributed patients</h1>
      <p class="lede">${m.organization}${m.year ? `, ${m.year}` : ''}. ${m.emergency ? 'You signed in for emergency access.' : ''}</p>
      ${m.message ? html`<p class="error" role="alert">${m.message}</p>` : ''}
      <div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
        <table>
          <caption>
            Patients attributed to your organization
          </caption>
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Attributed by</th>
            </tr>
          </thead>
          <tbody>
            ${
              m.patients.length === 0
                ? html`<tr>
                    <td colspan="2">No attributed patients you may see.</td>
                  </tr>`
                : m.patients.map(
                    (p) =>
                      html`<tr>
                        <td><a href="/clinician/patients/${p.id}">${p.name}</a></td>
                        <td>${p.method}</td>
                      </tr>`,
                  )
            }
          </tbody>
        </table>
      </div>
      <form class="card" method="get" action="/clinician/open">
        <label for="patient-id">Open a patient by record id</label><input id="patient-id" name="id" required pattern="[A-Za-z0-9.\\-]{1,64}" /><button
          type="submit"
        >
          Open
        </button>
      </form>
      <form method="post" action="/clinician/logout"><input type="hidden" name="csrf" value="${m.csrf}" /><button type="submit">Sign out</button></form>`,
  });
}

/** The same page whether the record is withheld or does not exist: nothing is hinted. */
/** `reason` and `errors.reason`: a refused break-the-glass comes back with what was typed and the message beside the field. */
export function noAccessPage(m: { id: string; emergency: boolean; csrf: string; message?: string; reason?: string; errors?: FieldErrors }) {
  return page({
    title: 'Record not available',
    area: 'clinician',
    body: html`<h1>Record not available</h1>
      <p>There is no record you may see for <strong>${m.id}</strong>.</p>
      ${m.message ? html`<p class="error" role="alert">${m.message}</p>` : ''}
      ${
        m.emergency
          ? html`<form class="card" method="post" action="/clinician/patients/${m.id}/break-glass">
              <input type="hidden" name="csrf" value="${m.csrf}" />
              <h2>Emergency access (break the glass)</h2>
              <p><strong>The patient will be told</strong>: this access, your name, your organization and your reason appear in their access history.</p>
              <label for="reason">Reason</label>
              ${fieldError(m.errors, 'reason')}
              <textarea id="reason" name="reason" required minlength="5" maxlength="500" rows="3" ${fieldAttrs(m.errors, 'reason')}>${m.reason ?? ''}</textarea>
              <button type="submit">Break the glass</button>
            </form>`
          : html`<p>
              In an emergency, <a href="/clinician/login?purpose=ETREAT">sign in for emergency access</a>; you will be asked for a reason, and the patient will
              be told.
            </p>`
      }
      <p><a href="/clinician">Back to my patients</a></p>`,
  });
}
