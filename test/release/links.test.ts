import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { loadRegion, runCli } from '../helpers/region.js';

/**
 * A release is published while the gateway is known as A, then served after PUBLIC_BASE_URL
 * changed to B: every link in every file, in the catalog and on the pages works under B, and
 * nothing still names A.
 */
const A = 'http://old-name.example';
const B = 'https://data.new-name.example';

let dir: ReturnType<typeof suiteDir>;
let db: SqliteDatabase;
let app: ReturnType<typeof createApp>;
const get = (url: string) => app.request(url);

beforeAll(async () => {
  dir = suiteDir('cg-links-');
  const db0 = openSqlite(join(dir.path, 'gateway.db'));
  await loadRegion(db0, 120, 4);
  db0.close();
  // Published by `npm run publish` while the gateway is known as A...
  const published = await runCli('publish', [], { DATA_DIR: dir.path, KEYS_DIR: join(dir.path, 'keys'), PUBLIC_BASE_URL: A });
  if (published.code !== 0) throw new Error(published.err);
  // ...and served after PUBLIC_BASE_URL became B.
  db = openSqlite(join(dir.path, 'gateway.db'));
  const deps = testDeps(db);
  app = createApp({ ...deps, config: { ...deps.config, baseUrl: B, issuer: `${B}/oidc` } });
}, 120_000);

afterAll(() => {
  db?.close();
  dir?.remove();
});

/** Every link-like string in a JSON document: absolute URLs, and the values of the fields that hold references. */
function linksIn(doc: unknown, out: string[] = []): string[] {
  const LINK_FIELDS = new Set(['downloadURL', 'accessURL', 'describedBy', 'conformsTo', 'landingPage', 'homepage', 'path', 'fullUrl', 'url']);
  if (Array.isArray(doc)) for (const x of doc) linksIn(x, out);
  else if (doc && typeof doc === 'object')
    for (const [k, v] of Object.entries(doc)) {
      if (typeof v === 'string' && (LINK_FIELDS.has(k) || /^https?:\/\//.test(v))) out.push(v);
      else linksIn(v, out);
    }
  return out;
}

/** Follows a link found in the document at `from`: ours must answer 200 under B (a redirect is followed once). */
async function expectWorks(link: string, from: string) {
  if (/^(urn:|mailto:)/.test(link)) return;
  const url = new URL(link, from);
  // The authorization server (keys) is mounted beside the app by the Node entry point, not by createApp.
  if (url.href === `${B}/oidc/jwks`) return;
  if (url.origin !== new URL(B).origin) {
    // Only vocabulary and licences live elsewhere; never our old name.
    expect(url.origin, `${link} in ${from}`).not.toBe(new URL(A).origin);
    return;
  }
  let res = await get(url.href);
  if (res.status === 302) res = await get(new URL(res.headers.get('location')!, url).href);
  expect(res.status, `${link} in ${from}`).toBe(200);
}

describe('links after a change of base URL', () => {
  it('every file of the release names neither A nor any absolute link of ours, and every link in it works under B', async () => {
    const manifest = (await (await get(`${B}/public/datasets/v1/manifest.json`)).json()) as { files: { name: string }[] };
    expect(manifest.files.length).toBeGreaterThan(5);
    for (const { name } of manifest.files) {
      const fileUrl = `${B}/public/datasets/v1/${name}`;
      const res = await get(fileUrl);
      expect(res.status, name).toBe(200);
      const text = await res.text();
      expect(text, name).not.toContain(new URL(A).host);
      expect(text, name).not.toContain(new URL(B).host);
      if (name.endsWith('.json')) for (const link of linksIn(JSON.parse(text))) await expectWorks(link, fileUrl);
      if (name.endsWith('.md')) for (const [, link] of text.matchAll(/\]\(([^)\s]+)\)/g)) await expectWorks(link!, fileUrl);
    }
  });

  it('the catalog, the release index and the latest alias give absolute links under B that work', async () => {
    const catalogUrl = `${B}/public/data.json`;
    const catalog = await (await get(catalogUrl)).json();
    const links = linksIn(catalog);
    expect(links.some((l) => l.startsWith(`${B}/public/datasets/v1/metrics.csv`))).toBe(true);
    for (const link of links) await expectWorks(link, catalogUrl);
    const index = (await (await get(`${B}/public/datasets`)).json()) as { releases: { url: string }[] };
    expect(index.releases[0]!.url).toBe(`${B}/public/datasets/v1/`);
    const latest = await get(`${B}/public/datasets/latest/metrics.csv`);
    expect(latest.headers.get('location')).toBe(`${B}/public/datasets/v1/metrics.csv`);
  });

  it('every link on the release, methodology and budget pages works under B', async () => {
    for (const path of ['/public', '/public/releases/v1', '/public/releases/v1/methodology', '/public/privacy-budget']) {
      const pageUrl = `${B}${path}`;
      const html = await (await get(pageUrl)).text();
      expect(html, path).not.toContain(new URL(A).host);
      for (const [, href] of html.matchAll(/href="([^"]+)"/g)) if (!href!.startsWith('/static') && !href!.startsWith('#')) await expectWorks(href!, pageUrl);
    }
  });
});
