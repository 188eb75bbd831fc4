import { displayName } from '../display.js';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { page } from '../layout.js';
import { pageHeaders } from '../security.js';
import { csrfOk, currentSession, fhirAs, gateAs, mountSignIn, saveSession, type AppFetch, type BaseSession, type Fetcher } from '../sign-in.js';
import { ENCOUNTER_NOTICE, NOTICE_CLASS_SYSTEM } from '../../consent/notice-class.js';
import { toldLines, type ToldEvent } from './told.js';
import { CAREGIVER_CLASSES, caregiverPage, HIDEABLE, previewPage, dashboardPage, signedOutPage, type AccessRow, type HistoryRow } from './pages.js';
import { html } from 'hono/html';
import type { AccessExplanation, Gate } from '../../gate/index.js';
import { groupRecord } from '../clinician/record.js';
import { consentsFor, enforced, saveChoice } from './choices.js';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs online_access';

interface Session extends BaseSession {
  role: 'patient' | 'caregiver';
  patient: string;
  receipt?: string;
}

/**
 * The patient portal: server-rendered pages that act through the FHIR API with the patient's
 * own token (obtained by code + PKCE, held server-side), so every rule of the API applies to
 * them too. Forms post back with a CSRF token; changes follow post/redirect/get.
 */
