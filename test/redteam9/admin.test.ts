import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, sleep } from '../helpers/worker-subscriptions.js';
import { clinicianClaims, OPERATOR_CLAIMS, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { exportJWK, generateKeyPair } from 'jose';

/** Red team 9: the careless (or hostile) operator, and everybody else, at /admin/participants on the Worker. */
const SWEEP_MS = 200;
const HOSPITAL = 'urn:test:worker';

describe('red team 9: the registry’s operator API on the Worker', () => {
  let w: LocalWorkers;
  let operator: string;
  let jwk: object;
  const raw = (path: string, init: { method?: string; body?: string; type?: string; token?: string; base?: string } = {}) =>
    w.fetch(`${init.base ?? w.primary}/admin/participants${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: {
        authorization: `Bearer ${init.token ?? operator}`,
        ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}),
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
  const admin = (path: string, body?: object, base?: string) => raw(path, { ...(body ? { body: JSON.stringify(body) } : {}), ...(base ? { base } : {}) });
  const list = async () => (await (await admin('')).json()) as unknown;
  /** Events in the whole trail: verify's `checked` (verify appends its own event after the walk). */
  const auditCount = async () => {
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    return { events: ((await res.json()) as { checked: number }).checked } as Record<string, unknown>;
  };
  const call = (base: string, path: string, token: string, body?: object, method?: string) => fhirClient(w)(base, path, token, body, method);

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { CONSENT_SWEEP_MS: String(SWEEP_MS) } });
    operator = await w.issuer.mint(OPERATOR_CLAIMS, 3600);
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    jwk = { ...(await exportJWK(publicKey)), kid: 'rt9', alg: 'ES256', use: 'sig' };
    const source = await w.issuer.mint(sourceClaims(HOSPITAL));
    for (const [type, id] of [
      ['Patient', 'pr-1'],
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-r'],
    ] as const)
      expect((await call(w.primary, `${type}/${id}`, source, { resourceType: type, id, meta: { source: HOSPITAL } }, 'PUT')).status).toBeLessThan(300);
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('B1: malformed bodies get a 4xx OperationOutcome and change nothing (never a 5xx)', async () => {
    const before = JSON.stringify(await list());
    const evil = { toString: 1 };
    const cases: [string, string, string?][] = [
      ['/organizations', JSON.stringify({ reference: 'Organization/rt9-a', name: evil, kind: 'provider' })],
      ['/organizations', JSON.stringify({ reference: evil, name: 'x', kind: 'provider' })],
      ['/organizations', JSON.stringify({ reference: 'Organization/rt9-b', name: 'x', kind: evil })],
      [
        '/clients',
        JSON.stringify({
          clientId: 'rt9-c1',
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwks: { keys: [{ ...jwk, kid: evil }] },
        }),
      ],
      [
        '/clients',
        JSON.stringify({
          clientId: 'rt9-c2',
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwks: { keys: [{ ...jwk, kty: evil }] },
        }),
      ],
      [
        '/clients',
        JSON.stringify({
          clientId: evil,
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwks: { keys: [jwk] },
        }),
      ],
      [
        '/clients',
        JSON.stringify({
          clientId: 'rt9-c3',
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 'system/*.cu',
          purposes: [evil],
          jwks: { keys: [jwk] },
        }),
      ],
      [
        '/clients',
        JSON.stringify({
          clientId: 'rt9-c4',
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 42,
          purposes: ['TREAT'],
          jwks: { keys: [jwk] },
        }),
      ],
      [
        '/clients',
        JSON.stringify({
          clientId: 'rt9-c5',
          name: 'x',
          kind: 'source',
          organization: 'Organization/hospital-a-org',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwksUri: evil,
        }),
      ],
      [
        '/duas',
        JSON.stringify({
          dua: 'rt9-d1',
          organization: 'Organization/hospital-a-org',
          start: evil,
          end: '',
          lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
        }),
      ],
      [
        '/duas',
        JSON.stringify({
          dua: 'rt9-d2',
          organization: 'Organization/hospital-a-org',
          start: '2024-01-01',
          status: evil,
          lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
        }),
      ],
      [
        '/duas',
        JSON.stringify({
          dua: 'rt9-d3',
          organization: 'Organization/hospital-a-org',
          start: '2031-01-01',
          lines: [{ purpose: evil, cls: '*', category: '*', scope: 'any' }],
        }),
      ],
      [
        '/duas',
        JSON.stringify({
          dua: 'rt9-d4',
          organization: 'Organization/hospital-a-org',
          start: '2031-01-01',
          version: 1e300,
          lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
        }),
      ],
      [
        '/duas',
        JSON.stringify({
          dua: 'dua-hospital-a',
          organization: 'Organization/hospital-a-org',
          start: '2031-01-01',
          version: 9007199254740993,
          lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
        }),
      ],
      ['/duas', JSON.stringify({ dua: 'rt9-d5', organization: evil, start: '2031-01-01', lines: [] })],
      ['/duas', JSON.stringify({ dua: 'rt9-d6', organization: 'Organization/hospital-a-org', start: '2031-01-01', lines: 'TREAT' })],
      ['/duas', JSON.stringify({ dua: 'rt9-d7', organization: 'Organization/hospital-a-org', start: '2031-01-01', lines: [null, 5, []] })],
      ['/duas/dua-hospital-a/versions/1/end', JSON.stringify({ end: evil })],
      ['/duas/dua-hospital-a/versions/99999999999999999999/suspend', '{}'],
      ['/duas/dua-hospital-a/versions/0x1/suspend', '{}'],
      ['/clients/hospital-a/suspend', JSON.stringify({ reason: evil })],
      ['/clients/hospital-a/suspend', JSON.stringify({ reason: 'x'.repeat(501) })],
      ['/clients/hospital-a/suspend', '[]'],
      ['/clients/hospital-a/suspend', 'null'],
      ['/clients/hospital-a/suspend', '{"reason":'],
      ['/organizations', '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}'],
      ['/organizations', '{"__proto__": {"reference": "Organization/rt9-p"}, "name": "x", "kind": "provider"}'],
      ['/organizations', 'x'.repeat(17 * 1024 * 1024)],
      ['/organizations', '{}', 'text/plain'],
    ];
    const bad: string[] = [];
    for (const [path, body, type] of cases) {
      let res: Response;
      try {
        res = await raw(path, { body, ...(type ? { type } : {}) });
      } catch (err) {
        continue;
      }
      const text = await res.text();
      let outcome = false;
      try {
        outcome = (JSON.parse(text) as { resourceType?: string }).resourceType === 'OperationOutcome';
      } catch {
        /* not json */
      }
      if (res.status < 400 || res.status >= 500 || !outcome || /at .*\.(ts|js):\d+/.test(text))
        bad.push(`${res.status} ${path} ${body.slice(0, 120)} -> ${text.slice(0, 200)}`);
    }
    expect(JSON.stringify(await list())).toBe(before);
    expect(bad).toEqual([]);
  }, 120_000);

  it('B2: a very long name (no length limit) is refused with a 4xx, or registered and audited; never a 5xx', async () => {
    const before = await auditCount();
    const res = await admin('/organizations', { reference: 'Organization/rt9-long', name: 'N'.repeat(3 * 1024 * 1024), kind: 'provider' });
    const text = await res.text();
    const after = await auditCount();
    const registered = ((await list()) as { organizations: { reference: string }[] }).organizations.some((o) => o.reference === 'Organization/rt9-long');
    expect(res.status).toBeLessThan(500);
  }, 60_000);

  it('B3: non-operators (clinician, source, payer, patient) cannot change the registry; the refusals are audited', async () => {
    const tokens = {
      clinician: await w.issuer.mint(clinicianClaims('dr.r', 'dr-r')),
      source: await w.issuer.mint(sourceClaims(HOSPITAL, 'system/*.cruds')),
      opWithClientKind: await w.issuer.mint({ ...OPERATOR_CLAIMS, client_kind: 'source', sub: 'console' }),
    };
    const before = await auditCount();
    const results: Record<string, number> = {};
    for (const [who, token] of Object.entries(tokens)) {
      results[who] = (await raw('/clients/payer-lakeshore/suspend', { body: '{}', token })).status;
    }
    const after = await auditCount();
    for (const s of Object.values(results)) expect([401, 403]).toContain(s);
    const payerOk = await w.issuer.mint({
      sub: 'payer-lakeshore',
      client_id: 'payer-lakeshore',
      client_kind: 'payer',
      source: 'https://payer-lakeshore.example.org/fhir',
      organization: 'Organization/payer-lakeshore-org',
      dua: 'dua-payer-lakeshore',
      scope: 'system/*.rs',
      purpose_of_use: ['HPAYMT'],
    });
    expect((await call(w.primary, 'Coverage?patient=pr-1', payerOk)).status).toBe(200);
    // Not fixed (docs/scaling.md): a refusal at the operator check is a 401/403, not an audited
    // change attempt; only the verify call itself is added.
    const n = (x: Record<string, unknown>) => Number(x.events ?? x.count ?? x.length ?? NaN);
    expect(n(after) - n(before)).toBe(1);
  });

  it('B4: suspend/resume of things that do not exist: 404, nothing changed, and audited', async () => {
    const before = JSON.stringify(await list());
    const a = await auditCount();
    const statuses = [];
    for (const p of [
      '/clients/nobody/suspend',
      '/clients/nobody/resume',
      '/organizations/nobody-org/suspend',
      '/duas/dua-none/versions/1/resume',
      '/duas/dua-hospital-a/versions/7/suspend',
    ])
      statuses.push((await admin(p, {})).status);
    const b = await auditCount();
    expect(statuses.every((s) => s === 404)).toBe(true);
    expect(JSON.stringify(await list())).toBe(before);
    expect(Number(b.events) - Number(a.events)).toBe(1 + statuses.length);
  });

  it('B5: a client with another organization’s DUA, or a second client on an existing source URI (case variant), is refused', async () => {
    const base = { name: 'x', kind: 'source', scope: 'system/*.cu', purposes: ['TREAT'], jwks: { keys: [jwk] } };
    const r1 = await admin('/clients', { ...base, clientId: 'rt9-otherdua', organization: 'Organization/hospital-a-org', dua: 'dua-clinic-oak' });
    const r2 = await admin('/clients', { ...base, clientId: 'rt9-caseuri', organization: 'Organization/hospital-a-org', sourceUri: 'URN:test:worker' });
    const r3 = await admin('/clients', { ...base, clientId: 'rt9-spaceuri', organization: 'Organization/hospital-a-org', sourceUri: ' urn:test:worker' });
    const r4 = await admin('/clients', {
      ...base,
      kind: 'payer',
      clientId: 'rt9-lakecase',
      organization: 'Organization/hospital-a-org',
      sourceUri: 'HTTPS://payer-lakeshore.example.org/fhir',
    });
    expect(r1.status).toBe(409);
    for (const r of [r2, r3, r4]) expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('B6: an agreement whose start is after 9999 (an offset instant) is not in effect now', async () => {
    expect((await admin('/organizations', { reference: 'Organization/rt9-future-org', name: 'Future clinic', kind: 'provider' })).status).toBe(201);
    const res = await admin('/duas', {
      dua: 'rt9-future',
      organization: 'Organization/rt9-future-org',
      start: '9999-12-31T23:30:00-23:59',
      end: '',
      lines: [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }],
    });
    const text = await res.text();
    if (res.status !== 201) return; // refused: fine
    await sleep(SWEEP_MS * 4);
    const clinician = await w.issuer.mint(clinicianClaims('dr.f', 'dr-f', { organization: 'Organization/rt9-future-org' }));
    const read = await call(w.replica!, 'Patient/pr-1', clinician);
    expect(read.status).toBe(404);
  });

  it('B7: two overlapping versions of one DUA registered at once through the two isolates: one wins, the other a 409', async () => {
    expect((await admin('/organizations', { reference: 'Organization/rt9-race-org', name: 'Race clinic', kind: 'provider' })).status).toBe(201);
    const line = [{ purpose: 'TREAT', cls: '*', category: '*', scope: 'any' }];
    const [a, b] = await Promise.all([
      admin(
        '/duas',
        { dua: 'rt9-race', organization: 'Organization/rt9-race-org', version: 1, start: '2024-01-01', end: '2030-12-31', lines: line },
        w.primary,
      ),
      admin(
        '/duas',
        { dua: 'rt9-race', organization: 'Organization/rt9-race-org', version: 2, start: '2025-01-01', end: '2031-12-31', lines: line },
        w.replica!,
      ),
    ]);
    const [c, d] = await Promise.all([
      admin(
        '/clients',
        {
          clientId: 'rt9-race-c1',
          name: 'x',
          kind: 'source',
          organization: 'Organization/rt9-race-org',
          sourceUri: 'urn:rt9:race',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwks: { keys: [jwk] },
        },
        w.primary,
      ),
      admin(
        '/clients',
        {
          clientId: 'rt9-race-c2',
          name: 'x',
          kind: 'source',
          organization: 'Organization/rt9-race-org',
          sourceUri: 'urn:rt9:race',
          scope: 'system/*.cu',
          purposes: ['TREAT'],
          jwks: { keys: [jwk] },
        },
        w.replica!,
      ),
    ]);
    const statuses = [a.status, b.status, c.status, d.status];
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    expect([c.status, d.status].sort()).toEqual([201, 409]);
  });

  it('B8: the audit trail still verifies after all of the above', async () => {
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    const verdict = (await res.json()) as { intact: boolean; problems: unknown[]; checked: number };
    expect(res.status).toBe(200);
    expect(verdict).toMatchObject({ intact: true, problems: [] });
  }, 60_000);
});
