import { displayName } from '../display.js';
import { FHIR_ID } from '../../fhir/types.js';
import { Hono, type Context } from 'hono';
import { organizationDirectory } from '../../directory/organizations.js';
import type { AppEnv } from '../../app-env.js';
import { listReleases } from '../../release/store.js';
import { pageHeaders } from '../security.js';
import { csrfOk, currentSession, fhirAs, mountSignIn, type AppFetch, type BaseSession } from '../sign-in.js';
import { clinicianSignedOut, noAccessPage, recordPage, rosterPage } from './pages.js';
import { groupRecord } from './record.js';

interface Session extends BaseSession {
  organization: string;
  emergency: boolean;
}

const PATIENT_ID = FHIR_ID;

/**
 * The clinician view: the organization's attributed patients (its attribution Group) and each
 * patient's longitudinal record ($everything), both read through the FHIR API with the
 * clinician's own token, so consent decides what appears. Emergency access is a separate
 * sign-in with purpose ETREAT, then a reason, then `$break-the-glass`.
 */
export function clinicianRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders());
  mountSignIn<Session>(app, {
    path: '/clinician',
    scope: 'openid fhirUser user/*.rs online_access',
    purposes: ['ETREAT'],
    allow: (r) => (r.role === 'clinician' && r.organization ? undefined : 'This view is for clinicians of member organizations.'),
    session: (r, accessToken, csrf) => ({ accessToken, csrf, organization: r.organization!, emergency: r.purposes.includes('ETREAT') }),
    signedOut: (m) => clinicianSignedOut(m),
  });
  const session = (c: Context<AppEnv>) => currentSession<Session>(c);

  app.get('/', async (c) => {
    const s = await session(c);
    if (!s) return c.html(clinicianSignedOut());
    const fhir = fhirAs(c, appFetch, s.value.accessToken);
    const [latest] = await listReleases(c.var.deps.db);
    const year = latest ? Math.max(...latest.years) : undefined;
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

  app.get('/patients/:id', async (c) => {
    const s = await session(c);
    if (!s) return c.html(clinicianSignedOut('Please sign in.'), 401);
    const id = c.req.param('id');
    if (!PATIENT_ID.test(id)) return c.html(noAccessPage({ id: 'that id', emergency: false, csrf: s.value.csrf }), 404);
    const res = await fhirAs(c, appFetch, s.value.accessToken)(`/fhir/Patient/${id}/$everything?_count=1000`);
    if (!res.ok) return c.html(noAccessPage({ id, emergency: s.value.emergency, csrf: s.value.csrf }), 404);
    const bundle = (await res.json()) as { entry?: { resource: Record<string, unknown> }[] };
    const record = groupRecord((bundle.entry ?? []).map((e) => e.resource));
    return c.html(recordPage({ id, record, sourceNames: (await organizationDirectory(c.var.deps.db)).bySource }));
  });

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
      return c.html(noAccessPage({ id, emergency: true, csrf: s.value.csrf, message: 'Say why, in 5 to 500 characters.' }), 400);
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

/** Each roster member's name, read as the clinician (so each read is decided and audited like any other). */
async function patientNames(fhir: ReturnType<typeof fhirAs>, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 20) {
    await Promise.all(
      ids.slice(i, i + 20).map(async (id) => {
        const res = await fhir(`/fhir/Patient/${id}`);
        if (!res.ok) return;
        const p = (await res.json()) as { name?: { given?: string[]; family?: string }[] };
        const name = displayName(p.name);
        if (name) names.set(id, name);
      }),
    );
  }
  return names;
}
