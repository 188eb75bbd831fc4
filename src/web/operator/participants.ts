import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { REASON_MAX, type Participants, type Status } from '../../participants/index.js';
import { fieldAttrs, fieldError, formRefused, type FieldErrors } from '../forms.js';
import { page } from '../layout.js';
import { csrfOk, type AppFetch } from '../sign-in.js';
import { adminAs, outcomeText } from './admin-api.js';
import { csrfField, operatorRequest, setFlash, staleForm, takeFlash, type Signed } from './guard.js';

type Target = { kind: 'organizations' | 'clients'; id: string; label: string } | { kind: 'duas'; id: string; version: number; label: string };

/** The admin API's path of a target, each part escaped. */
const apiPath = (t: Target) =>
  t.kind === 'duas'
    ? `/duas/${encodeURIComponent(t.id)}/versions/${t.version}`
    : `/${t.kind}/${encodeURIComponent(t.kind === 'organizations' ? t.id.replace(/^Organization\//, '') : t.id)}`;

/** The reason field's id for a target: unique on the page, so its error sits next to it. */
const reasonId = (t: Target) => `reason-${t.kind}-${t.id.replace(/[^A-Za-z0-9_-]/g, '_')}${t.kind === 'duas' ? `-v${t.version}` : ''}`;

interface FormState {
  errors?: FieldErrors;
  values?: Record<string, string>;
}

/**
 * Participants: organizations, backend clients and DUAs with their versions, each with suspend
 * (a reason required) or reinstate. Read and changed through the admin API with the operator's
 * own token: the API's rules, all-or-nothing changes and audit events apply as they are.
 */
export function participantPages(app: Hono<AppEnv>, appFetch: AppFetch): void {
  app.get('/participants', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    return render(c, s, appFetch, {});
  });

  app.post('/participants/organizations/:id/:action{suspend|resume}', (c) =>
    change(c, appFetch, { kind: 'organizations', id: `Organization/${c.req.param('id')}`, label: `Organization/${c.req.param('id')}` }),
  );
  app.post('/participants/clients/:id/:action{suspend|resume}', (c) =>
    change(c, appFetch, { kind: 'clients', id: c.req.param('id'), label: c.req.param('id') }),
  );
  app.post('/participants/duas/:id/versions/:version{[0-9]{1,6}}/:action{suspend|resume}', (c) =>
    change(c, appFetch, {
      kind: 'duas',
      id: c.req.param('id'),
      version: Number(c.req.param('version')),
      label: `${c.req.param('id')} version ${c.req.param('version')}`,
    }),
  );
}

