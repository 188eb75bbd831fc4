import { Hono, type Context } from 'hono';
import { cors } from 'hono/cors';
import type { AppEnv } from '../app-env.js';
import { ledgerSummary } from '../release/budget/store.js';
import { dcatCatalog, resolveDataset } from '../release/files/dcat.js';
import { sha256Hex } from '../release/build.js';
import { isReleaseId, listReleases, readReleaseFile } from '../release/store.js';

const FILE_NAME = /^[a-z0-9-]{1,40}\.(csv|json|md|jws)$/;

/**
 * The public dataset, without login: the DCAT-US catalog, each release's files (immutable, so
 * cached for a year with a sha256 ETag), a `latest` alias, and the privacy-budget ledger. CORS is
 * open for reading, so notebooks and pages anywhere can fetch the data.
 */
export function publicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'], exposeHeaders: ['ETag', 'Content-Length'] }));

  // The audit trail's signed anchors (src/audit/anchors.ts), newest first: keep copies, and
  // `npm run audit:verify -- --anchors <file>` shows whether the trail still holds what they sign.
  app.get('/audit-anchors', async (c) => {
    // Without the heads a sealed anchor keeps: they name patients (src/audit/anchors.ts).
    const anchors = (await c.var.deps.audit.anchors()).map(({ seq, issuedAt, jws }) => ({ seq, issuedAt, jws }));
    const body = { issuer: c.var.deps.config.baseUrl, jwks_uri: `${c.var.deps.config.issuer}/jwks`, anchors };
    return send(c, JSON.stringify(body), 'application/json', 'no-cache');
  });

  app.get('/data.json', async (c) => {
    const releases = await listReleases(c.var.deps.db);
    const datasets = [];
    for (const r of releases) {
      const file = await readReleaseFile(c.var.deps.db, r.id, 'data.json');
      // Stored links are relative to the release's folder: made absolute here, with today's base URL.
      if (file)
        for (const d of (JSON.parse(file.content) as { dataset: Record<string, unknown>[] }).dataset)
          datasets.push(resolveDataset(d, r.id, c.var.deps.config.baseUrl));
    }
    return send(c, JSON.stringify(dcatCatalog(datasets), null, 2), 'application/json', 'no-cache');
  });

  app.get('/datasets', async (c) => {
    const releases = await listReleases(c.var.deps.db);
    return send(
      c,
      JSON.stringify({ releases: releases.map((r) => ({ ...r, url: `${c.var.deps.config.baseUrl}/public/datasets/${r.id}/` })) }),
      'application/json',
      'no-cache',
    );
  });

  app.get('/privacy-budget.json', async (c) => {
    // The budget is the database's: bound at the first release, changed only by `npm run budget`.
    return send(c, JSON.stringify(await ledgerSummary(c.var.deps.db)), 'application/json', 'no-cache');
  });

  app.get('/datasets/latest/:file', async (c) => {
    const [latest] = await listReleases(c.var.deps.db);
    const file = c.req.param('file');
    if (!latest || !FILE_NAME.test(file)) return missing(c);
    c.header('Cache-Control', 'no-cache');
    return c.redirect(`${c.var.deps.config.baseUrl}/public/datasets/${latest.id}/${file}`, 302);
  });

  app.get('/datasets/:release/:file', async (c) => {
    const release = c.req.param('release');
    const name = c.req.param('file');
    if (!isReleaseId(release) || !FILE_NAME.test(name)) return missing(c);
    const file = await readReleaseFile(c.var.deps.db, release, name);
    if (!file) return missing(c);
    return send(c, file.content, file.mediaType, 'public, max-age=31536000, immutable', file.sha256);
  });

  app.get('/datasets/:release', (c) => c.redirect(`${c.var.deps.config.baseUrl}/public/datasets/${c.req.param('release')}/datapackage.json`, 302));
  return app;
}

async function send(c: Context<AppEnv>, body: string, mediaType: string, cacheControl: string, sha256?: string): Promise<Response> {
  const etag = `"${sha256 ?? (await sha256Hex(body))}"`;
  const headers = { ETag: etag, 'Cache-Control': cacheControl, 'X-Content-Type-Options': 'nosniff' };
  const match = c.req.header('if-none-match');
  if (match && match.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) return c.body(null, 304, headers);
  return c.body(body, 200, { ...headers, 'Content-Type': mediaType });
}

const missing = (c: Context<AppEnv>) => c.json({ error: 'not found' }, 404);
