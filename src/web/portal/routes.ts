import { readableForms } from '../forms.js';
import { everyEntry } from '../fhir-pages.js';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import type { AppEnv } from '../../app-env.js';
import type { ConsentLine, Gate, TheirGrant } from '../../gate/index.js';
import { groupRecord } from '../clinician/record.js';
import { page } from '../layout.js';
import { pageHeaders } from '../security.js';
import { csrfOk, currentSession, fhirAs, gateAs, mountSignIn, saveSession, type AppFetch, type BaseSession, type Fetcher } from '../sign-in.js';
import { changesByOthers } from './changes.js';
import { CHOICE_KINDS, parseChoice, typedValues, type ChoiceKind } from './choice-forms.js';
import { enforced, portalConsents, saveChoice } from './choices.js';
import { actingBanner, dashboardPage, type EmergencyLine, type FormState } from './dashboard.js';
import { listCaregivers, listClinicians, listOrganizations, type Named } from './directory.js';
import { historyPage } from './history-page.js';
import { accountingPage, historyCsv, historyRow, isCursor, isOwnPortalVisit, wholeAccounting, type AuditEventLike } from './history.js';
import { CAREGIVER_CLASSES, caregiverPage, previewPage, signedOutPage } from './pages.js';
import { dayInWords, kindInWords } from './plain-words.js';
import { reviewPage } from './review-page.js';
import { visitNoticeLines } from './told.js';
import { whoCanSeeHer } from './who-can-see.js';

const SCOPE = 'openid fhirUser launch/patient patient/*.rs online_access';
/** Rows of her accounting read per page of the history (her own portal visits are then left out). */
const HISTORY_PAGE = 50;

interface Session extends BaseSession {
  role: 'patient' | 'caregiver';
  patient: string;
  /** Who is signed in (her Patient reference, or the caregiver's RelatedPerson). */
  me?: string;
  receipt?: string;
  form?: FormState;
}

/** Who is signed in and for whom, as every portal page needs it. */
interface Portal {
  session: { id: string; value: Session };
  fhir: Fetcher;
  gate: Gate | undefined;
  patientId: string;
  /** She herself, or a caregiver she has delegated her consents (the Consent class) to. */
  mayChange: boolean;
  /** The caregiver's name when he acts for her. */
  actingAs?: string;
  name: string;
  /** What deciding a caregiver's delegation already read, so a page does not read it again. */
  lines?: ConsentLine[];
  caregivers?: Awaited<ReturnType<typeof listCaregivers>>;
}

/**
 * The patient portal: server-rendered pages that act through the FHIR API and the gate with the
 * signed-in user's own token (code + PKCE, held server-side), so every rule of the API applies
 * to them too. A caregiver she has delegated her consents to sees her pages and acts for her,
 * under a banner that says so. Forms post back with a CSRF token; changes follow
 * post/redirect/get, and a refused form comes back with its errors and what was typed.
 */
