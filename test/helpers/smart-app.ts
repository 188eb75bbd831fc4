import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { freePort } from './process.js';

/** The SMART JS client's own browser build, from node_modules (never a CDN). */
const FHIR_CLIENT_JS = readFileSync(createRequire(import.meta.url).resolve('fhirclient/build/fhir-client.js'), 'utf8');

export interface SmartApp {
  /** The app's origin, e.g. http://127.0.0.1 */
  origin: string;
  redirectUri: string;
  /** The page that starts a standalone launch against `iss`. */
  launchUrl: (iss: string) => string;
  /**
   * A counterfeit FHIR base on the app's own origin, whose SMART configuration is the real
   * gateway's (`counterfeitOf`): a phishing resource server that borrows the real authorization
   * server, so the gateway's login page would be shown for an `aud` that is not the gateway.
   */
  counterfeitIss: string;
  close: () => Promise<void>;
}

/**
 * A tiny SMART app on loopback, as a developer would write one with fhirclient: `/launch` calls
 * `FHIR.oauth2.authorize`, `/callback` calls `FHIR.oauth2.ready()` and leaves the client on
 * `window.smart` (or the error on `window.smartError`) for the test to drive.
 *
 * It uses the gateway's public `smart-demo` client (README: "register nothing, use client
 * smart-demo with redirect http://127.0.0.1/callback") on a free loopback port: a native app's
 * loopback redirect, and the origin its browser calls the token endpoint from, may use any port.
 */
export async function startSmartApp(opts: { clientId: string; scope: string; port?: number; counterfeitOf?: string }): Promise<SmartApp> {
  const port = opts.port ?? (await freePort());
  const origin = `http://127.0.0.1:${port}`;
  const redirectUri = `${origin}/callback`;
  const counterfeitIss = `${origin}/counterfeit/fhir`;
  const page = (script: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SMART test app</title>
<script src="/fhir-client.js"></script></head><body><main id="status">working</main><script>${script}</script></body></html>`;
  const launch = (iss: string) =>
    page(`FHIR.oauth2.authorize(${JSON.stringify({ iss, clientId: opts.clientId, scope: opts.scope, redirectUri })})
  .catch((e) => { window.smartError = String(e && e.message || e); document.getElementById('status').textContent = 'error'; });`);
  const callback = page(`FHIR.oauth2.ready()
  .then((client) => { window.smart = client; document.getElementById('status').textContent = 'ready'; })
  .catch((e) => { window.smartError = String(e && e.message || e); document.getElementById('status').textContent = 'error'; });`);

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (status: number, type: string, body: string) => res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (url.pathname === '/fhir-client.js') return send(200, 'text/javascript', FHIR_CLIENT_JS);
    if (url.pathname === '/launch') return send(200, 'text/html', launch(url.searchParams.get('iss') ?? ''));
    if (url.pathname === '/callback') return send(200, 'text/html', callback);
    if (url.pathname === '/counterfeit/fhir/.well-known/smart-configuration' && opts.counterfeitOf) {
      const real = await fetch(`${opts.counterfeitOf}/.well-known/smart-configuration`);
      return send(real.status, 'application/json', await real.text());
    }
    return send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`The SMART test app cannot listen on 127.0.0.1:${port} (${err.code})`)));
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    origin,
    redirectUri,
    launchUrl: (iss) => `${origin}/launch?iss=${encodeURIComponent(iss)}`,
    counterfeitIss,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
