import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testIssuer, type TestIssuer } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

/**
 * Guarantee 4 on the Worker (the resource server that fetches the issuer's JWKS): whenever the
 * key set cannot be had, a request with a token gets 503, never 401 or 500. The JWKS endpoint
 * here misbehaves on command.
 */
describe('red team 6: the issuer’s JWKS unavailable', () => {
  let w: LocalWorkers;
  let jwks: Server;
  let issuer: TestIssuer;
  let mode = 'destroy';
  const hits: string[] = [];

  beforeAll(async () => {
    issuer = await testIssuer();
    jwks = createServer((req, res) => {
      hits.push(mode);
      const good = JSON.stringify(issuer.jwks);
      const kid = (issuer.jwks.keys[0] as { kid?: string }).kid;
      switch (mode) {
        case 'destroy':
          req.socket.destroy();
          return;
        case '500':
          res.writeHead(500).end('boom');
          return;
        case '404':
          res.writeHead(404).end('nope');
          return;
        case '503-json':
          res.writeHead(503, { 'content-type': 'application/json' }).end(good);
          return;
        case 'html':
          res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
          return;
        case 'truncated':
          res.writeHead(200, { 'content-type': 'application/json' }).end(good.slice(0, good.length / 2));
          return;
        case 'not-a-set':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":"temporarily_unavailable"}');
          return;
        case 'keys-null':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":null}');
          return;
        case 'keys-garbage':
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[1,"x",null]}');
          return;
        case 'bad-key':
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid, x: 'AAAA', y: 'AAAA' }] }));
          return;
        case 'wrong-kty':
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ kty: 'RSA', alg: 'ES256', kid, n: 'AQAB', e: 'AQAB' }] }));
          return;
        case 'redirect':
          res.writeHead(302, { location: 'http://127.0.0.1:1/jwks' }).end();
          return;
        case 'hang':
          setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(good), 12_000).unref();
          return;
        case 'reset-midbody':
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(good.length * 2) });
          res.write(good.slice(0, 10));
          setTimeout(() => req.socket.destroy(), 50);
          return;
        default:
          res.writeHead(200, { 'content-type': 'application/json' }).end(good);
      }
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    w = await startWorkers({ replica: true, vars: { OIDC_JWKS_URL: url, GATEWAY_SIGNING_JWK: JSON.stringify(issuer.privateJwk) } });
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
    jwks?.close();
  });

  const fresh = () =>
    issuer.mint({ sub: 'ops', client_id: 'console', role: 'operator', scope: 'openid user/*.rs', purpose_of_use: ['HOPERAT'], jti: crypto.randomUUID() });

  const modes = ['destroy', '500', '404', '503-json', 'html', 'truncated', 'not-a-set', 'keys-null', 'keys-garbage', 'redirect', 'reset-midbody', 'hang'];

  it('J1: every way of the key set not being had is 503, on the FHIR API, /auth/me and /admin/audit', async () => {
    const wrong: string[] = [];
    for (const m of modes) {
      mode = m;
      for (const path of ['/fhir/Patient?_count=1', '/auth/me', '/admin/audit']) {
        const res = await w.fetch(`${w.primary}${path}`, { headers: { authorization: `Bearer ${await fresh()}` } });
        const body = await res.text();
        if (res.status !== 503) wrong.push(`${m} ${path}: ${res.status} ${body.slice(0, 160)}`);
      }
    }
    expect(
      wrong,
      w
        .logs()
        .split('\n')
        .filter((l) => l.includes('"error"'))
        .map((l) => l.slice(0, 300))
        .join('\n'),
    ).toEqual([]);
  }, 180_000);

  it('J2: control: once the key set is served, the same kind of token is accepted', async () => {
    mode = 'good';
    const res = await w.fetch(`${w.primary}/auth/me`, { headers: { authorization: `Bearer ${await fresh()}` } });
    expect(res.status, await res.text()).toBe(200);
  }, 60_000);

  it('J3: a key set whose key for the token cannot be imported (the issuer publishing a broken key) is 503, not 500', async () => {
    // The replica's isolate has never fetched the key set: it gets the broken one.
    const wrong: string[] = [];
    for (const m of ['bad-key', 'wrong-kty']) {
      mode = m;
      const res = await w.fetch(`${w.replica!}/auth/me`, { headers: { authorization: `Bearer ${await fresh()}` } });
      if (res.status !== 503) wrong.push(`${m}: ${res.status} ${(await res.text()).slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