export function portalRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders(), readableForms('portal'));
  app.use(async function noStore(c, next) {
    await next();
    // A page of her record must not come back from the browser's cache after sign-out (the back button).
    c.header('cache-control', 'no-store');
  });
  mountSignIn<Session>(app, {
    path: '/portal',
    scope: SCOPE,
    allow: (r) => (r.role === 'patient' || r.role === 'caregiver' ? undefined : 'This portal is for patients and the caregivers they choose.'),
    session: (r, accessToken, csrf) => ({
      accessToken,
      csrf,
      role: r.role === 'caregiver' ? 'caregiver' : 'patient',
      patient: r.role === 'patient' && r.fhirUser ? r.fhirUser : `Patient/${String(r.patient).replace(/^Patient\//, '')}`,
      ...(r.fhirUser ? { me: r.fhirUser } : {}),
    }),
    signedOut: (m) => signedOutPage(m),
  });

  async function portal(c: Context<AppEnv>): Promise<Portal | undefined> {
    const session = await currentSession<Session>(c);
    if (!session) return undefined;
    const fhir = fhirAs(c, appFetch, session.value.accessToken);
    const gate = await gateAs(c, session.value.accessToken);
    const patientId = session.value.patient.replace(/^Patient\//, '');
    const name = (gate ? await gate.nameOfPatient(patientId) : undefined) ?? 'the patient';
    if (session.value.role === 'patient') return { session, fhir, gate, patientId, mayChange: true, name };
    // Her compiled lines are explained only to a caregiver she has delegated her consents to.
    const lines = gate ? await gate.choices(patientId) : undefined;
    if (lines === undefined) return { session, fhir, gate, patientId, mayChange: false, name };
    const me = session.value.me ?? '';
    const caregivers = await listCaregivers(fhir, session.value.patient);
    const caregiver = caregivers.find((x) => x.id === me);
    return { session, fhir, gate, patientId, mayChange: true, name, actingAs: caregiver?.person ?? 'her caregiver', lines: [...lines], caregivers };
  }
  const banner = (p: Portal) => (p.actingAs ? actingBanner(p.name, p.actingAs) : undefined);
  const signIn = (c: Context<AppEnv>) => c.html(signedOutPage('Your session has ended. Please sign in again.'), 401);

  app.get('/', async (c) => {
    const p = await portal(c);
    if (!p) return c.html(signedOutPage());
    const { session, fhir, gate, patientId } = p;
    if (!p.mayChange) {
      const sections = await Promise.all(
        CAREGIVER_CLASSES.filter(([cls]) => cls !== 'Consent').map(async ([cls, label]) => ({
          label,
          items: await sharedItems(fhir, cls, session.value.patient),
        })),
      );
      return c.html(caregiverPage({ patientName: p.name, csrf: session.value.csrf, sections }));
    }
    const organizations = await listOrganizations(fhir);
    const caregivers = p.caregivers ?? (await listCaregivers(fhir, session.value.patient));
    const clinicians = await listClinicians(fhir, organizations);
    const names = namesOf(organizations, clinicians, caregivers);
    const lines = p.lines ?? (gate ? await gate.choices(patientId) : undefined);
    const { researchOptOut, hidden, noticeTo } = enforced(lines ?? []);
    const first = await accountingPage(fhir, session.value.patient, HISTORY_PAGE);
    const view = dashboardPage({
      patientName: p.name,
      ...(p.actingAs ? { actingAs: p.actingAs } : {}),
      who: gate
        ? await whoCanSeeHer(gate, fhir, session.value.patient, organizations, caregivers)
        : { doctors: [], plans: [], caregivers: [], mentalHealth: [] },
      organizations,
      researchOptOut,
      noticeTo,
      caregivers,
      clinicians,
      hidden,
      today: new Date().toISOString().slice(0, 10),
      history: rowsOf(first.events, session.value.patient, names, caregivers).slice(0, 10),
      ...(first.older ? { olderHistory: first.older } : {}),
      told: visitNoticeLines(first.events, names),
      emergencies: gate ? emergencyLines((await gate.breakGlassOfHers(patientId)) ?? [], names, !!p.actingAs) : [],
      changesByOthers: p.actingAs ? [] : changesByOthers(await portalConsents(fhir, session.value.patient), session.value.patient, names),
      csrf: session.value.csrf,
      ...(session.value.flash ? { message: session.value.flash } : {}),
      ...(session.value.form ? { form: session.value.form } : {}),
      ...(session.value.receipt ? { receipt: session.value.receipt } : {}),
    });
    if (session.value.flash || session.value.form) await saveSession(c, session.id, { ...session.value, flash: undefined, form: undefined } as Session);
    return c.html(view);
  });

  app.get('/history', async (c) => {
    const p = await portal(c);
    if (!p) return signIn(c);
    const at = c.req.query('at');
    const back = (c.req.query('back') ?? '').split(',').filter((x) => x === 'first' || isCursor(x));
    if (at !== undefined && !isCursor(at)) return c.redirect('/portal/history', 303);
    const accounting = await accountingPage(p.fhir, p.session.value.patient, HISTORY_PAGE, at);
    const caregivers = await listCaregivers(p.fhir, p.session.value.patient);
    const organizations = await listOrganizations(p.fhir);
    const names = namesOf(organizations, await listClinicians(p.fhir, organizations), caregivers);
    // The first page's own cursor (its snapshot, from its next link), so "newer" from the second page shows exactly it again.
    const self = at ?? (accounting.older ? `${accounting.older.split('.')[0]}.0` : 'first');
    const trail = [...back, self];
    const previous = back.at(-1);
    const newer =
      previous === undefined
        ? undefined
        : previous === 'first'
          ? '/portal/history'
          : `/portal/history?${new URLSearchParams({ at: previous, back: back.slice(0, -1).join(',') })}`;
    const older = accounting.older ? `/portal/history?${new URLSearchParams({ at: accounting.older, back: trail.join(',') })}` : undefined;
    const b = banner(p);
    return c.html(
      historyPage({
        rows: rowsOf(accounting.events, p.session.value.patient, names, caregivers),
        ...(older ? { older } : {}),
        ...(newer ? { newer } : {}),
        ...(b ? { banner: b } : {}),
      }),
    );
  });

  app.get('/download/access-history.csv', async (c) => {
    const p = await portal(c);
    if (!p) return signIn(c);
    const caregivers = await listCaregivers(p.fhir, p.session.value.patient);
    const organizations = await listOrganizations(p.fhir);
    const names = namesOf(organizations, await listClinicians(p.fhir, organizations), caregivers);
    const events = await wholeAccounting(p.fhir, p.session.value.patient);
    return c.body(historyCsv(rowsOf(events, p.session.value.patient, names, caregivers)), 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="access-history.csv"',
    });
  });

  app.get('/download/record.json', async (c) => {
    const p = await portal(c);
    if (!p) return signIn(c);
    const bundle = await wholeRecord(p.fhir, p.patientId);
    if (!bundle) return c.html(errorPage('The record cannot be downloaded just now. Please try again later.'), 503);
    return c.body(JSON.stringify(bundle, null, 2), 200, {
      'content-type': 'application/fhir+json; charset=utf-8',
      'content-disposition': 'attachment; filename="my-health-record.json"',
    });
  });

  app.get('/preview', async (c) => {
    const p = await portal(c);
    if (!p || !p.mayChange) return signIn(c);
    const organizations = await listOrganizations(p.fhir);
    const clinicians = await listClinicians(p.fhir, organizations);
    const chosen = clinicians.find((x) => x.id === c.req.query('actor'));
    if (!chosen) return flashBack(c, p.session, { kind: 'error', text: 'Please choose a clinician from the list.' });
    const rows = p.gate ? await p.gate.preview(p.patientId, chosen.id) : undefined;
    if (!rows) return c.html(errorPage('The preview is not available just now.'), 503);
    const visible = rows.map((r) => JSON.parse(r.content) as Record<string, unknown>);
    const record = groupRecord(visible);
    const visits = record.visits.map((v) => ({
      title: v.encounter ? `${v.encounter.what}, ${dayInWords(v.encounter.when)}` : 'Not tied to a visit',
      items: v.items.map((i) => `${kindInWords(i.type)}: ${i.what}${i.when ? `, ${dayInWords(i.when)}` : ''}`),
    }));
    const b = banner(p);
    return c.html(previewPage({ clinician: chosen.name, visits, count: visible.length, ...(b ? { banner: b } : {}) }));
  });

  app.get('/receipt', async (c) => {
    const session = await currentSession<Session>(c);
    if (!session?.value.receipt) return c.html(signedOutPage('There is no receipt to download.'), 404);
    return c.body(session.value.receipt, 200, {
      'content-type': 'application/jose',
      'content-disposition': 'attachment; filename="consent-receipt.jws"',
    });
  });

  app.post('/choices/:kind', async (c) => {
    const form = await c.req.parseBody({ all: true });
    const p = await portal(c);
    if (!p) return signIn(c);
    if (!p.mayChange) return c.html(errorPage('Only the patient, or a caregiver she has asked to act for her, can change these choices.'), 403);
    if (!csrfOk(form, p.session.value)) return c.html(errorPage('This form has expired or did not come from this site. Nothing was changed.'), 403);
    const kind = c.req.param('kind') as ChoiceKind;
    if (!CHOICE_KINDS.includes(kind)) return c.html(errorPage('There is no such choice.'), 404);
    const patient = p.session.value.patient;
    const organizations = await listOrganizations(p.fhir);
    const caregivers = await listCaregivers(p.fhir, patient);
    const parsed = parseChoice(kind, form, {
      organizations,
      caregivers,
      today: new Date().toISOString().slice(0, 10),
      ...(p.actingAs && p.session.value.me ? { actingAs: p.session.value.me } : {}),
    });
    if (!parsed.ok) return refused(c, p.session, { kind, errors: parsed.errors, values: typedValues(form) });
    const res = await saveChoice(p.fhir, patient, parsed.key, parsed.active, parsed.provision, p.session.value.me ?? patient);
    if (!res) return flashBack(c, p.session, { kind: 'ok', text: 'Saved. The choice applies from now on.' });
    if (!res.ok) {
      // The API refused (for a caregiver: a change only she may make). Its diagnostics are for developers, not for her.
      return flashBack(c, p.session, {
        kind: 'error',
        text:
          res.status === 403
            ? 'Nothing was changed: only the patient herself can make this change.'
            : 'Nothing was changed: the choice could not be saved. Please try again.',
      });
    }
    return flashBack(c, p.session, { kind: 'ok', text: 'Saved. The choice applies from now on.' }, res.headers.get('consent-receipt') ?? undefined);
  });

  app.get('/reviews/:grant', async (c) => {
    const p = await portal(c);
    if (!p || !p.mayChange) return signIn(c);
    const line = await grantLine(p, c.req.param('grant'));
    if (!line) return c.html(errorPage('There is no such emergency access to your record.'), 404);
    const b = banner(p);
    return c.html(reviewPage({ ...line, csrf: p.session.value.csrf, ...(b ? { banner: b } : {}) }));
  });

  app.post('/reviews/:grant', async (c) => {
    const form = await c.req.parseBody();
    const p = await portal(c);
    if (!p) return signIn(c);
    if (!p.mayChange) return c.html(errorPage('Only the patient, or a caregiver she has asked to act for her, can ask for a review.'), 403);
    if (!csrfOk(form, p.session.value)) return c.html(errorPage('This form has expired or did not come from this site. Nothing was changed.'), 403);
    const grant = c.req.param('grant');
    const line = await grantLine(p, grant);
    if (!line || !p.gate) return c.html(errorPage('There is no such emergency access to your record.'), 404);
    const note = typeof form['note'] === 'string' ? form['note'].trim() : '';
    const b = banner(p);
    const again = (errors: Record<string, string>) =>
      c.html(
        reviewPage({ ...line, csrf: p.session.value.csrf, note: typeof form['note'] === 'string' ? form['note'] : '', errors, ...(b ? { banner: b } : {}) }),
        400,
      );
    if (note.length === 0) return again({ note: 'Please say why you want this emergency access reviewed.' });
    if (note.length > 1000) return again({ note: 'Please keep it to 1,000 characters.' });
    const refusal = await p.gate.askBreakGlassReview(p.patientId, grant, note);
    if (refusal === 'unknown-grant') return c.html(errorPage('There is no such emergency access to your record.'), 404);
    return flashBack(c, p.session, {
      kind: 'ok',
      text: refusal
        ? 'A review of this emergency access was already asked for or made; nothing new was added.'
        : 'Your request for a review was sent. You will see the finding here.',
    });
  });

  /** One of her grants as the review page shows it; undefined when it is not hers (as if it did not exist). */
  async function grantLine(p: Portal, grant: string): Promise<EmergencyLine | undefined> {
    const grants = p.gate ? ((await p.gate.breakGlassOfHers(p.patientId)) ?? []) : [];
    const organizations = await listOrganizations(p.fhir);
    const names = namesOf(organizations, await listClinicians(p.fhir, organizations), []);
    return emergencyLines(grants, names, !!p.actingAs).find((l) => l.grant === grant);
  }

  return app;
}

