import { displayName } from '../display.js';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../http/env.js';
import { page } from '../layout.js';
import { pageHeaders } from '../security.js';
import { csrfOk, currentSession, fhirAs, mountSignIn, saveSession, type AppFetch, type BaseSession, type Fetcher } from '../sign-in.js';
import { CAREGIVER_CLASSES, caregiverPage, HIDEABLE, previewPage, dashboardPage, signedOutPage, type AccessRow, type HistoryRow } from './pages.js';
import { html } from 'hono/html';
import type { Requester } from '../../auth/requester.js';
import { SENSITIVE } from '../../consent/categories.js';
import { resolvePerson } from '../../store/read.js';
import { categoriesOf, categoryIndex } from '../../consent/categories.js';
import { hypotheticalRequester } from '../../consent/routes.js';
import { groupRecord } from '../clinician/record.js';
import { sql } from 'drizzle-orm';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs';

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
    session: (r, accessToken, csrf) => ({ accessToken, csrf, role: r.role === 'caregiver' ? 'caregiver' : 'patient', patient: r.role === 'patient' && r.fhirUser ? r.fhirUser : `Patient/${String(r.patient).replace(/^Patient\//, '')}` }),
    signedOut: (m) => signedOutPage(m),
  });
  const current = (c: Context<AppEnv>) => currentSession<Session>(c);
  const fhirFor = (c: Context<AppEnv>, token: string) => fhirAs(c, appFetch, token);

  app.get('/', async (c) => {
    const session = await current(c);
    if (!session) return c.html(signedOutPage());
    const { value, id } = session;
    const fhir = fhirFor(c, value.accessToken);
    if (value.role === 'caregiver') return c.html(caregiverPage({ patient: value.patient, csrf: value.csrf, sections: await Promise.all(CAREGIVER_CLASSES.map(async ([cls, label]) => ({ label, items: await sharedItems(fhir, cls, value.patient) }))) }));
    const organizations = await listOrganizations(fhir);
    const person = await resolvePerson(c.var.deps.db, value.patient.replace(/^Patient\//, ''));
    const access = person ? await Promise.all(organizations.map((o) => accessOf(c, person, o))) : [];
    const researchOptOut = await hasActiveConsent(fhir, 'portal-research');
    const history = await historyOf(fhir, value.patient);
    const caregivers = await listCaregivers(fhir, value.patient);
    if (person) access.push(...(await Promise.all(caregivers.map((g) => caregiverAccess(c, fhir, person, g)))));
    const hidden = await hiddenCategories(fhir);
    const clinicians = await listClinicians(c);
    const page = dashboardPage({ patientName: value.patient, access, organizations, researchOptOut, caregivers, clinicians, hidden, today: new Date().toISOString().slice(0, 10), history, csrf: value.csrf, ...(value.flash ? { message: value.flash } : {}), ...(value.receipt ? { receipt: value.receipt } : {}) });
    if (value.flash) await save(c, id, { ...value, flash: undefined });
    return c.html(page);
  });

  app.get('/preview', async (c) => {
    const session = await current(c);
    if (!session || session.value.role !== 'patient') return c.html(signedOutPage('Please sign in.'), 401);
    const clinicians = await listClinicians(c);
    const chosen = clinicians.find((x) => x.id === c.req.query('actor'));
    if (!chosen) return flashBack(c, session, { kind: 'error', text: 'Please choose a clinician from the list.' });
    const engine = c.var.deps.consent;
    const person = await resolvePerson(c.var.deps.db, session.value.patient.replace(/^Patient\//, ''));
    const res = await fhirFor(c, session.value.accessToken)(`/fhir/${session.value.patient}/$everything?_count=1000`);
    if (!engine || !person || !res.ok) return c.html(errorPage('The preview is not available just now.'), 503);
    const requester = await hypotheticalRequester(c, chosen.id, undefined);
    const index = categoryIndex(c.var.deps.codeLists);
    const resources = ((await res.json()) as { entry?: { resource: Record<string, unknown> & { meta?: { security?: { code?: string }[] } } }[] }).entry?.map((e) => e.resource) ?? [];
    const visible = [];
    for (const r of resources) {
      const categories = categoriesOf((r.meta?.security ?? []).map((l) => l.code ?? ''), index);
      if ((await engine.decide(person, { requester, cls: String(r['resourceType']), categories })).permit) visible.push(r);
    }
    const record = groupRecord(visible);
    const visits = record.visits.map((v) => ({ title: v.encounter ? `${v.encounter.what}, ${v.encounter.when.slice(0, 10)}` : 'Not tied to a visit', items: v.items.map((i) => `${i.type}: ${i.what}${i.when ? `, ${i.when.slice(0, 10)}` : ''}`) }));
    return c.html(previewPage({ clinician: chosen.name, visits, count: visible.length }));
  });

  app.get('/receipt', async (c) => {
    const session = await current(c);
    if (!session?.value.receipt) return c.html(signedOutPage('There is no receipt to download.'), 404);
    return c.body(session.value.receipt, 200, { 'content-type': 'application/jose', 'content-disposition': 'attachment; filename="consent-receipt.jws"', 'cache-control': 'no-store' });
  });

  app.post('/choices/:kind', async (c) => {
    const session = await current(c);
    if (!session) return c.html(signedOutPage('Your session has ended. Please sign in again.'), 401);
    const form = await c.req.parseBody({ all: true });
    if (session.value.role !== 'patient') return c.html(errorPage('Only the patient can change these choices.'), 403);
    if (!csrfOk(form, session.value)) return c.html(errorPage('This form has expired or did not come from this site. Nothing was changed.'), 403);
    const fhir = fhirFor(c, session.value.accessToken);
    const kind = c.req.param('kind');
    let consentId: string;
    let consent: object;
    if (kind === 'organization') {
      const organizations = await listOrganizations(fhir);
      const org = organizations.find((o) => o.id === form['organization']);
      if (!org) return flashBack(c, session, { kind: 'error', text: 'Please choose an organization from the list. Nothing was changed.' });
      if (form['choice'] !== 'block' && form['choice'] !== 'allow') return flashBack(c, session, { kind: 'error', text: 'Please choose to block or allow. Nothing was changed.' });
      consentId = `portal-org-${org.id.replace(/^Organization\//, '')}`;
      consent = privacyConsent(consentId, session.value.patient, form['choice'] === 'block' ? 'active' : 'inactive', { type: 'deny', actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] }, reference: { reference: org.id } }] });
    } else if (kind === 'research') {
      if (form['choice'] !== 'out' && form['choice'] !== 'in') return flashBack(c, session, { kind: 'error', text: 'Please choose to be left out or included. Nothing was changed.' });
      consentId = 'portal-research';
      const reason = (code: string) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code });
      consent = privacyConsent(consentId, session.value.patient, form['choice'] === 'out' ? 'active' : 'inactive', { type: 'deny', purpose: [reason('HRESCH'), reason('PUBHLTH')] });
    } else if (kind === 'sensitive') {
      const chosen = form['hide'];
      const hide = (Array.isArray(chosen) ? chosen : chosen === undefined ? [] : [chosen]).map(String);
      if (!hide.every((x) => HIDEABLE.some(([id]) => id === x))) return flashBack(c, session, { kind: 'error', text: 'Please choose from the listed kinds of information. Nothing was changed.' });
      consentId = 'portal-hide-sensitive';
      consent = privacyConsent(consentId, session.value.patient, hide.length > 0 ? 'active' : 'inactive', {
        type: 'deny',
        securityLabel: HIDEABLE.filter(([id]) => hide.includes(id)).map(([, code]) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code })),
      });
    } else if (kind === 'caregiver') {
      const caregivers = await listCaregivers(fhir, session.value.patient);
      const caregiver = caregivers.find((x) => x.id === form['caregiver']);
      if (!caregiver) return flashBack(c, session, { kind: 'error', text: 'Please choose a caregiver from the list. Nothing was changed.' });
      const chosen = form['class'];
      const classes = (Array.isArray(chosen) ? chosen : chosen === undefined ? [] : [chosen]).map(String);
      if (classes.length === 0 || !classes.every((x) => CAREGIVER_CLASSES.some(([code]) => code === x))) return flashBack(c, session, { kind: 'error', text: 'Please choose at least one kind of information to share. Nothing was changed.' });
      const until = typeof form['until'] === 'string' ? form['until'] : '';
      const today = new Date().toISOString().slice(0, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until)) || until <= today) return flashBack(c, session, { kind: 'error', text: 'The end date must be a real date after today. Nothing was changed.' });
      consentId = `portal-caregiver-${caregiver.id.replace(/^RelatedPerson\//, '')}`;
      consent = privacyConsent(consentId, session.value.patient, 'active', { type: 'permit', period: { start: today, end: until }, actor: [{ role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FAMMEMB' }] }, reference: { reference: caregiver.id } }], class: classes.map((code) => ({ system: 'http://hl7.org/fhir/resource-types', code })) });
    } else {
      return c.html(errorPage('There is no such choice.'), 404);
    }
    const res = await fhir(`/fhir/Consent/${consentId}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(consent) });
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

const errorPage = (message: string) => page({ title: 'Not changed', body: html`<h1>Nothing was changed</h1><p class="error" role="alert">${message}</p><p><a href="/portal">Back to my choices</a></p>` });

function privacyConsent(id: string, patient: string, status: 'active' | 'inactive', provision: object) {
  return {
    resourceType: 'Consent',
    id,
    status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    dateTime: new Date().toISOString(),
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTOUT' }] },
    provision,
  };
}

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
 * What an organization's people could see of this patient now, decided by the same `decide` as
 * every real request: clinicians there for treatment, or the plan for payment. Asked of the
 * engine directly (the answer is about the patient's own record, for the patient).
 */
async function accessOf(c: Context<AppEnv>, person: string, org: { id: string; name: string }): Promise<AccessRow> {
  const engine = c.var.deps.consent;
  if (!engine) return { actor: org.id, name: org.name, permit: false, withheld: [], reasons: ['Decisions are not served on this deployment.'] };
  const payer = /\/payer-/.test(org.id);
  const requester: Requester = payer
    ? { kind: 'system', subject: org.id, clientId: 'portal-preview', organization: org.id, clientKind: 'payer', purposes: ['HPAYMT'], scopes: [], scope: '', tokenId: 'portal-preview', expiresAt: Number.MAX_SAFE_INTEGER }
    : { kind: 'person', subject: `clinician at ${org.id}`, clientId: 'portal-preview', role: 'clinician', organization: org.id, purposes: ['TREAT'], scopes: [], scope: '', tokenId: 'portal-preview', expiresAt: Number.MAX_SAFE_INTEGER };
  const decision = await engine.decide(person, { requester, cls: 'Patient' });
  return {
    actor: org.id,
    name: `${org.name} (${payer ? 'the plan, for payment' : 'clinicians, for treatment'})`,
    permit: decision.permit,
    withheld: SENSITIVE.filter((s) => decision.obligations.redact.includes(s)).map((s) => CATEGORY_NAMES[s] ?? s),
    reasons: decision.reasons.map((r) => r.detail),
  };
}

const CATEGORY_NAMES: Record<string, string> = { sud: 'substance use treatment records', hiv: 'HIV information', bh: 'behavioural health', srh: 'sexual and reproductive health' };

async function hasActiveConsent(fhir: Fetcher, id: string): Promise<boolean> {
  const res = await fhir(`/fhir/Consent/${id}`);
  if (!res.ok) return false;
  return ((await res.json()) as { status?: string }).status === 'active';
}

async function historyOf(fhir: Fetcher, patient: string): Promise<HistoryRow[]> {
  const res = await fhir(`/fhir/AuditEvent?patient=${encodeURIComponent(patient)}&_count=50`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: AuditEventLike }[] };
  return (bundle.entry ?? []).map(({ resource: e }) => ({
    when: e.recorded,
    who: e.agent?.find((a) => a.requestor)?.who?.reference ?? e.agent?.find((a) => a.requestor)?.who?.identifier?.value ?? 'unknown',
    organization: e.agent?.find((a) => a.type?.text === 'organization')?.who?.reference ?? '',
    purpose: e.purposeOfEvent?.[0]?.coding?.[0]?.code ?? '',
    outcome: e.outcomeDesc ?? e.outcome ?? '',
    breakGlass: (e.extension ?? []).some((x) => x.url === 'urn:consent-gateway:break-glass' && x.valueBoolean),
    what: e.entity?.[0]?.what?.identifier?.value ?? '',
  }));
}

interface AuditEventLike {
  recorded: string;
  outcome?: string;
  outcomeDesc?: string;
  extension?: { url: string; valueBoolean?: boolean }[];
  purposeOfEvent?: { coding?: { code?: string }[] }[];
  agent?: { type?: { text?: string }; requestor?: boolean; who?: { reference?: string; identifier?: { value?: string } } }[];
  entity?: { what?: { identifier?: { value?: string } } }[];
}

/** The patient's registered caregivers (RelatedPerson records in their compartment). */
async function listCaregivers(fhir: Fetcher, patient: string): Promise<{ id: string; name: string }[]> {
  const res = await fhir(`/fhir/RelatedPerson?patient=${encodeURIComponent(patient)}&_count=50`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as { entry?: { resource: { id: string; name?: { given?: string[]; family?: string }[]; relationship?: { text?: string; coding?: { display?: string }[] }[] } }[] };
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
    const code = (r['code'] ?? (Array.isArray(r['type']) ? (r['type'] as unknown[])[0] : r['type'])) as { text?: string; coding?: { display?: string }[] } | undefined;
    const when = String(r['effectiveDateTime'] ?? (r['period'] as { start?: string } | undefined)?.start ?? r['recordedDate'] ?? r['recorded'] ?? '').slice(0, 10);
    return `${code?.text ?? code?.coding?.[0]?.display ?? cls}${when ? `, ${when}` : ''}`;
  });
}

/** The sensitive categories the patient's hide-from-everyone Consent names, if it is active. */
async function hiddenCategories(fhir: Fetcher): Promise<string[]> {
  const res = await fhir('/fhir/Consent/portal-hide-sensitive');
  if (!res.ok) return [];
  const consent = (await res.json()) as { status?: string; provision?: { securityLabel?: { code?: string }[] } };
  if (consent.status !== 'active') return [];
  const codes = new Set((consent.provision?.securityLabel ?? []).map((l) => l.code));
  return HIDEABLE.filter(([, code]) => codes.has(code)).map(([id]) => id);
}

/** Clinicians in the directory (PractitionerRole with an organization), named for the patient to pick from. */
async function listClinicians(c: Context<AppEnv>): Promise<{ id: string; name: string }[]> {
  const rows = await c.var.deps.db.orm.all<{ id: string; given: string | null; family: string | null; org: string | null }>(sql`
    SELECT json_extract(r.content, '$.practitioner.reference') AS id, json_extract(p.content, '$.name[0].given[0]') AS given, json_extract(p.content, '$.name[0].family') AS family,
      json_extract(o.content, '$.name') AS org
    FROM resources r
    LEFT JOIN resources p ON p.type = 'Practitioner' AND 'Practitioner/' || p.id = json_extract(r.content, '$.practitioner.reference')
    LEFT JOIN resources o ON o.type = 'Organization' AND 'Organization/' || o.id = json_extract(r.content, '$.organization.reference')
    WHERE r.type = 'PractitionerRole' AND json_extract(r.content, '$.organization.reference') IS NOT NULL`);
  const seen = new Map<string, string>();
  for (const r of rows) if (r.id && !seen.has(r.id)) seen.set(r.id, `${[r.given, r.family].filter(Boolean).join(' ') || r.id}${r.org ? `, ${r.org}` : ''}`);
  return [...seen].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** What a caregiver may see now, and until when (the end of the patient's grant to them). */
async function caregiverAccess(c: Context<AppEnv>, fhir: Fetcher, person: string, caregiver: { id: string; name: string }): Promise<AccessRow> {
  const requester = await hypotheticalRequester(c, caregiver.id, undefined);
  const grant = await fhir(`/fhir/Consent/portal-caregiver-${caregiver.id.replace(/^RelatedPerson\//, '')}`);
  const consent = grant.ok ? ((await grant.json()) as { status?: string; provision?: { period?: { end?: string }; class?: { code?: string }[] } }) : undefined;
  const active = consent?.status === 'active';
  const shared = active ? (consent?.provision?.class ?? []).map((k) => CAREGIVER_CLASSES.find(([code]) => code === k.code)?.[1] ?? k.code) : [];
  const decision = c.var.deps.consent ? await c.var.deps.consent.decide(person, { requester, cls: 'Observation' }) : undefined;
  return {
    actor: caregiver.id,
    name: `${caregiver.name} (caregiver)`,
    permit: active && shared.length > 0,
    withheld: [],
    reasons: active ? [`You shared: ${shared.join(', ')}`, ...(consent?.provision?.period?.end ? [`until ${consent.provision.period.end}`] : [])] : (decision?.reasons.map((r) => r.detail) ?? []),
  };
}
