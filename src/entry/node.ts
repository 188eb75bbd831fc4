import { getRequestListener } from '@hono/node-server';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app.js';
import { ConfigError, loadConfig } from '../config/config.js';
import { bootstrap } from './bootstrap.js';
import { BudgetPolicyError } from '../release/budget/policy.js';
import { StartupError } from './startup-error.js';
import { createNotifier } from '../subscriptions/runtime.js';

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

/** Resolves once listening; the errors an operator can fix (port taken, address not ours) reject as a StartupError. */
function listen(server: ReturnType<typeof createServer>, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const at = `${host}:${port}`;
      if (err.code === 'EADDRINUSE') reject(new StartupError('ERR_PORT_IN_USE', 'PORT', at, { cause: err }));
      else if (err.code === 'EACCES') reject(new StartupError('ERR_PORT_FORBIDDEN', 'PORT', at, { cause: err }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN')
        reject(new StartupError('ERR_HOST_UNAVAILABLE', 'HOST', host, { cause: err }));
      else reject(err);
    });
    server.listen(port, host, resolve);
  });
}

/**
 * The one sentence an operator reads for each start-up failure: what is wrong, which setting,
 * and what to do. The cause is not printed: it is the operator's problem, not the code's.
 */
function startupSentence(err: StartupError): string {
  const { setting, subject } = err;
  switch (err.code) {
    case 'ERR_PORT_IN_USE':
      return `Cannot listen on ${subject} because another process is using that port; stop it, or set PORT to a free port (PORT=0 picks one).`;
    case 'ERR_PORT_FORBIDDEN':
      return `This user may not listen on ${subject} (ports below 1024 need privileges); set PORT to 1024 or above.`;
    case 'ERR_HOST_UNAVAILABLE':
      return `Cannot listen on HOST ${subject} because it is not an address of this machine; set HOST to one of its addresses, such as 127.0.0.1 or 0.0.0.0.`;
    case 'ERR_NOT_A_DIRECTORY':
      return `${setting} (${subject}) is a file, or is inside one, where a directory is needed; set ${setting} to a directory path (it is created if missing).`;
    case 'ERR_NOT_WRITABLE':
      return `The gateway cannot create or write files in ${setting} (${subject}); set ${setting} to a directory this user can write to, or fix its permissions or mount.`;
    case 'ERR_DISK_FULL':
      return `The disk holding ${setting} (${subject}) is full; free some space there, or set ${setting} to a directory on a disk with room.`;
    case 'ERR_DATABASE_CORRUPT':
      return `The database file ${subject} in ${setting} is damaged or is not a SQLite database; restore it from a backup, or move it aside to start with an empty database.`;
    case 'ERR_SIGNING_KEY_CORRUPT':
      return `The signing key file ${subject} in ${setting} is damaged or is not a signing key; restore it from a backup, or move it out of ${setting} (what it signed will then no longer verify).`;
    case 'ERR_NO_SIGNING_KEY':
      return `There is no signing key in ${setting} (${subject}), and in production the gateway does not make one by itself; check ${setting} points at your keys, or create the first key with \`npm run keys:rotate\` (same ${setting}), then start again.`;
  }
}

/** `npm start`: listen, then migrate, generate keys, load the synthetic region if empty, and serve. */
async function main(): Promise<void> {
  let config = loadConfig(process.env);
  let handler: Listener = (_req, res) => {
    res.writeHead(503, { 'retry-after': '2' }).end('starting');
  };
  const server = createServer((req, res) => handler(req, res));
  await listen(server, config.host, config.port);
  const { port } = server.address() as AddressInfo;
  // PORT=0 asks for any free port; the URLs (and so the token audience) use the one we got.
  if (port !== config.port) config = loadConfig({ ...process.env, PORT: String(port) });

  const booted = await bootstrap(config, (line) => console.log(line));
  // After the migrations (bootstrap) and before the first request: what an earlier run left
  // numbered but unconfirmed is sent again now, and the outbox is polled for everyone's ingests.
  const notifier = createNotifier({ ...booted.deps, fhirBase: `${config.baseUrl}/fhir` }, { holder: `gateway pid ${process.pid}`, log: booted.deps.log });
  notifier.start();
  // A write through this process's API wakes delivery at once rather than at the next poll.
  const app = createApp({ ...booted.deps, onCommitted: () => notifier.wake() });
  handler = dispatch(getRequestListener(app.fetch), booted.provider.callback(), getRequestListener(booted.interactions.fetch), new URL(config.issuer).host);

  booted.notes.push(`Notifications are delivered from the outbox by this process (progress for operators: ${config.baseUrl}/admin/notifications)`);
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
    // Delivery stops first: its last confirmations are written before the database closes.
    void notifier.stop().finally(() => {
      booted.stop();
      server.close(() => {
        booted.db.close();
        process.exit(0);
      });
      server.closeAllConnections();
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  console.error(err instanceof StartupError ? startupSentence(err) : err instanceof ConfigError || err instanceof BudgetPolicyError ? err.message : err);
  process.exit(1);
});
