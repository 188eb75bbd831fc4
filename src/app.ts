import { Hono } from 'hono';
import { sql } from 'drizzle-orm';
import { authenticate, requesterOf } from './http/authenticate.js';
import { fhirCors } from './http/cors.js';
import { consentRoutes } from './api/consent.js';
import { fhirRoutes } from './api/fhir/index.js';
import type { AppDeps, AppEnv } from './app-env.js';
import { notFound, onError } from './http/errors.js';
import { negotiate, ndjsonForExportFiles } from './http/negotiate.js';
import { publicRoutes } from './api/public-data.js';
import { webAssets } from './web/assets/index.js';
import { assetRoutes } from './web/assets/routes.js';
import { publicPages } from './web/public/routes.js';
import { portalRoutes } from './web/portal/routes.js';
import { clinicianRoutes } from './web/clinician/routes.js';
import { operatorRoutes } from './web/operator/routes.js';
import { participantRoutes } from './api/participants.js';
import { storageRoutes } from './api/storage.js';
import { notificationAdminRoutes } from './api/notifications.js';
import { devRoutes } from './api/dev.js';
import { auditRoutes } from './api/audit.js';

export type { AppDeps, AppEnv } from './app-env.js';

/** The whole gateway as one hono app, built from injected dependencies; nothing here is runtime-specific. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async function provideDeps(c, next) {
    c.set('deps', deps);
    await next();
  });
  // Before authentication: a browser's preflight carries no token.
  app.use('/fhir/*', fhirCors());
  app.use(authenticate());
  app.onError(onError);
  app.notFound(notFound);

  app.get('/healthz', async (c) => {
    await deps.db.orm.get(sql`select 1`);
    return c.json({ status: 'ok', database: deps.db.driver, mode: deps.config.mode });
  });
  // Before every FHIR route, Consent's included: what cannot be answered in a format the client takes is 406, and nothing runs.
  app.use('/fhir/*', negotiate(ndjsonForExportFiles));
  // Consent routes first: they take Consent writes that the generic write routes would refuse.
  app.route('/fhir', consentRoutes());
  app.route('/fhir', fhirRoutes());
  app.route('/public', publicRoutes());
  app.route('/public', publicPages());
  app.route('/assets', assetRoutes(webAssets(deps.webAssets)));
  // The portal acts through the FHIR API in process, with the patient's own token.
  app.route(
    '/portal',
    portalRoutes(() => app.fetch),
  );
  app.route(
    '/clinician',
    clinicianRoutes(() => app.fetch),
  );
  app.route(
    '/operator',
    operatorRoutes(() => app.fetch),
  );
  app.route('/admin/participants', participantRoutes());
  app.route('/admin/notifications', notificationAdminRoutes());
  app.route('/admin/audit', auditRoutes());
  app.route('/admin/storage', storageRoutes());
  // The demo receiver exists only in development: in production there is no such route at all.
  if (deps.config.mode === 'development') app.route('/dev', devRoutes());
  app.get('/auth/me', (c) => {
    const { scopes: _parsed, ...me } = requesterOf(c);
    return c.json(me);
  });
  return app;
}