export function portalRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders());
  mountSignIn<Session>(app, {
    path: '/portal',
    scope: SCOPE,
    allow: (r) => (r.role === 'patient' || r.role === 'caregiver' ? undefined : 'This portal is for patients and the caregivers they choose.'),
    session: (r, accessToken, csrf) => ({
      accessToken,
      csrf,
      role: r.role === 'caregiver' ? 'caregiver' : 'patient',
      patient: r.role === 'patient' && r.fhirUser ? r.fhirUser : `Patient/${String(r.patient).replace(/^Patient\//, '')}`,
    }),
    signedOut: (m) => signedOutPage(m),
  });
  const current = (c: Context<AppEnv>) => currentSession<Session>(c);
  const fhirFor = (c: Context<AppEnv>, token: string) => fhirAs(c, appFetch, token);

  app.get('/', async (c) => {
    const session = await current(c);
    if (!session) return c.html(signedOutPage());
    const { value, id } = session;
    const fhir = fhirFor(c, value.accessToken);
    if (value.role === 'caregiver')
      return c.html(
        caregiverPage({
          patient: value.patient,
          csrf: value.csrf,
          sections: await Promise.all(CAREGIVER_CLASSES.map(async ([cls, label]) => ({ label, items: await sharedItems(fhir, cls, value.patient) }))),
        }),
      );
    const organizations = await listOrganizations(fhir);
    const gate = await gateAs(c, value.accessToken);
    const patientId = value.patient.replace(/^Patient\//, '');
    const access = gate ? await accessOf(gate, patientId, organizations) : [];
    const lines = gate ? await gate.choices(patientId) : undefined;
    const { researchOptOut, hidden, noticeTo } = enforced(lines ?? []);
    const accounting = await accountingOf(fhir, value.patient);
    const history = accounting.map(historyRow);
    const caregivers = await listCaregivers(fhir, value.patient);
    if (gate) access.push(...(await Promise.all(caregivers.map((g) => caregiverAccess(gate, fhir, patientId, g)))));
    const clinicians = await listClinicians(fhir, organizations);
    // Clinicians are listed as "Name, Organization"; a sentence names the organization itself.
    const names = new Map([...organizations.map((o) => [o.id, o.name] as const), ...clinicians.map((x) => [x.id, x.name.split(', ')[0]!] as const)]);
    const told = toldLines(accounting, names);
    const page = dashboardPage({
      patientName: value.patient,
      access,
      organizations,
      researchOptOut,
      noticeTo,
      caregivers,
      clinicians,
      hidden,
      today: new Date().toISOString().slice(0, 10),
      history,
      told,
      csrf: value.csrf,
      ...(value.flash ? { message: value.flash } : {}),
      ...(value.receipt ? { receipt: value.receipt } : {}),
    });
    if (value.flash) await save(c, id, { ...value, flash: undefined });
    return c.html(page);
  });

  app.get('/preview', async (c) => {
    const session = await current(c);
    if (!session || session.value.role !== 'patient') return c.html(signedOutPage('Please sign in.'), 401);
    const clinicians = await listClinicians(fhirFor(c, session.value.accessToken));
    const chosen = clinicians.find((x) => x.id === c.req.query('actor'));
    if (!chosen) return flashBack(c, session, { kind: 'error', text: 'Please choose a clinician from the list.' });
    const gate = await gateAs(c, session.value.accessToken);
    const rows = gate ? await gate.preview(session.value.patient.replace(/^Patient\//, ''), chosen.id) : undefined;
    if (!rows) return c.html(errorPage('The preview is not available just now.'), 503);
    const visible = rows.map((r) => JSON.parse(r.content) as Record<string, unknown>);
    const record = groupRecord(visible);
    const visits = record.visits.map((v) => ({
      title: v.encounter ? `${v.encounter.what}, ${v.encounter.when.slice(0, 10)}` : 'Not tied to a visit',
      items: v.items.map((i) => `${i.type}: ${i.what}${i.when ? `, ${i.when.slice(0, 10)}` : ''}`),
    }));
    return c.html(previewPage({ clinician: chosen.name, visits, count: visible.length }));
  });

  app.get('/receipt', async (c) => {
    const session = await current(c);
    if (!session?.value.receipt) return c.html(signedOutPage('There is no receipt to download.'), 404);
    return c.body(session.value.receipt, 200, {
      'content-type': 'application/jose',
      'content-disposition': 'attachment; filename="consent-receipt.jws"',
      'cache-control': 'no-store',
    });
  });

  app.post('/choices/:kind', async (c) => {
    const session = await current(c);
    if (!session) return c.html(signedOutPage('Your session has ended. Please sign in again.'), 401);
    const form = await c.req.parseBody({ all: true });
    if (session.value.role !== 'patient') return c.html(errorPage('Only the patient can change these choices.'), 403);
    if (!csrfOk(form, session.value)) return c.html(errorPage('This form has expired or did not come from this site. Nothing was changed.'), 403);
    const fhir = fhirFor(c, session.value.accessToken);
    const kind = c.req.param('kind');
    const patient = session.value.patient;
    let res: Response | undefined;
    if (kind === 'organization') {
      const organizations = await listOrganizations(fhir);
      const org = organizations.find((o) => o.id === form['organization']);
      if (!org) return flashBack(c, session, { kind: 'error', text: 'Please choose an organization from the list. Nothing was changed.' });
      if (form['choice'] !== 'block' && form['choice'] !== 'allow')
        return flashBack(c, session, { kind: 'error', text: 'Please choose to block or allow. Nothing was changed.' });
      res = await saveChoice(fhir, patient, `organization:${org.id}`, form['choice'] === 'block', {
        type: 'deny',
        actor: [
          { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: org.id } },
        ],
      });
    } else if (kind === 'visit-notice') {
      // "Tell my doctor I was in hospital, but not where or why", for stays in mental health care
      // (the notice class, policies/precedence.md): class and period only, to this organization.
      const organizations = await listOrganizations(fhir);
      const org = organizations.find((o) => o.id === form['organization']);
      if (!org) return flashBack(c, session, { kind: 'error', text: 'Please choose an organization from the list. Nothing was changed.' });
      if (form['choice'] !== 'on' && form['choice'] !== 'off')
        return flashBack(c, session, { kind: 'error', text: 'Please choose whether to tell them. Nothing was changed.' });
      res = await saveChoice(fhir, patient, `visit-notice:${org.id}`, form['choice'] === 'on', {
        type: 'permit',
        actor: [
          { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: org.id } },
        ],
        class: [{ system: NOTICE_CLASS_SYSTEM, code: ENCOUNTER_NOTICE }],
        securityLabel: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' }],
      });
    } else if (kind === 'research') {
      if (form['choice'] !== 'out' && form['choice'] !== 'in')
        return flashBack(c, session, { kind: 'error', text: 'Please choose to be left out or included. Nothing was changed.' });
      const reason = (code: string) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code });
      res = await saveChoice(fhir, patient, 'research', form['choice'] === 'out', { type: 'deny', purpose: [reason('HRESCH'), reason('PUBHLTH')] });
    } else if (kind === 'sensitive') {
      const chosen = form['hide'];
      const hide = (Array.isArray(chosen) ? chosen : chosen === undefined ? [] : [chosen]).map(String);
      if (!hide.every((x) => HIDEABLE.some(([id]) => id === x)))
        return flashBack(c, session, { kind: 'error', text: 'Please choose from the listed kinds of information. Nothing was changed.' });
      // Unhiding everything revokes the Consent; its provision must still be valid FHIR (no empty list).
      const labels = HIDEABLE.filter(([id]) => hide.includes(id)).map(([, code]) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code }));
      res = await saveChoice(fhir, patient, 'hide-sensitive', hide.length > 0, { type: 'deny', ...(labels.length > 0 ? { securityLabel: labels } : {}) });
    } else if (kind === 'caregiver') {
      const caregivers = await listCaregivers(fhir, patient);
      const caregiver = caregivers.find((x) => x.id === form['caregiver']);
      if (!caregiver) return flashBack(c, session, { kind: 'error', text: 'Please choose a caregiver from the list. Nothing was changed.' });
      const chosen = form['class'];
      const classes = (Array.isArray(chosen) ? chosen : chosen === undefined ? [] : [chosen]).map(String);
      if (classes.length === 0 || !classes.every((x) => CAREGIVER_CLASSES.some(([code]) => code === x)))
        return flashBack(c, session, { kind: 'error', text: 'Please choose at least one kind of information to share. Nothing was changed.' });
      const until = typeof form['until'] === 'string' ? form['until'] : '';
      const today = new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until)) || until <= today)
        return flashBack(c, session, { kind: 'error', text: 'The end date must be a real date after today. Nothing was changed.' });
      res = await saveChoice(fhir, patient, `caregiver:${caregiver.id}`, true, {
        type: 'permit',
        period: { start: today, end: until },
        actor: [
          { role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FAMMEMB' }] }, reference: { reference: caregiver.id } },
        ],
        class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })),
      });
    } else {
      return c.html(errorPage('There is no such choice.'), 404);
    }
    if (!res) return flashBack(c, session, { kind: 'ok', text: 'Saved. Your choice applies from now on.' });
    if (!res.ok) {
      const outcome = (await res.json().catch(() => ({}))) as { issue?: { diagnostics?: string }[] };
      return flashBack(c, session, { kind: 'error', text: `Not saved: ${outcome.issue?.[0]?.diagnostics ?? res.statusText}` });
    }
    return flashBack(c, session, { kind: 'ok', text: 'Saved. Your choice applies from now on.' }, res.headers.get('consent-receipt') ?? undefined);
  });

  return app;
}

