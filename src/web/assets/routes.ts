import { Hono } from 'hono';
import type { AppEnv } from '../../app-env.js';
import type { Asset } from './index.js';

/** Our static files, with a content hash ETag; nothing is fetched from anywhere else. */
export function assetRoutes(assets: ReadonlyMap<string, Asset>): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const etags = new Map<string, Promise<string>>();
  const etagOf = (name: string, body: string) => {
    let e = etags.get(name);
    if (!e) {
      e = crypto.subtle
        .digest('SHA-256', new TextEncoder().encode(body))
        .then((h) => `"${[...new Uint8Array(h).slice(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`);
      etags.set(name, e);
    }
    return e;
  };
  app.get('/:name', async (c) => {
    const name = c.req.param('name');
    const asset = assets.get(name);
    if (!asset) return c.text('not found', 404);
    const etag = await etagOf(name, asset.body);
    const headers = { ETag: etag, 'Cache-Control': 'public, max-age=3600', 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(asset.body, 200, { ...headers, 'Content-Type': asset.type });
  });
  return app;
}
