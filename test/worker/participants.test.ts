import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, sleep } from '../helpers/worker-subscriptions.js';
import { clinicianClaims, OPERATOR_CLAIMS, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

const SWEEP_MS = 200;
const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';

/**
 * The Worker's own participants registry, attacked as the dishonest source and the payer would:
 * the issuer (a Node deployment) signs whatever its own registry allows, so the Worker must not
 * take a backend client's token as proof that this deployment still accepts it. Two isolates
 * over one D1: a change through one is effective through the other.
 */
describe('participants on the Worker', () => {
  let w: LocalWorkers;
  let operator: string;
  let clinician: string;
  const call = (base: string, path: string, token: string, body?: object, method?: string) => fhirClient(w)(base, path, token, body, method);
  const admin = (path: string, body?: object) =>
    w.fetch(`${w.primary}/admin/participants${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const put = (base: string, token: string, source: string, type: string, id: string, extra: object = {}) =>
    call(base, `${type}/${id}`, token, { resourceType: type, id, meta: { source }, ...extra }, 'PUT');

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { CONSENT_SWEEP_MS: String(SWEEP_MS) } });
    operator = await w.issuer.mint(OPERATOR_CLAIMS, 3600);
    clinician = await w.issuer.mint(clinicianClaims('dr.r', 'dr-r'), 3600);
    const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
    for (const [type, id] of [
      ['Patient', 'pr-1'],
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-r'],
    ] as const)
      expect((await put(w.primary, source, 'urn:test:worker', type, id)).status).toBeLessThan(300);
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('refuses a backend client this deployment never registered, whatever the issuer signed', async () => {
    const ghost = await w.issuer.mint({ ...sourceClaims('urn:ghost'), sub: 'ghost-ehr', client_id: 'ghost-ehr' });
    for (const base of [w.primary, w.replica!]) {
      const res = await put(base, ghost, 'urn:ghost', 'Patient', 'ghost-1');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
    }
    expect((await call(w.primary, 'Patient/ghost-1', clinician)).status).toBe(404);
  });

  it('refuses a suspended client at once through either isolate, with the token it already holds, and takes it back on resume', async () => {
    const held = await w.issuer.mint(sourceClaims('urn:test:worker'), 3600);
    expect((await put(w.replica!, held, 'urn:test:worker', 'Patient', 'pr-2')).status).toBe(201);
    const suspended = await admin('/clients/hospital-a/suspend', { reason: 'key compromise' });
    expect(suspended.status, await suspended.clone().text()).toBe(200);
    for (const base of [w.replica!, w.primary]) expect((await put(base, held, 'urn:test:worker', 'Patient', 'pr-3')).status).toBe(401);
    expect((await admin('/clients/hospital-a/resume', {})).status).toBe(200);
    expect((await put(w.replica!, held, 'urn:test:worker', 'Patient', 'pr-3')).status).toBe(201);
  });

  it("applies an agreement the operator suspended on the next sweep through either isolate: the clinician's read is answered as absence", async () => {
    for (const base of [w.primary, w.replica!]) expect((await call(base, 'Patient/pr-1', clinician)).status).toBe(200);
    const { duas } = (await (await admin('')).json()) as { duas: { id: string; versions: { version: number }[] }[] };
    const oak = duas.find((d) => d.id === 'dua-clinic-oak')!;
    expect((await admin(`/duas/dua-clinic-oak/versions/${oak.versions[0]!.version}/suspend`, {})).status).toBe(200);
    await sleep(SWEEP_MS * 3);
    for (const base of [w.primary, w.replica!]) {
      const res = await call(base, 'Patient/pr-1', clinician);
      expect(res.status).toBe(404);
      const absent = await (await call(base, 'Patient/pr-none', clinician)).text();
      expect(await res.text()).toBe(absent.replace('pr-none', 'pr-1'));
    }
    expect((await admin(`/duas/dua-clinic-oak/versions/${oak.versions[0]!.version}/resume`, {})).status).toBe(200);
    await sleep(SWEEP_MS * 3);
    expect((await call(w.replica!, 'Patient/pr-1', clinician)).status).toBe(200);
  });

  it("takes a payer's Coverage from its own registered source only, naming only its own organization", async () => {
    const payer = await w.issuer.mint({
      sub: 'payer-lakeshore',
      client_id: 'payer-lakeshore',
      client_kind: 'payer',
      source: LAKESHORE,
      organization: 'Organization/payer-lakeshore-org',
      dua: 'dua-payer-lakeshore',
      scope: 'system/*.cu system/*.rs',
      purpose_of_use: ['HPAYMT'],
    });
    const coverage = (id: string, patient: string, payor: string) => ({
      status: 'active',
      beneficiary: { reference: `Patient/${patient}` },
      payor: [{ reference: payor }],
    });
    expect((await put(w.primary, payer, LAKESHORE, 'Patient', 'pl-1')).status).toBe(201);
    const own = await put(w.replica!, payer, LAKESHORE, 'Coverage', 'cov-1', coverage('cov-1', 'pl-1', 'Organization/payer-lakeshore-org'));
    expect(own.status, await own.clone().text()).toBe(201);
    // Another payer's organization as payor, or a hospital sending Coverage: refused, nothing written.
    const other = await put(w.primary, payer, LAKESHORE, 'Coverage', 'cov-2', coverage('cov-2', 'pl-1', 'Organization/payer-greatlakes-ma-org'));
    expect(other.status).toBe(403);
    const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
    const forged = await put(w.primary, source, 'urn:test:worker', 'Coverage', 'cov-3', coverage('cov-3', 'pr-1', 'Organization/payer-lakeshore-org'));
    expect(forged.status).toBe(403);
    expect(((await forged.json()) as { issue: { code: string }[] }).issue[0]!.code).toBe('forbidden');
    // The payer reads back its own Coverage; the refused ones do not exist.
    expect((await call(w.replica!, 'Coverage/cov-1', payer)).status).toBe(200);
    for (const id of ['cov-2', 'cov-3']) expect((await call(w.primary, `Coverage/${id}`, payer)).status).toBe(404);
  });

  it('keeps every registry change in the audit trail, and the trail verifies', async () => {
    const { organizations, clients, duas } = (await (await admin('')).json()) as {
      organizations: unknown[];
      clients: unknown[];
      duas: { versions: unknown[] }[];
    };
    const changes = organizations.length + clients.length + duas.reduce((n, d) => n + d.versions.length, 0) + 4;
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    expect(res.status).toBe(200);
    const verified = (await res.json()) as { intact: boolean; checked: number; problems: unknown[] };
    expect(verified).toMatchObject({ intact: true, problems: [] });
    expect(verified.checked).toBeGreaterThanOrEqual(changes);
  });
});
