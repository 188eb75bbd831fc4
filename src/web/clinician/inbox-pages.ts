import { html } from 'hono/html';
import { fieldAttrs, fieldError, formRefused, type FieldErrors } from '../forms.js';
import { page } from '../layout.js';
import { dayText } from './fhir-values.js';

export interface InboxEvent {
  day: string;
  when: string;
  topic: string;
  patient: string;
  name?: string | undefined;
  encounterClass?: string;
}

const EVENT: Record<string, string> = {
  'encounter-start': 'Admitted or arrived',
  'encounter-end': 'Discharged',
  'encounter-transfer': 'Transferred',
};
const CLASS: Record<string, string> = {
  IMP: 'inpatient',
  ACUTE: 'inpatient (acute)',
  NONAC: 'inpatient (non-acute)',
  EMER: 'emergency',
  OBSENC: 'observation',
  SS: 'short stay',
};

const time = (when: string) => /T(\d{2}:\d{2})/.exec(when)?.[1] ?? '';

/** The organization's admissions and discharges, newest first, with a day chooser that works without JavaScript. */
export function inboxPage(m: { events: readonly InboxEvent[]; days: readonly string[]; typed: string; errors?: FieldErrors }) {
  const span = m.days.length === 1 ? dayText(m.days[0]) : m.days.length > 1 ? `${dayText(m.days[m.days.length - 1])} to ${dayText(m.days[0])}` : '';
  return page({
    title: 'Notifications',
    area: 'clinician',
    body: html`<h1>Notifications</h1>
      <p class="lede">Admissions, discharges, emergency visits and transfers of your organization's attributed patients, as each patient allows.</p>
      <form class="card inline" method="get" action="/clinician/notifications">
        ${formRefused(m.errors)}
        <div>
          <label for="date">Show one day</label>
          <input id="date" name="date" type="text" inputmode="numeric" placeholder="YYYY-MM-DD" value="${m.typed}" ${fieldAttrs(m.errors, 'date')} />
          ${fieldError(m.errors, 'date')}
        </div>
        <button type="submit">Show</button>
        <a href="/clinician/notifications">Last 14 days</a>
      </form>
      ${
        m.errors
          ? ''
          : html`<div class="table-scroll" tabindex="0" role="region" aria-label="Table, scrolls sideways on a narrow screen">
              <table>
                <caption>
                  Events, ${span}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Patient</th>
                    <th scope="col">Event</th>
                    <th scope="col">Setting</th>
                  </tr>
                </thead>
                <tbody>
                  ${
                    m.events.length === 0
                      ? html`<tr>
                          <td colspan="4">No admissions or discharges you may see on these days.</td>
                        </tr>`
                      : m.events.map(
                          (e) =>
                            html`<tr>
                              <td>${dayText(e.when)} ${time(e.when)}</td>
                              <td><a href="/clinician/patients/${e.patient}">${e.name ?? e.patient}</a></td>
                              <td>${EVENT[e.topic] ?? e.topic}</td>
                              <td>${e.encounterClass ? (CLASS[e.encounterClass] ?? e.encounterClass) : ''}</td>
                            </tr>`,
                        )
                  }
                </tbody>
              </table>
            </div>`
      }`,
  });
}
