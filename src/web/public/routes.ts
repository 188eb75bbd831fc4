import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { MetricRow } from '../../release/files/rows.js';
import { ledgerSummary } from '../../release/budget/store.js';
import { isReleaseId, listReleases, readReleaseFile } from '../../release/store.js';
import { organizationDirectory } from '../../directory/organizations.js';
import { pageHeaders } from '../security.js';
import { chartData } from './chart-data.js';
import { comparePage } from './compare-page.js';
import { readCompareQuery } from './compare-query.js';
import { compareReleases } from './compare.js';
import { parseCsv } from './csv.js';
import { dictionaryPage } from './dictionary-page.js';
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

  app.get('/releases/:id/dictionary', async (c) => {
    const release = await releaseOf(c.var.deps.db, c.req.param('id'));
    const file = release && (await readReleaseFile(c.var.deps.db, release.id, 'dictionary.csv'));
    if (!release || !file) return c.html(notFoundPage('There is no release with that name.'), 404);
    return c.html(dictionaryPage(release, parseCsv(file.content)));
  });

  // A GET form: a comparison is a link one can share, and the form works without JavaScript.
  app.get('/compare', async (c) => {
    const releases = await listReleases(c.var.deps.db);
    const query = readCompareQuery(
      c.req.query(),
      releases.map((r) => r.id),
    );
    if (!query.valid) return c.html(comparePage(releases, query), Object.keys(query.errors).length > 0 ? 400 : 200);
    const { a, b, table } = query.valid;
    return c.html(comparePage(releases, query, compareReleases(await rowsOf(c.var.deps.db, a), await rowsOf(c.var.deps.db, b), table)));
  });
  // Any other page under /public (the file routes are mounted before these pages).
  app.get('*', (c) => c.html(notFoundPage('There is no such page.'), 404));
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