async function change(c: Context<AppEnv>, appFetch: AppFetch, target: Target) {
  const s = await operatorRequest(c);
  if (s instanceof Response) return s;
  const form = await c.req.parseBody();
  if (!csrfOk(form, s.session.value)) return staleForm(c);
  const action = c.req.param('action') === 'suspend' ? 'suspend' : 'resume';
  const typed = typeof form['reason'] === 'string' ? form['reason'] : '';
  const reason = typed.trim();
  const field = reasonId(target);
  const refuse = (message: string, status: 400 | 404 | 409) => render(c, s, appFetch, { errors: { [field]: message }, values: { [field]: typed } }, status);
  if (action === 'suspend' && reason === '') return refuse('Say why it is suspended: the reason is kept in the audit trail.', 400);
  if (reason.length > REASON_MAX) return refuse(`The reason is longer than ${REASON_MAX} characters.`, 400);
  const res = await adminAs(
    c,
    appFetch,
    s.session.value.accessToken,
  )(`/participants${apiPath(target)}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(reason ? { reason } : {}),
  });
  if (!res.ok) return refuse(await outcomeText(res), res.status === 404 ? 404 : res.status === 409 ? 409 : 400);
  await setFlash(c, s, { kind: 'ok', text: `${target.label} ${action === 'suspend' ? 'suspended' : 'reinstated'}.` });
  return c.redirect('/operator/participants', 303);
}

async function render(c: Context<AppEnv>, s: Signed, appFetch: AppFetch, state: FormState, status: 200 | 400 | 404 | 409 = 200) {
  const res = await adminAs(c, appFetch, s.session.value.accessToken)('/participants');
  if (!res.ok)
    return c.html(
      page({
        title: 'Participants',
        area: 'operator',
        body: html`<h1>Participants</h1>
          <p class="error">${await outcomeText(res)}</p>`,
      }),
      503,
    );
  const p = (await res.json()) as Participants;
  const flash = await takeFlash(c, s);
  return c.html(
    page({
      title: 'Participants',
      area: 'operator',
      body: html`<h1>Participants</h1>
        ${flash}${formRefused(state.errors)}
        <p class="lede">Suspending takes effect on the next request: a suspended client gets no new token, and the token it holds is refused.</p>
        <h2 id="organizations">Organizations</h2>
        <div class="table-scroll" role="region" tabindex="0" aria-labelledby="organizations">
          <table class="stack" aria-labelledby="organizations">
            <thead>
              <tr>
                <th scope="col">Organization</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              ${p.organizations.map(
                (o) =>
                  html`<tr>
                    <th scope="row">${o.name}<br /><small>${o.reference}</small></th>
                    <td data-label="Kind">${o.kind}</td>
                    <td data-label="Status">${o.status}</td>
                    <td>${statusForm(s, state, { kind: 'organizations', id: o.reference, label: o.name }, o.status)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <h2 id="clients">Backend clients</h2>
        <div class="table-scroll" role="region" tabindex="0" aria-labelledby="clients">
          <table class="stack" aria-labelledby="clients">
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Kind</th>
                <th scope="col">Organization</th>
                <th scope="col">Scope and purposes</th>
                <th scope="col">DUA</th>
                <th scope="col">Status</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              ${p.clients.map(
                (cl) =>
                  html`<tr>
                    <th scope="row">${cl.name}<br /><small>${cl.clientId}</small></th>
                    <td data-label="Kind">${cl.kind}</td>
                    <td data-label="Organization">${cl.organization}</td>
                    <td data-label="Scope" class="scopes">${cl.scope}<br /><small>${cl.purposes.join(' ')}</small></td>
                    <td data-label="DUA">${cl.dua ?? '—'}</td>
                    <td data-label="Status">${cl.status}</td>
                    <td>${statusForm(s, state, { kind: 'clients', id: cl.clientId, label: cl.clientId }, cl.status)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <h2 id="duas">Data use agreements</h2>
        <div class="table-scroll" role="region" tabindex="0" aria-labelledby="duas">
          <table class="stack" aria-labelledby="duas">
            <thead>
              <tr>
                <th scope="col">Agreement</th>
                <th scope="col">Version</th>
                <th scope="col">Period</th>
                <th scope="col">Lines</th>
                <th scope="col">Status</th>
                <th scope="col">Change</th>
              </tr>
            </thead>
            <tbody>
              ${p.duas.flatMap((d) =>
                d.versions.map(
                  (v) =>
                    html`<tr>
                      <th scope="row">${d.id}<br /><small>${d.organization}</small></th>
                      <td data-label="Version">${v.version}</td>
                      <td data-label="Period">${v.start.slice(0, 10)} – ${v.end ? v.end.slice(0, 10) : 'open'}</td>
                      <td data-label="Lines">${v.lines.length}</td>
                      <td data-label="Status">${v.status}</td>
                      <td>${statusForm(s, state, { kind: 'duas', id: d.id, version: v.version, label: `${d.id} version ${v.version}` }, v.status)}</td>
                    </tr>`,
                ),
              )}
            </tbody>
          </table>
        </div>`,
    }),
    status,
  );
}

/** Suspend (with a required reason) or reinstate (with an optional one), one small form per row. */
function statusForm(s: Signed, state: FormState, t: Target, status: Status) {
  const id = reasonId(t);
  const action = status === 'active' ? 'suspend' : 'resume';
  return html`<form method="post" action="/operator/participants${uiPath(t)}/${action}">
    ${csrfField(s)}
    <label for="${id}">${action === 'suspend' ? `Reason for suspending ${t.label}` : `Reason for reinstating ${t.label} (optional)`}</label>
    <input id="${id}" name="reason" maxlength="${REASON_MAX}" value="${state.values?.[id] ?? ''}" ${fieldAttrs(state.errors, id)} />
    ${fieldError(state.errors, id)}
    <button type="submit">${action === 'suspend' ? 'Suspend' : 'Reinstate'}</button>
  </form>`;
}

const uiPath = (t: Target) => (t.kind === 'organizations' ? `/organizations/${encodeURIComponent(t.id.replace(/^Organization\//, ''))}` : apiPath(t));