async function flashBack(c: Context<AppEnv>, session: { id: string; value: Session }, flash: Session['flash'], receipt?: string) {
  await saveSession(c, session.id, { ...session.value, flash, form: undefined, ...(receipt ? { receipt } : {}) } as Session);
  return c.redirect('/portal', 303);
}

/** A refused form: its errors and what was typed go to the page it redirects to, next to its fields. */
async function refused(c: Context<AppEnv>, session: { id: string; value: Session }, form: FormState) {
  await saveSession(c, session.id, { ...session.value, flash: undefined, form } as Session);
  return c.redirect(`/portal#change`, 303);
}

const errorPage = (message: string) =>
  page({
    title: 'Not changed',
    area: 'portal',
    body: html`<h1>Nothing was changed</h1>
      <p class="error" role="alert">${message}</p>
      <p><a href="/portal">Back to the sharing choices</a></p>`,
  });

/** People and organizations by reference, for sentences to name them. */
function namesOf(organizations: readonly Named[], clinicians: readonly (Named & { person: string })[], caregivers: readonly (Named & { person: string })[]) {
  return new Map<string, string>([
    ...organizations.map((o) => [o.id, o.name] as const),
    ...clinicians.map((x) => [x.id, x.person] as const),
    ...caregivers.map((x) => [x.id, x.person] as const),
  ]);
}