async function save(c: Context<AppEnv>, id: string, value: Session): Promise<void> {
  await saveSession(c, id, value);
}

async function flashBack(c: Context<AppEnv>, session: { id: string; value: Session }, flash: Session['flash'], receipt?: string) {
  await save(c, session.id, { ...session.value, flash, ...(receipt ? { receipt } : {}) });
  return c.redirect('/portal', 303);
}

const errorPage = (message: string) =>
  page({
    title: 'Not changed',
    body: html`<h1>Nothing was changed</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/portal">Back to my choices</a></p>`,
  });

/** Organizations in the exchange that can hold or ask for records (not the exchange itself). */
async function listOrganizations(fhir: Fetcher): Promise<{ id: string; name: string }[]> {
  const res = await fhir('/fhir/Organization?_count=100');
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: { id: string; name?: string } }[] };
  return (bundle.entry ?? [])
    .map((e) => ({ id: `Organization/${e.resource.id}`, name: e.resource.name ?? e.resource.id }))
    .filter((o) => !/org-(hie|research)$/.test(o.id))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * What each organization's people could see of this patient now, decided by the same `decide`
 * as every real request (clinicians there for treatment, or the plan for payment), asked of the
 * gate as the patient herself.
 */
async function accessOf(gate: Gate, patientId: string, organizations: { id: string; name: string }[]): Promise<AccessRow[]> {
  const answers =
    (await gate.whoCanSee(
      patientId,
      organizations.map((o) => o.id),
      'Patient',
    )) ?? [];
  return answers.map((a, i) => accessRow(a, `${organizations[i]!.name} (${/\/payer-/.test(a.actor) ? 'the plan, for payment' : 'clinicians, for treatment'})`));
}

function accessRow(a: AccessExplanation, name: string): AccessRow {
  const k = a.classes[0]!;
  return {
    actor: a.actor,
    name,
    permit: k.permit,
    withheld: (k.withheld ?? []).map((s) => CATEGORY_NAMES[s] ?? s),
    reasons: (k.reasons ?? []).map((r) => r.detail),
  };
}

const CATEGORY_NAMES: Record<string, string> = {
  sud: 'substance use treatment records',
  hiv: 'HIV information',
  bh: 'behavioural health',
  srh: 'sexual and reproductive health',
};

/** Her accounting of disclosures, newest first: read once for the access history and the sentences of what was told. */
async function accountingOf(fhir: Fetcher, patient: string): Promise<AuditEventLike[]> {
  const res = await fhir(`/fhir/AuditEvent?patient=${encodeURIComponent(patient)}&_count=50`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: AuditEventLike }[] };
  return (bundle.entry ?? []).map((e) => e.resource);
}

function historyRow(e: AuditEventLike): HistoryRow {
  return {
    when: e.recorded,
    who: e.agent?.find((a) => a.requestor)?.who?.reference ?? e.agent?.find((a) => a.requestor)?.who?.identifier?.value ?? 'unknown',
    organization: e.agent?.find((a) => a.type?.text === 'organization')?.who?.reference ?? '',
    purpose: e.purposeOfEvent?.[0]?.coding?.[0]?.code ?? '',
    outcome: e.outcomeDesc ?? e.outcome ?? '',
    breakGlass: (e.extension ?? []).some((x) => x.url === 'urn:consent-gateway:break-glass' && x.valueBoolean),
    what: e.entity?.[0]?.what?.identifier?.value ?? '',
  };
}

