import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createTokenVerifier } from '../../src/auth/verify.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { AUDIENCE, ISSUER, testIssuer, type TestIssuer } from '../helpers/tokens.js';

/**
 * The resource server fetches the issuer's keys (the Worker always does; jose's remote JWKS).
 * When that fetch fails, the client's token is not at fault: a 401 would tell a well-behaved app
 * to throw its token away and sign the person in again. The answer is a 503 OperationOutcome,
 * and a later request, once the keys are back, succeeds with the same token.
 */
describe('when the issuer’s keys cannot be fetched', () => {
  let issuer: TestIssuer;
  let server: Server;
  let mode: 'down' | 'error' | 'garbage' | 'slow' | 'up' = 'down';
  let url: string;

  beforeAll(async () => {
    issuer = await testIssuer();
    server = createServer((_req, res) => {
      if (mode === 'error') return void res.writeHead(500).end('broken');
      if (mode === 'garbage') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": 7}');
      if (mode === 'slow') return void setTimeout(() => res.writeHead(200).end(JSON.stringify(issuer.jwks)), 1500);
      if (mode === 'down') return void res.destroy();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => void server.close());

  it('answers 503, not 401, for every way the fetch fails, and the same token works once the keys are back', async () => {
    const db = tempDb();
    const verifier = createTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      // Short timeout and no cooldown, so each mode is fetched afresh.
      keys: createRemoteJWKSet(new URL(url), { timeoutDuration: 500, cooldownDuration: 0, cacheMaxAge: 0 }),
      clock: () => new Date(),
    });
    const app = createApp(testDeps(db, { auth: { verifier }, clock: () => new Date() }));
    const token = await issuer.mint({ sub: 'ops', client_id: 'console', role: 'operator', scope: 'openid', purpose_of_use: ['HOPERAT'] });
    const me = () => app.request('/auth/me', { headers: { authorization: `Bearer ${token}` } });
    for (const m of ['down', 'error', 'garbage', 'slow'] as const) {
      mode = m;
      const res = await me();
      expect(res.status, m).toBe(503);
      const body = (await res.json()) as { resourceType: string; issue: { code: string; diagnostics: string }[] };
      expect(body.resourceType).toBe('OperationOutcome');
      expect(body.issue[0]!.code).toBe('transient');
      expect(body.issue[0]!.diagnostics).not.toMatch(/at |Error|127\.0\.0\.1/);
      expect(res.headers.get('www-authenticate')).toBeNull();
    }
    mode = 'up';
    expect((await me()).status).toBe(200);
  });
});
