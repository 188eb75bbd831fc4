import { serve } from '@hono/node-server';
import { createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { bootstrap } from './bootstrap.js';

/** `npm start`: migrate, generate keys, load the synthetic region if empty, serve, print where. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const { db, deps, notes } = await bootstrap(config);
  const app = createApp(deps);
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const base = config.baseUrl.replace(`:${config.port}`, `:${info.port}`);
    for (const note of notes) console.log(note);
    console.log(`Consent Gateway is running.
  FHIR base      ${base}/fhir
  Capability     ${base}/fhir/metadata
  Health         ${base}/healthz
  Database       ${config.dataDir}/gateway.db
Press Ctrl+C to stop.`);
  });
  const stop = () => {
    server.close(() => {
      db.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
