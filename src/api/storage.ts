import { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { storageReading } from '../operations/storage.js';
import { operatorOnly } from './operator-only.js';

/**
 * `GET /admin/storage`: the database's size against its limit, for operators (a D1 database is
 * capped at 10 GB and the cap cannot be raised, so the operator must hear at 80 %, not at the
 * first refused write). Sizes only: nothing about any patient.
 */
export function storageRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(operatorOnly('see the database size'));
  app.get('/', async (c) => {
    const { db, storageLimitBytes } = c.var.deps;
    return c.json(storageReading(db.driver, await db.sizeBytes?.(), storageLimitBytes));
  });
  return app;
}