function rowsOf(events: readonly AuditEventLike[], patient: string, names: ReadonlyMap<string, string>, caregivers: readonly Named[]) {
  const carers = new Set(caregivers.map((x) => x.id));
  return events.filter((e) => !isOwnPortalVisit(e)).map((e) => historyRow(e, patient, names, carers));
}

/** Her grants in words: who opened her record, where, when and why, and where its review stands. */
function emergencyLines(grants: readonly TheirGrant[], names: ReadonlyMap<string, string>, acting: boolean): EmergencyLine[] {
  const yours = acting ? 'her' : 'your';
  return grants.map((g) => {
    const who = names.get(g.practitioner) ?? 'A clinician';
    const at = names.get(g.organization) ? ` at ${names.get(g.organization)}` : '';
    const asked = g.requests[0];
    const review = g.decision
      ? `Reviewed on ${dayInWords(g.decision.at)}: the exchange found it ${g.decision.outcome === 'appropriate' ? 'justified' : 'not justified'}${g.decision.note ? `: “${g.decision.note}”` : ''}.`
      : asked
        ? `A review was asked for on ${dayInWords(asked.at)}; it is waiting for an operator of the exchange.`
        : 'Waiting for the exchange’s routine review.';
    return {
      grant: g.id,
      text: `${who}${at} opened ${yours} record in an emergency on ${dayInWords(g.startedAt)} (until ${dayInWords(g.expiresAt)}). The reason given: “${g.reason}”.`,
      review,
      mayAsk: !g.decision && !asked,
    };
  });
}

