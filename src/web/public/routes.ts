import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { MetricRow } from '../../release/files/rows.js';
import { ledgerSummary } from '../../release/budget/store.js';
import { isReleaseId, listReleases, readReleaseFile } from '../../release/store.js';
import { organizationDirectory } from '../../directory/organizations.js';
import { pageHeaders } from '../security.js';
import { chartData } from './chart-data.js';
import { catalogPage, ledgerPage, methodologyPage, notFoundPage, releasePage } from './pages.js';

/** The public data portal: no login, server-rendered, charts drawn from our own scripts. */
export function publicPages(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(pageHeaders());

  app.get('/', async (c) => c.html(catalogPage(await listReleases(c.var.deps.db))));

  app.get('/privacy-budget', async (c) => c.html(ledgerPage(await ledgerSummary(c.var.deps.db))));

  app.get('/releases/:id', async (c) => {
    const release = await releaseOf(c.var.deps.db, c.req.param('id'));
    if (!release) return c.html(notFoundPage('There is no release with that name.'), 404);
    const rows = await rowsOf(c.var.deps.db, release.id);
    const manifest = JSON.parse((await readReleaseFile(c.var.deps.db, release.id, 'manifest.json'))!.content) as {
      population: { people: number; excludedByConsent: number };
    };
    return c.html(releasePage(release, manifest, chartData(rows, release.years, (await organizationDirectory(c.var.deps.db)).byId)));
  });

  app.get('/releases/:id/methodology', async (c) => {
    const release = await releaseOf(c.var.deps.db, c.req.param('id'));
    const file = release && (await readReleaseFile(c.var.deps.db, release.id, 'methodology.md'));
    if (!release || !file) return c.html(notFoundPage('There is no release with that name.'), 404);
    return c.html(methodologyPage(release, file.content));
  });
  return app;
}

type Database = AppEnv['Variables']['deps']['db'];

async function releaseOf(db: Database, id: string) {
  if (!isReleaseId(id)) return undefined;
  return (await listReleases(db)).find((r) => r.id === id);
}

// Releases never change, so their parsed rows can be kept (a few, most recent first).
const parsed = new Map<string, MetricRow[]>();
async function rowsOf(db: Database, id: string): Promise<MetricRow[]> {
  let rows = parsed.get(id);
  if (!rows) {
    rows = (JSON.parse((await readReleaseFile(db, id, 'metrics.json'))!.content) as { rows: MetricRow[] }).rows;
    parsed.set(id, rows);
    if (parsed.size > 4) parsed.delete(parsed.keys().next().value!);
  }
  return rows;
}
