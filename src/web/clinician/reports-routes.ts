import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import { FHIR_ID } from '../../fhir/types.js';
import { fhirAs, type AppFetch } from '../sign-in.js';
import { parseDay } from './day-field.js';
import { clinicianSignedOut } from './pages.js';
import { gapRows, readableReport, type StoredReport } from './reports.js';
import { careGapsReportPage, performanceReportPage, reportNotFound, reportsPage } from './reports-pages.js';
import { clinicianSession, organizationId, patientNames, type Fhir } from './session.js';

const KINDS = ['care-gaps', 'performance'] as const;
type Kind = (typeof KINDS)[number];
/** At most this many patients' documents are read to show one care-gaps report. */
const DOCUMENTS_SHOWN = 200;

/**
 * The organization's stored care-gap and performance reports (`Organization/{id}/$reports`),
 * the latest few of each kind, each viewable as a
 * table: the gaps patient by patient, the performance report's measures and counts.
 */
export function reportsRoutes(appFetch: AppFetch): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/reports', async (c) => {
    const s = await clinicianSession(c);
    if (!s) return c.html(clinicianSignedOut('Please sign in.'), 401);
    const today = c.var.deps.clock().toISOString().slice(0, 10);
    const fhir = fhirAs(c, appFetch, s.value.accessToken);
    const org = organizationId(s.value);
    const found = (await Promise.all(KINDS.map((kind) => organizationReports(fhir, org, kind, today)))).flat();
    const unique = [...new Map(found.map((r) => [r.id, r])).values()].sort((a, b) => b.created.localeCompare(a.created));
    return c.html(reportsPage({ reports: unique }));
  });

  app.get('/reports/:kind/:id', async (c) => {
    const s = await clinicianSession(c);
    if (!s) return c.html(clinicianSignedOut('Please sign in.'), 401);
    const kind = c.req.param('kind') as Kind;
    const id = c.req.param('id');
    const today = c.var.deps.clock().toISOString().slice(0, 10);
    const day = parseDay(c.req.query('day') ?? '', today);
    if (!KINDS.includes(kind) || !FHIR_ID.test(id) || 'error' in day) return c.html(reportNotFound(), 404);
    const fhir = fhirAs(c, appFetch, s.value.accessToken);
    const report = (await reportsOn(fhir, organizationId(s.value), kind, day.day)).find((r) => r.id === id);
    if (!report) return c.html(reportNotFound(), 404);
    if (kind === 'performance') {
      const res = await fhir(`/fhir/MeasureReport/${id}`);
      if (!res.ok) return c.html(reportNotFound(), 404);
      return c.html(performanceReportPage(report, readableReport((await res.json()) as Record<string, unknown>)));
    }
    const bundles = await Promise.all(
      report.documents.slice(0, DOCUMENTS_SHOWN).map(async (ref) => {
        const res = await fhir(`/fhir/${ref}`);
        return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
      }),
    );
    const rows = gapRows(bundles.filter((b) => b !== undefined));
    const names = await patientNames(
      fhir,
      rows.map((r) => r.patient),
    );
    return c.html(
      careGapsReportPage(
        report,
        rows.map((r) => ({ ...r, name: names.get(r.patient) })),
        report.documents.length > DOCUMENTS_SHOWN,
      ),
    );
  });
  return app;
}

/** How many of the organization's own reports of each kind are listed, and how many days with reports are read back to find them. */
const LISTED = 5;
const DAYS_READ = 12;

/**
 * The organization's latest reports of a kind, walking back a day with reports at a time
 * (`le{day}` finds the latest day, then that day's reports are all read). A record page's run
 * for one patient is stored too (DEQM stores every run) but is not the organization's report,
 * so it is passed over rather than hiding the reports behind it.
 */
async function organizationReports(fhir: Fhir, org: string, kind: Kind, today: string): Promise<StoredReport[]> {
  const out: StoredReport[] = [];
  let day = today;
  for (let i = 0; i < DAYS_READ && out.length < LISTED; i++) {
    const [latest] = await reportsOn(fhir, org, kind, `le${day}`);
    if (!latest?.created) break;
    const madeOn = latest.created.slice(0, 10);
    out.push(...(await reportsOn(fhir, org, kind, madeOn)).filter((r) => r.kind !== 'care-gaps' || r.rosters.length > 0));
    day = new Date(Date.parse(`${madeOn}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  }
  return out.slice(0, LISTED);
}

interface ReportsBundle {
  entry?: {
    resource?: {
      id?: string;
      parameter?: {
        name: string;
        valueString?: string;
        valueCode?: string;
        valueDateTime?: string;
        valuePeriod?: { start?: string; end?: string };
        valueReference?: { reference?: string };
        valueInteger?: number;
      }[];
    };
  }[];
}

/** One `$reports` answer as plain rows; a refused or failed query is no reports. */
async function reportsOn(fhir: Fhir, org: string, kind: Kind, date: string): Promise<StoredReport[]> {
  const res = await fhir(`/fhir/Organization/${org}/$reports?date=${date}&kind=${kind}`);
  if (!res.ok) return [];
  const bundle = (await res.json()) as ReportsBundle;
  return (bundle.entry ?? []).map((e) => {
    const p = e.resource?.parameter ?? [];
    const one = (name: string) => p.find((x) => x.name === name);
    const counts: Record<string, number> = {};
    for (const x of p) if (x.valueInteger !== undefined) counts[x.name] = x.valueInteger;
    return {
      id: one('report')?.valueString ?? e.resource?.id ?? '',
      kind: one('kind')?.valueCode ?? kind,
      created: one('created')?.valueDateTime ?? '',
      period: { start: one('period')?.valuePeriod?.start ?? '', end: one('period')?.valuePeriod?.end ?? '' },
      rosters: p.filter((x) => x.name === 'roster').map((x) => x.valueReference?.reference ?? ''),
      documents: p.filter((x) => x.name === 'document').map((x) => x.valueReference?.reference ?? ''),
      ...(one('contract')?.valueString ? { contract: one('contract')!.valueString! } : {}),
      counts,
    };
  });
}
