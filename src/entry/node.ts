import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { bootstrap } from './bootstrap.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * One listener for everything: `/oidc/interaction/*` (login and approval pages), the rest of
 * `/oidc/*` (oidc-provider, mounted by stripping the prefix; its issuer carries it), and the
 * gateway app for all else.
 */
function dispatch(app: Listener, provider: Listener, interactions: Listener, publicHost: string): Listener {
  return (req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/oidc/interaction/')) {
      req.url = url.slice('/oidc/interaction'.length);
      return interactions(req, res);
    }
    if (url === '/oidc' || url.startsWith('/oidc/') || url.startsWith('/oidc?')) {
      // oidc-provider builds endpoint URLs from the Host header and the mount path; pin both to
      // the configured issuer so a forged Host cannot advertise someone else's endpoints.
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
      req.headers.host = publicHost;
      req.url = url.slice('/oidc'.length) || '/';
      return provider(req, res);
    }
    return app(req, res);
  };
}

/** `npm start`: listen, then migrate, generate keys, load the synthetic region if empty, and serve. */
async function main(): Promise<void> {
  let config = loadConfig(process.env);
  let handler: Listener = (_req, res) => {
    res.writeHead(503, { 'retry-after': '2' }).end('starting');
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  // PORT=0 asks for any free port; the URLs (and so the token audience) use the one we got.
  if (port !== config.port) config = loadConfig({ ...process.env, PORT: String(port) });

  const booted = await bootstrap(config);
  const app = createApp(booted.deps);
  handler = dispatch(getRequestListener(app.fetch), booted.provider.callback(), getRequestListener(booted.interactions.fetch), new URL(config.issuer).host);

  for (const note of booted.notes) console.log(note);
  console.log(`Consent Gateway is running.
  FHIR base      ${config.baseUrl}/fhir
  Capability     ${config.baseUrl}/fhir/metadata
  SMART config   ${config.baseUrl}/fhir/.well-known/smart-configuration
  OIDC issuer    ${config.issuer}/.well-known/openid-configuration
  Health         ${config.baseUrl}/healthz
  Public data    ${config.baseUrl}/public/data.json (latest files: ${config.baseUrl}/public/datasets/latest/metrics.csv)
  Database       ${config.dataDir}/gateway.db (audit trail: ${config.dataDir}/audit.db)
Press Ctrl+C to stop.`);
  const stop = () => {
    booted.stop();
    server.close(() => {
      booted.db.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
