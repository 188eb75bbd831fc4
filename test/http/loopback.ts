import { getRequestListener } from '@hono/node-server';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from '../../src/app.js';

/**
 * The app behind real HTTP on a free loopback port, its base URL the one it listens on, so the
 * links it writes (next pages, Location) are ones a real client can follow.
 */
export async function onLoopback(deps: AppDeps): Promise<{ base: string; fhir: string; close: () => Promise<void> }> {
  let listener: ReturnType<typeof getRequestListener> | undefined;
  const server = createServer((req, res) => void listener!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  listener = getRequestListener(createApp({ ...deps, config: { ...deps.config, baseUrl: base } }).fetch);
  return {
    base,
    fhir: `${base}/fhir`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