/** One kind of her data as a caregiver's token reaches it; undefined when none of it is shared. */
async function sharedItems(fhir: Fetcher, cls: string, patient: string): Promise<string[] | undefined> {
  const res = await fhir(`/fhir/${cls}?patient=${encodeURIComponent(patient)}&_count=20`);
  if (!res.ok) return undefined;
  const bundle = (await res.json()) as { entry?: { resource: Record<string, unknown> }[] };
  const entries = bundle.entry ?? [];
  if (entries.length === 0) return undefined;
  return entries.map(({ resource: r }) => {
    const code = (r['code'] ?? (Array.isArray(r['type']) ? (r['type'] as unknown[])[0] : r['type'])) as
      { text?: string; coding?: { display?: string }[] } | undefined;
    const when = String(r['effectiveDateTime'] ?? (r['period'] as { start?: string } | undefined)?.start ?? r['recordedDate'] ?? r['recorded'] ?? '');
    return `${code?.text ?? code?.coding?.[0]?.display ?? 'An entry'}${when ? `, ${dayInWords(when)}` : ''}`;
  });
}

/** Her whole record as one FHIR Bundle: `$everything` with her own token, every page of it. */
async function wholeRecord(fhir: Fetcher, patientId: string): Promise<object | undefined> {
  const entries = await everyEntry<unknown>(fhir, `/fhir/Patient/${encodeURIComponent(patientId)}/$everything?_count=1000`);
  if (!entries) return undefined;
  return { resourceType: 'Bundle', type: 'searchset', timestamp: new Date().toISOString(), total: entries.length, entry: entries };
}
