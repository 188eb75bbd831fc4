import { readableForms } from '../forms.js';
import { FHIR_ID } from '../../fhir/types.js';
import { Hono } from 'hono';
import { organizationDirectory } from '../../directory/organizations.js';
import type { AppEnv } from '../../app-env.js';
import { pageHeaders } from '../security.js';
import { csrfOk, fhirAs, mountSignIn, type AppFetch } from '../sign-in.js';
import { inboxRoutes } from './inbox-routes.js';
import { clinicianSignedOut, noAccessPage, rosterPage } from './pages.js';
import { recordRoutes } from './record-routes.js';
import { reportsRoutes } from './reports-routes.js';
import { clinicianSession, measurementYear, patientNames, type ClinicianSession } from './session.js';

type Session = ClinicianSession;

const PATIENT_ID = FHIR_ID;

/**
 * The clinician view: the organization's attributed patients (its attribution Group) and each
 * patient's longitudinal record ($everything), both read through the FHIR API with the
 * clinician's own token, so consent decides what appears. Emergency access is a separate
 * sign-in with purpose ETREAT, then a reason, then `$break-the-glass`.
 */
export function clinicianRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders(), readableForms('clinician'));
  mountSignIn<Session>(app, {
    path: '/clinician',
    scope: 'openid fhirUser user/*.rs online_access',
    purposes: ['ETREAT'],
    allow: (r) => (r.role === 'clinician' && r.organization ? undefined : 'This view is for clinicians of member organizations.'),
    session: (r, accessToken, csrf) => ({ accessToken, csrf, organization: r.organization!, emergency: r.purposes.includes('ETREAT') }),
    signedOut: (m) => clinicianSignedOut(m),
  });
  const session = clinicianSession;

  app.get('/', async (c) => {
    const s = await session(c);
    if (!s) return c.html(clinicianSignedOut());
    const fhir = fhirAs(c, appFetch, s.value.accessToken);
    const year = await measurementYear(c);
    const orgId = s.value.organization.replace(/^Organization\//, '');
    let members: { id: string; method: string }[] = [];
    if (year) {
      const res = await fhir(`/fhir/Group/attribution-${orgId}-${year}`);
      if (res.ok) {
        const group = (await res.json()) as { member?: { entity: { reference: string }; extension?: { valueCode?: string }[] }[] };
        members = (group.member ?? []).map((m) => ({ id: m.entity.reference.replace(/^Patient\//, ''), method: m.extension?.[0]?.valueCode ?? '' }));
      }
    }
    const names = await patientNames(
      fhir,
      members.map((m) => m.id),
    );
    return c.html(
      rosterPage({
        organization: (await organizationDirectory(c.var.deps.db)).byId.get(s.value.organization) ?? s.value.organization,
        ...(year ? { year } : {}),
        emergency: s.value.emergency,
        csrf: s.value.csrf,
        patients: members.map((m) => ({ ...m, name: names.get(m.id) ?? m.id })).sort((a, b) => a.name.localeCompare(b.name)),
      }),
    );
  });

  app.get('/open', (c) => {
    const id = c.req.query('id') ?? '';
    return PATIENT_ID.test(id) ? c.redirect(`/clinician/patients/${id}`, 303) : c.redirect('/clinician', 303);
  });

  app.route('/', recordRoutes(appFetch));
  app.route('/', inboxRoutes(appFetch));
  app.route('/', reportsRoutes(appFetch));

  app.post('/patients/:id/break-glass', async (c) => {
    const s = await session(c);
    if (!s) return c.html(clinicianSignedOut('Please sign in.'), 401);
    const id = c.req.param('id');
    const form = await c.req.parseBody();
    if (!csrfOk(form, s.value))
      return c.html(
        noAccessPage({
          id: 'this patient',
          emergency: false,
          csrf: s.value.csrf,
          message: 'This form has expired or did not come from this site. Nothing was done.',
        }),
        403,
      );
    if (!PATIENT_ID.test(id) || !s.value.emergency) return c.html(noAccessPage({ id, emergency: false, csrf: s.value.csrf }), 404);
    const reason = typeof form['reason'] === 'string' ? form['reason'].trim() : '';
    if (reason.length < 5 || reason.length > 500)
      return c.html(
        noAccessPage({
          id,
          emergency: true,
          csrf: s.value.csrf,
          reason: typeof form['reason'] === 'string' ? form['reason'] : '',
          errors: { reason: 'Say why, in 5 to 500 characters. Nothing was done.' },
        }),
        400,
      );
    const res = await fhirAs(
      c,
      appFetch,
      s.value.accessToken,
    )(`/fhir/Patient/${id}/$break-the-glass`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: reason }] }),
    });
    if (!res.ok)
      return c.html(noAccessPage({ id, emergency: true, csrf: s.value.csrf, message: 'Emergency access was not granted.' }), res.status === 400 ? 400 : 404);
    return c.redirect(`/clinician/patients/${id}`, 303);
  });
  return app;
}