interface AuditEventLike extends ToldEvent {
  recorded: string;
  outcome?: string;
  outcomeDesc?: string;
  extension?: { url: string; valueBoolean?: boolean }[];
  purposeOfEvent?: { coding?: { code?: string }[] }[];
  agent?: { type?: { text?: string }; requestor?: boolean; who?: { reference?: string; identifier?: { value?: string } } }[];
}

/** The patient's registered caregivers (RelatedPerson records in their compartment). */
async function listCaregivers(fhir: Fetcher, patient: string): Promise<{ id: string; name: string }[]> {
  const res = await fhir(`/fhir/RelatedPerson?patient=${encodeURIComponent(patient)}&_count=50`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as {
    entry?: { resource: { id: string; name?: { given?: string[]; family?: string }[]; relationship?: { text?: string; coding?: { display?: string }[] }[] } }[];
  };
  return (bundle.entry ?? []).map(({ resource: r }) => {
    const name = displayName(r.name) || r.id;
    const rel = r.relationship?.[0]?.text ?? r.relationship?.[0]?.coding?.[0]?.display;
    return { id: `RelatedPerson/${r.id}`, name: rel ? `${name} (${rel})` : name };
  });
}

/** One kind of the patient's data as a caregiver's token reaches it; undefined when none of it is shared. */
async function sharedItems(fhir: Fetcher, cls: string, patient: string): Promise<string[] | undefined> {
  const res = await fhir(`/fhir/${cls}?patient=${encodeURIComponent(patient)}&_count=20`);
  if (!res.ok) return undefined;
  const bundle = (await res.json()) as { total?: number; entry?: { resource: Record<string, unknown> }[] };
  const entries = bundle.entry ?? [];
  if (entries.length === 0) return undefined;
  return entries.map(({ resource: r }) => {
    const code = (r['code'] ?? (Array.isArray(r['type']) ? (r['type'] as unknown[])[0] : r['type'])) as
      { text?: string; coding?: { display?: string }[] } | undefined;
    const when = String(r['effectiveDateTime'] ?? (r['period'] as { start?: string } | undefined)?.start ?? r['recordedDate'] ?? r['recorded'] ?? '').slice(
      0,
      10,
    );
    return `${code?.text ?? code?.coding?.[0]?.display ?? cls}${when ? `, ${when}` : ''}`;
  });
}

/** Clinicians in the directory (PractitionerRole with an organization), named for the patient to pick from. */
async function listClinicians(fhir: Fetcher, organizations?: readonly { id: string; name: string }[]): Promise<{ id: string; name: string }[]> {
  const entries = async <T>(path: string): Promise<T[]> => {
    const res = await fhir(path);
    return res.ok ? (((await res.json()) as { entry?: { resource: T }[] }).entry ?? []).map((e) => e.resource) : [];
  };
  const roles = await entries<{ practitioner?: { reference?: string }; organization?: { reference?: string } }>('/fhir/PractitionerRole?_count=1000');
  const people = new Map(
    (await entries<{ id: string; name?: { given?: string[]; family?: string }[] }>('/fhir/Practitioner?_count=1000')).map((p) => [
      `Practitioner/${p.id}`,
      displayName(p.name),
    ]),
  );
  // The dashboard has just read the organizations; the preview reads them here.
  const orgs = new Map((organizations ?? (await listOrganizations(fhir))).map((o) => [o.id, o.name]));
  const seen = new Map<string, string>();
  for (const r of roles) {
    const id = r.practitioner?.reference;
    const org = r.organization?.reference;
    if (id && org && !seen.has(id)) seen.set(id, `${people.get(id) || id}${orgs.has(org) ? `, ${orgs.get(org)}` : ''}`);
  }
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** What a caregiver may see now, and until when (the end of the patient's grant to them). */
async function caregiverAccess(gate: Gate, fhir: Fetcher, patientId: string, caregiver: { id: string; name: string }): Promise<AccessRow> {
  const [consent] = await consentsFor(fhir, patientId, `caregiver:${caregiver.id}`);
  const active = consent?.status === 'active';
  const shared = active ? (consent?.provision?.class ?? []).map((k) => CAREGIVER_CLASSES.find(([code]) => code === k.code)?.[1] ?? k.code) : [];
  const [answer] = (await gate.whoCanSee(patientId, [caregiver.id], 'Observation')) ?? [];
  return {
    actor: caregiver.id,
    name: `${caregiver.name} (caregiver)`,
    permit: active && shared.length > 0,
    withheld: [],
    reasons: active
      ? [`You shared: ${shared.join(', ')}`, ...(consent?.provision?.period?.end ? [`until ${consent.provision.period.end}`] : [])]
      : (answer?.classes[0]?.reasons?.map((r) => r.detail) ?? []),
  };
}
