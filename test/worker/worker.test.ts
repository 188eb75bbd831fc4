import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ISSUER, OPERATOR_CLAIMS, sourceClaims, testIssuer } from '../helpers/tokens.js';
import { developmentSeed } from '../../src/participants/index.js';
import { operatorApi, regionParticipants, testSourceParticipant } from '../helpers/worker-participants.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, type Started } from '../helpers/process.js';
import { suiteDir } from '../helpers/db.js';

/**
 * The Worker build under wrangler/workerd with a local D1: the same app, the other driver.
 * A Worker deployment trusts an authorization server that runs elsewhere; here that issuer is
 * stood in for by a test key whose JWKS a loopback server publishes, and the Worker fetches it
 * for real. wrangler's attempt to fetch Cloudflare's `Request.cf` data fails offline and it
 * falls back to a placeholder, which this app does not use.
 */
describe('Cloudflare Worker on D1', () => {
  let worker: Started;
  let state: ReturnType<typeof suiteDir>;
  let jwksServer: Server;
  let token: string;
  let patientToken: string;
  let base: string;
  const env = { WRANGLER_SEND_METRICS: 'false', CI: 'true', NO_UPDATE_NOTIFIER: '1' };

  beforeAll(async () => {
    state = suiteDir('cg-worker-');
    execFileSync('npx', ['wrangler', 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', state.path], {
      env: { ...process.env, ...env },
      stdio: 'pipe',
    });
    const issuer = await testIssuer();
    token = await issuer.mint(sourceClaims('urn:test:worker'));
    patientToken = await issuer.mint({
      sub: 'w',
      client_id: 'portal',
      role: 'patient',
      fhirUser: 'Patient/w-1',
      patient: 'w-1',
      scope: 'patient/*.rs',
      purpose_of_use: ['PATRQT'],
    });
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(issuer.jwks)));
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const vars = { PUBLIC_BASE_URL: 'http://gateway.test', OIDC_ISSUER: ISSUER, OIDC_JWKS_URL: jwksUrl };
    worker = await startProcess(
      'npx',
      [
        'wrangler',
        'dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--persist-to',
        state.path,
        ...Object.entries(vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
        '--show-interactive-dev-session=false',
      ],
      { env, ready: /Ready on http/, timeoutMs: 90_000 },
    );
    // The test source, registered in the Worker's own registry as any backend client must be.
    await developmentSeed(operatorApi(base, await issuer.mint(OPERATOR_CLAIMS)), await regionParticipants(undefined, await testSourceParticipant()));
  });

  afterAll(async () => {
    await worker?.stop();
    state?.remove();
    jwksServer?.close();
  });

  it('answers /healthz from D1', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', database: 'd1', mode: 'development' });
  });

  it('answers /fhir/metadata with the CapabilityStatement', async () => {
    const res = await fetch(`${base}/fhir/metadata`);
    expect(res.status).toBe(200);
    const cs = await res.json();
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1', implementation: { url: 'http://gateway.test/fhir' } });
  });

  it('refuses a write without a token', async () => {
    const res = await fetch(`${base}/fhir/Patient/w-0`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'w-0' }),
    });
    expect(res.status).toBe(401);
  });

  it('verifies a token against the remote JWKS and writes through D1 batches: idempotent PUT, all-or-nothing transaction', async () => {
    const headers = { 'content-type': 'application/fhir+json', authorization: `Bearer ${token}` };
    const put = (id: string, body: object) =>
      fetch(`${base}/fhir/Patient/${id}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ resourceType: 'Patient', id, meta: { source: 'urn:test:worker' }, ...body }),
      });
    expect((await put('w-1', { birthDate: '1970-01-01' })).status).toBe(201);
    expect((await put('w-1', { birthDate: '1970-01-01' })).headers.get('etag')).toBe('W/"1"');

    const bad = await fetch(`${base}/fhir`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        resourceType: 'Bundle',
        type: 'transaction',
        meta: { source: 'urn:test:worker' },
        entry: [
          { resource: { resourceType: 'Patient', id: 'w-2' }, request: { method: 'PUT', url: 'Patient/w-2' } },
          { resource: { resourceType: 'Patient', id: 'w-3', birthDate: 'not-a-date' }, request: { method: 'PUT', url: 'Patient/w-3' } },
        ],
      }),
    });
    expect(bad.status).toBe(400);
    // w-2 was not written by the failed transaction, so this PUT creates it.
    expect((await put('w-2', {})).status).toBe(201);
  });

  it('decides consent on D1: a patient asks $access about their own record', async () => {
    const res = await fetch(`${base}/fhir/Patient/w-1/$access?actor=Organization/payer-lakeshore-org&class=ExplanationOfBenefit`, {
      headers: { authorization: `Bearer ${patientToken}` },
    });
    expect(res.status).toBe(200);
    const access = (await res.json()).parameter.find((p: { name: string }) => p.name === 'access');
    // Not a member of that payer's plan, so its agreement does not reach this patient.
    expect(access.part.find((p: { name: string }) => p.name === 'decision').valueCode).toBe('deny');
    expect(JSON.stringify(access)).toContain('data use agreement');
  });

  it('serves a consent-checked, audited read and search from D1', async () => {
    const headers = { authorization: `Bearer ${patientToken}` };
    const read = await fetch(`${base}/fhir/Patient/w-1`, { headers });
    expect(read.status).toBe(200);
    expect((await read.json()).id).toBe('w-1');
    const search = await fetch(`${base}/fhir/Patient?_id=w-1&patient=w-1`, { headers });
    expect(search.status).toBe(200);
    expect((await search.json()).total).toBe(1);
    const audit = await fetch(`${base}/fhir/AuditEvent?patient=Patient/w-1`, { headers });
    expect((await audit.json()).total).toBeGreaterThanOrEqual(2);
  });
});
