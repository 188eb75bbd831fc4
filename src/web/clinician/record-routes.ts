import { everyEntry } from '../fhir-pages.js';
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { organizationDirectory } from '../../directory/organizations.js';
import { FHIR_ID } from '../../fhir/types.js';
import { displayName } from '../display.js';
import { fhirAs, type AppFetch } from '../sign-in.js';
import { clinicianSignedOut, noAccessPage } from './pages.js';
import { groupRecord } from './record.js';
import { summaryPage, visitsPage } from './record-pages.js';
import { clinicianSession, measurementYear, type ClinicianSession, type Fhir } from './session.js';
import { summarize } from './summary.js';
import type { Resource } from './fhir-values.js';

/**
 * A patient's record: the summary first, then everything by visit and by source. Both read
 * `$everything` with the clinician's own token, so consent decides what is in it; a record
 * that is withheld and one that does not exist are the same 404.
 */
export function recordRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/patients/:id', async (c) => {
    const got = await readRecord(c, appFetch);
    if ('response' in got) return got.response;
    const { id, resources, fhir } = got;
    const year = await measurementYear(c);
    return c.html(
      summaryPage({
        id,
        ...nameOf(resources),
        summary: summarize(resources),
        ...(year ? { careGaps: await openCareGaps(fhir, id, year) } : { careGaps: [] }),
        sourceNames: (await organizationDirectory(c.var.deps.db)).bySource,
      }),
    );
  });
  app.get('/patients/:id/visits', async (c) => {
    const got = await readRecord(c, appFetch);
    if ('response' in got) return got.response;
    const { id, resources } = got;
    return c.html(
      visitsPage({
        id,
        ...nameOf(resources),
        record: groupRecord(resources),
        summary: summarize(resources),
        sourceNames: (await organizationDirectory(c.var.deps.db)).bySource,
      }),
    );
  });
  return app;
}

function nameOf(resources: readonly Resource[]): { name?: string } {
  const name = displayName(resources.find((r) => r['resourceType'] === 'Patient')?.['name'] as Parameters<typeof displayName>[0]);
  return name ? { name } : {};
}

async function readRecord(
  c: Context<AppEnv>,
  appFetch: AppFetch,
): Promise<{ response: Response } | { id: string; resources: Resource[]; fhir: Fhir; session: ClinicianSession }> {
  const s = await clinicianSession(c);
  if (!s) return { response: await c.html(clinicianSignedOut('Please sign in.'), 401) };
  const id = c.req.param('id') ?? '';
  if (!FHIR_ID.test(id)) return { response: await c.html(noAccessPage({ id: 'that id', emergency: false, csrf: s.value.csrf }), 404) };
  const fhir = fhirAs(c, appFetch, s.value.accessToken);
  // Every page of it: a summary of the first thousand resources would leave out whatever sorts last.
  const entries = await everyEntry<{ resource: Resource }>(fhir, `/fhir/Patient/${id}/$everything?_count=1000`);
  if (!entries) return { response: await c.html(noAccessPage({ id, emergency: s.value.emergency, csrf: s.value.csrf }), 404) };
  return { id, resources: entries.map((e) => e.resource), fhir, session: s.value };
}

/**
 * This patient's open gaps for the measurement year: DEQM `$care-gaps` with the patient as
 * subject, as the clinician, so a gap closed only by a record she withholds stays open here and
 * nothing names that record. One section per measure with a gap. Undefined when it could not be
 * answered (the page says so rather than "no gaps").
 */
async function openCareGaps(fhir: Fhir, id: string, year: number): Promise<string[] | undefined> {
  const q = new URLSearchParams({ subject: `Patient/${id}`, periodStart: `${year}-01-01`, periodEnd: `${year}-12-31`, status: 'open-gap' });
  const res = await fhir(`/fhir/Measure/$care-gaps?${q}`);
  if (!res.ok) return undefined;
  const answer = (await res.json()) as { parameter?: { resource?: { entry?: { resource?: Resource }[] } }[] };
  const titles = (answer.parameter ?? []).flatMap((p) =>
    (p.resource?.entry ?? [])
      .map((e) => e.resource)
      .filter((r) => r?.['resourceType'] === 'Composition')
      .flatMap((comp) => ((comp!['section'] as { title?: string }[] | undefined) ?? []).map((s) => s.title ?? 'A quality measure')),
  );
  return [...new Set(titles)];
}
