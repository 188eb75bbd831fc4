import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import { NOTE_MAX, parseFinding, recordFinding, reviewQueue } from '../../operations/index.js';
import { fieldAttrs, fieldError, formRefused, type FieldErrors } from '../forms.js';
import { page } from '../layout.js';
import { csrfOk } from '../sign-in.js';
import { csrfField, operatorRequest, opsDeps, setFlash, staleForm, takeFlash, type Signed } from './guard.js';

interface FormState {
  grant?: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
}

const REFUSALS = {
  'unknown-grant': 'There is no such emergency access.',
  'already-decided': 'A finding was already recorded for this emergency access; nothing was changed.',
  'already-requested': 'A review was already asked for.',
} as const;

/** Break-the-glass reviews: the emergency accesses waiting for a finding, those the patient asked about first. */
export function reviewPages(app: Hono<AppEnv>): void {
  app.get('/reviews', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    return render(c, s, {});
  });

  app.post('/reviews', async (c) => {
    const s = await operatorRequest(c);
    if (s instanceof Response) return s;
    const form = await c.req.parseBody();
    if (!csrfOk(form, s.session.value)) return staleForm(c);
    const parsed = parseFinding(form);
    const grant = typeof form['grant'] === 'string' ? form['grant'] : '';
    if (!parsed.ok) {
      const errors = Object.fromEntries(Object.entries(parsed.errors).map(([k, v]) => [`${k}-${grant}`, v]));
      const values = { [`note-${grant}`]: typeof form['note'] === 'string' ? form['note'] : '', [`outcome-${grant}`]: String(form['outcome'] ?? '') };
      return render(c, s, { grant, errors, values }, 400);
    }
    const refusal = await recordFinding(opsDeps(c), s.operator, parsed.finding);
    await setFlash(c, s, refusal ? { kind: 'error', text: REFUSALS[refusal] } : { kind: 'ok', text: `Finding recorded: ${parsed.finding.outcome}.` });
    return c.redirect('/operator/reviews', 303);
  });
}

async function render(c: Context<AppEnv>, s: Signed, state: FormState, status: 200 | 400 = 200) {
  const pending = await reviewQueue(opsDeps(c), s.operator);
  const flash = await takeFlash(c, s);
  return c.html(
    page({
      title: 'Emergency-access reviews',
      area: 'operator',
      body: html`<h1>Emergency-access reviews</h1>
        ${flash}${formRefused(state.errors)}
        <p class="lede">
          Every break-the-glass access waits for a finding. Those the patient asked about come first. Viewing this page is recorded in each patient's
          accounting.
        </p>
        ${pending.length === 0 ? html`<p>No emergency access is waiting for review.</p>` : ''}
        ${pending.map((r) => {
          const g = r.grant;
          const o = `outcome-${g.id}`;
          const n = `note-${g.id}`;
          const chosen = state.grant === g.id ? state.values?.[o] : undefined;
          return html`<section class="card" aria-labelledby="grant-${g.id}">
            <h2 id="grant-${g.id}">${r.requests.length > 0 ? 'Asked about by the patient: ' : ''}Patient/${g.patientId}</h2>
            <dl class="facts">
              <dt>Clinician</dt>
              <dd>${g.practitioner}</dd>
              <dt>Organization</dt>
              <dd>${g.organization}</dd>
              <dt>Reason given</dt>
              <dd>${g.reason}</dd>
              <dt>When</dt>
              <dd>${g.startedAt} (until ${g.expiresAt})</dd>
              ${r.requests.map(
                (q) =>
                  html`<dt>Patient's request</dt>
                    <dd>${q.at} by ${q.actor}${q.note ? `: ${q.note}` : ''}</dd>`,
              )}
            </dl>
            <form method="post" action="/operator/reviews" class="card finding">
              ${csrfField(s)}<input type="hidden" name="grant" value="${g.id}" />
              <label for="${o}">Finding</label>
              <select id="${o}" name="outcome" ${fieldAttrs(state.errors, o)}>
                <option value="">Choose…</option>
                <option value="appropriate" ${chosen === 'appropriate' ? 'selected' : ''}>Appropriate</option>
                <option value="inappropriate" ${chosen === 'inappropriate' ? 'selected' : ''}>Inappropriate</option>
              </select>
              ${fieldError(state.errors, o)}
              <label for="${n}">Note</label>
              <textarea id="${n}" name="note" rows="3" maxlength="${NOTE_MAX}" ${fieldAttrs(state.errors, n)}>
${state.grant === g.id ? (state.values?.[n] ?? '') : ''}</textarea>
              ${fieldError(state.errors, n)}
              <button type="submit">Record finding</button>
            </form>
          </section>`;
        })}`,
    }),
    status,
  );
}
