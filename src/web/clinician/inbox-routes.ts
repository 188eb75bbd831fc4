import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { fhirAs, type AppFetch } from '../sign-in.js';
import { daysEndingOn, parseDay } from './day-field.js';
import { inboxPage, type InboxEvent } from './inbox-pages.js';
import { clinicianSignedOut } from './pages.js';
import { clinicianSession, organizationId, patientNames, type Fhir } from './session.js';

/** Without a chosen day the inbox reads two weeks: long enough to cover a holiday, one digest per day. */
const INBOX_DAYS = 14;

/**
 * The organization's notifications inbox: its daily admission and discharge digests
 * (`Organization/{id}/$adt-digest`), read as the clinician, for the last two weeks or one chosen
 * day. A malformed or future day is refused next to the field, with what was typed kept.
 */
export function inboxRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/notifications', async (c) => {
    const s = await clinicianSession(c);
    if (!s) return c.html(clinicianSignedOut('Please sign in.'), 401);
    const today = c.var.deps.clock().toISOString().slice(0, 10);
    const typed = c.req.query('date');
    const chosen = typed === undefined || typed === '' ? undefined : parseDay(typed, today);
    if (chosen && 'error' in chosen) return c.html(inboxPage({ events: [], days: [], typed: typed!, errors: { date: chosen.error } }), 400);
    const days = chosen ? [chosen.day] : daysEndingOn(today, INBOX_DAYS);
    const fhir = fhirAs(c, appFetch, s.value.accessToken);
    const events = await digestEvents(fhir, organizationId(s.value), days);
    const names = await patientNames(
      fhir,
      events.map((e) => e.patient),
    );
    return c.html(inboxPage({ events: events.map((e) => ({ ...e, name: names.get(e.patient) })), days, typed: typed ?? '' }));
  });
  return app;
}

interface DigestList {
  entry?: {
    extension?: { url: string; valueReference?: { reference?: string }; valueCoding?: { code?: string } }[];
    flag?: { coding?: { code?: string }[] };
    date?: string;
    item?: { reference?: string };
  }[];
}

/** Every event of those days' digests, newest first. A day the API refuses contributes nothing (it is not this page's to explain). */
async function digestEvents(fhir: Fhir, org: string, days: readonly string[]): Promise<Omit<InboxEvent, 'name'>[]> {
  const lists = await Promise.all(
    days.map(async (day) => {
      const res = await fhir(`/fhir/Organization/${org}/$adt-digest?date=${day}`);
      return res.ok ? ((await res.json()) as DigestList) : { entry: [] };
    }),
  );
  return lists
    .flatMap((l, i) =>
      (l.entry ?? []).map((e) => {
        const ext = (url: string) => e.extension?.find((x) => x.url === url);
        const patient = (ext('urn:consent-gateway:adt-digest-patient')?.valueReference?.reference ?? '').replace(/^Patient\//, '');
        const cls = ext('urn:consent-gateway:adt-digest-class')?.valueCoding?.code;
        return { day: days[i]!, when: e.date ?? days[i]!, topic: e.flag?.coding?.[0]?.code ?? '', patient, ...(cls ? { encounterClass: cls } : {}) };
      }),
    )
    .filter((e) => e.patient !== '')
    .sort((a, b) => b.when.localeCompare(a.when));
}
