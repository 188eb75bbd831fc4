import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirClient, sleep } from '../helpers/worker-subscriptions.js';
import { clinicianClaims, OPERATOR_CLAIMS, sourceClaims } from '../helpers/tokens.js';
import { startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

/**
 * Red team 9: claim tricks against the Worker's own participants registry. The issuer signs what
 * it signs; the guarantee is that only what the Worker's registry says may act.
 */
const SWEEP_MS = 200;
const HOSPITAL = 'urn:test:worker';
const LAKESHORE = 'https://payer-lakeshore.example.org/fhir';
const GREATLAKES = 'https://payer-greatlakes-ma.example.org/fhir';

const payerClaims = (id: string, source: string, extra: Record<string, unknown> = {}) => ({
  sub: id,
  client_id: id,
  client_kind: 'payer',
  source,
  organization: `Organization/${id}-org`,
  dua: `dua-${id}`,
  scope: 'system/*.cu system/*.rs',
  purpose_of_use: ['HPAYMT'],
  ...extra,
});

describe('red team 9: token claims against the Worker registry', () => {
  let w: LocalWorkers;
  let operator: string;
  const call = (base: string, path: string, token: string, body?: object, method?: string) => fhirClient(w)(base, path, token, body, method);
  const admin = (path: string, body?: object) =>
    w.fetch(`${w.primary}/admin/participants${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${operator}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const put = (base: string, token: string, source: string, type: string, id: string, extra: object = {}) =>
    call(base, `${type}/${id}`, token, { resourceType: type, id, meta: { source }, ...extra }, 'PUT');
  const coverage = (patient: string, payor: string) => ({ status: 'active', beneficiary: { reference: `Patient/${patient}` }, payor: [{ reference: payor }] });

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { CONSENT_SWEEP_MS: String(SWEEP_MS) } });
    operator = await w.issuer.mint(OPERATOR_CLAIMS, 3600);
    const source = await w.issuer.mint(sourceClaims(HOSPITAL));
    for (const [type, id] of [
      ['Patient', 'pr-1'],
      ['Organization', 'clinic-oak-org'],
      ['Practitioner', 'dr-r'],
    ] as const)
      expect((await put(w.primary, source, HOSPITAL, type, id)).status).toBeLessThan(300);
    // Genuine payers' members.
    const lake = await w.issuer.mint(payerClaims('payer-lakeshore', LAKESHORE));
    expect((await put(w.primary, lake, LAKESHORE, 'Patient', 'pl-1')).status).toBe(201);
    expect((await put(w.primary, lake, LAKESHORE, 'Coverage', 'cov-l1', coverage('pl-1', 'Organization/payer-lakeshore-org'))).status).toBe(201);
    const great = await w.issuer.mint(payerClaims('payer-greatlakes-ma', GREATLAKES));
    expect((await put(w.primary, great, GREATLAKES, 'Patient', 'pg-1')).status).toBe(201);
    const cov = await put(w.primary, great, GREATLAKES, 'Coverage', 'cov-g1', coverage('pg-1', 'Organization/payer-greatlakes-ma-org'));
    expect(cov.status, await cov.clone().text()).toBe(201);
    expect((await call(w.primary, 'Coverage/cov-g1', great)).status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('A1: a registered source (hospital-a) whose token names a payer’s source URI cannot write Coverage as that payer', async () => {
    const forged = await w.issuer.mint({ ...sourceClaims(LAKESHORE), scope: 'system/*.cu' });
    const patient = await put(w.primary, forged, LAKESHORE, 'Patient', 'rt9-forged-1');
    const cov = await put(w.primary, forged, LAKESHORE, 'Coverage', 'rt9-cov-forged-1', coverage('rt9-forged-1', 'Organization/payer-lakeshore-org'));
    expect([401, 403]).toContain(patient.status);
    expect([401, 403]).toContain(cov.status);
  });

  it('A2: payer-lakeshore, with a token naming greatlakes’ source, cannot make anyone a greatlakes member', async () => {
    const forged = await w.issuer.mint(payerClaims('payer-lakeshore', GREATLAKES, { organization: 'Organization/payer-greatlakes-ma-org' }));
    const patient = await put(w.replica!, forged, GREATLAKES, 'Patient', 'rt9-forged-2');
    const cov = await put(w.replica!, forged, GREATLAKES, 'Coverage', 'rt9-cov-forged-2', coverage('rt9-forged-2', 'Organization/payer-greatlakes-ma-org'));
    expect([401, 403]).toContain(cov.status);
  });

  it('A3: hospital-a with client_kind payer and lakeshore’s organization claim cannot read lakeshore’s member', async () => {
    const forged = await w.issuer.mint({
      ...sourceClaims(HOSPITAL, 'system/*.rs'),
      client_kind: 'payer',
      organization: 'Organization/payer-lakeshore-org',
      dua: 'dua-payer-lakeshore',
      purpose_of_use: ['HPAYMT'],
    });
    const res = await call(w.primary, 'Coverage/cov-l1', forged);
    const pat = await call(w.primary, 'Patient/pl-1', forged);
    expect([401, 404]).toContain(res.status);
    expect([401, 404]).toContain(pat.status);
  });

  it('A4: payer-lakeshore with greatlakes’ organization claim cannot read greatlakes’ member', async () => {
    const forged = await w.issuer.mint(payerClaims('payer-lakeshore', LAKESHORE, { organization: 'Organization/payer-greatlakes-ma-org' }));
    const res = await call(w.replica!, 'Coverage/cov-g1', forged);
    const pat = await call(w.replica!, 'Patient/pg-1', forged);
    expect([401, 404]).toContain(res.status);
    expect([401, 404]).toContain(pat.status);
  });

  it('A5: the analytics client (no source registered) cannot write clinical data as a source with a made-up URI', async () => {
    const forged = await w.issuer.mint({
      sub: 'analytics',
      client_id: 'analytics',
      client_kind: 'source',
      source: 'urn:rt9:analytics-forged',
      organization: 'Organization/org-analytics',
      scope: 'system/*.cu',
      purpose_of_use: ['TREAT'],
    });
    const res = await put(w.primary, forged, 'urn:rt9:analytics-forged', 'Patient', 'rt9-analytics-1');
    expect(res.status).toBeGreaterThanOrEqual(400);
  });

  it('A6: a suspended payer’s source URI cannot be written through another (active) client’s token', async () => {
    expect((await admin('/clients/payer-lakeshore/suspend', { reason: 'rt9' })).status).toBe(200);
    try {
      const own = await w.issuer.mint(payerClaims('payer-lakeshore', LAKESHORE));
      expect((await put(w.primary, own, LAKESHORE, 'Patient', 'rt9-s-0')).status).toBe(401);
      const viaHospital = await w.issuer.mint(sourceClaims(LAKESHORE));
      const res = await put(w.replica!, viaHospital, LAKESHORE, 'Patient', 'rt9-s-1');
      expect(res.status).toBeGreaterThanOrEqual(400);
    } finally {
      expect((await admin('/clients/payer-lakeshore/resume', {})).status).toBe(200);
    }
  });

  it('A7: case and whitespace variants of a client id are neither accepted nor suspendable in its place', async () => {
    const upper = await w.issuer.mint({ ...sourceClaims(HOSPITAL), sub: 'HOSPITAL-A', client_id: 'HOSPITAL-A' });
    const spaced = await w.issuer.mint({ ...sourceClaims(HOSPITAL), sub: 'hospital-a ', client_id: 'hospital-a ' });
    for (const t of [upper, spaced]) expect((await put(w.primary, t, HOSPITAL, 'Patient', 'rt9-case-1')).status).toBe(401);
    for (const id of ['HOSPITAL-A', 'hospital-a%20', 'Hospital-A']) {
      const res = await admin(`/clients/${id}/suspend`, {});
      expect(res.status, id).toBe(404);
    }
    const held = await w.issuer.mint(sourceClaims(HOSPITAL));
    expect((await put(w.replica!, held, HOSPITAL, 'Patient', 'rt9-case-2')).status).toBe(201);
  });

  it('A8: suspension races: every request after the suspend answer is refused through both isolates, cached tokens included', async () => {
    const held = await w.issuer.mint(sourceClaims(HOSPITAL), 3600);
    // Warm both isolates' token caches and registries.
    for (const base of [w.primary, w.replica!]) expect((await put(base, held, HOSPITAL, 'Patient', 'rt9-race-0')).status).toBeLessThan(300);
    const inflight = Array.from({ length: 10 }, (_, i) => put(i % 2 ? w.replica! : w.primary, held, HOSPITAL, 'Patient', `rt9-race-pre-${i}`));
    const s = await admin('/clients/hospital-a/suspend', { reason: 'race' });
    expect(s.status).toBe(200);
    try {
      const after = await Promise.all(Array.from({ length: 20 }, (_, i) => put(i % 2 ? w.replica! : w.primary, held, HOSPITAL, 'Patient', `rt9-race-${i}`)));
      const statuses = after.map((r) => r.status);
      await Promise.all(inflight);
      expect(statuses.every((x) => x === 401)).toBe(true);
    } finally {
      expect((await admin('/clients/hospital-a/resume', {})).status).toBe(200);
    }
  });

  it('A9: suspending the organization (not the client) refuses the client at once through both isolates', async () => {
    const held = await w.issuer.mint(sourceClaims(HOSPITAL), 3600);
    expect((await put(w.replica!, held, HOSPITAL, 'Patient', 'rt9-org-0')).status).toBeLessThan(300);
    expect((await admin('/organizations/hospital-a-org/suspend', {})).status).toBe(200);
    try {
      for (const base of [w.replica!, w.primary]) expect((await put(base, held, HOSPITAL, 'Patient', 'rt9-org-1')).status).toBe(401);
      // Reads too, and with another organization claim.
      const reader = await w.issuer.mint({ ...sourceClaims(HOSPITAL, 'system/*.rs'), organization: 'Organization/clinic-oak-org' });
      for (const base of [w.replica!, w.primary]) expect((await call(base, 'Patient/pr-1', reader)).status).toBe(401);
    } finally {
      expect((await admin('/organizations/hospital-a-org/resume', {})).status).toBe(200);
    }
  });

  it('A10: a token with no client_kind but a backend client’s id (suspended) is refused', async () => {
    expect((await admin('/clients/hospital-a/suspend', {})).status).toBe(200);
    try {
      const personish = await w.issuer.mint({
        sub: 'hospital-a',
        client_id: 'hospital-a',
        role: 'clinician',
        fhirUser: 'Practitioner/dr-r',
        organization: 'Organization/clinic-oak-org',
        source: HOSPITAL,
        scope: 'user/*.rs',
        purpose_of_use: ['TREAT'],
      });
      const res = await call(w.primary, 'Patient/pr-1', personish);
      expect(res.status).toBe(401);
    } finally {
      expect((await admin('/clients/hospital-a/resume', {})).status).toBe(200);
    }
  });

  it('A11: with its own DUA suspended, hospital-a cannot read under clinic-oak’s DUA by claiming its organization', async () => {
    const reader = await w.issuer.mint(sourceClaims(HOSPITAL, 'system/*.rs'));
    expect((await call(w.primary, 'Patient/pr-1', reader)).status).toBe(200);
    const { duas } = (await (await admin('')).json()) as { duas: { id: string; versions: { version: number }[] }[] };
    const v = duas.find((d) => d.id === 'dua-hospital-a')!.versions[0]!.version;
    expect((await admin(`/duas/dua-hospital-a/versions/${v}/suspend`, {})).status).toBe(200);
    try {
      await sleep(SWEEP_MS * 4);
      expect((await call(w.primary, 'Patient/pr-1', reader)).status).toBe(404);
      const forged = await w.issuer.mint({ ...sourceClaims(HOSPITAL, 'system/*.rs'), organization: 'Organization/clinic-oak-org', dua: 'dua-clinic-oak' });
      const res = await call(w.replica!, 'Patient/pr-1', forged);
      // Refused at the token: its organization and agreement are not hospital-a's.
      expect([401, 404]).toContain(res.status);
    } finally {
      expect((await admin(`/duas/dua-hospital-a/versions/${v}/resume`, {})).status).toBe(200);
    }
  });

  it('A12: a payer cannot make a Patient record not its own its member, whatever the reference form', async () => {
    const lake = await w.issuer.mint(payerClaims('payer-lakeshore', LAKESHORE));
    const results: Record<string, number> = {};
    const forms: Record<string, object> = {
      relative: { beneficiary: { reference: 'Patient/pr-1' } },
      absolute: { beneficiary: { reference: `${w.primary}/fhir/Patient/pr-1` } },
      versioned: { beneficiary: { reference: 'Patient/pr-1/_history/1' } },
      subscriberOnly: { beneficiary: { reference: 'Patient/pl-1' }, subscriber: { reference: 'Patient/pr-1' } },
      duplicatePayor: {
        beneficiary: { reference: 'Patient/pl-1' },
        payor: [{ reference: 'Organization/payer-lakeshore-org' }, { reference: 'Organization/payer-greatlakes-ma-org' }],
      },
      containedPayor: {
        beneficiary: { reference: 'Patient/pl-1' },
        contained: [{ resourceType: 'Organization', id: 'o1' }],
        payor: [{ reference: '#o1' }],
      },
      otherPayorAbsolute: { beneficiary: { reference: 'Patient/pl-1' }, payor: [{ reference: `${w.primary}/fhir/Organization/payer-lakeshore-org` }] },
    };
    for (const [name, extra] of Object.entries(forms)) {
      const res = await put(w.primary, lake, LAKESHORE, 'Coverage', `rt9-cov-${name}`, {
        status: 'active',
        payor: [{ reference: 'Organization/payer-lakeshore-org' }],
        ...extra,
      });
      results[name] = res.status;
    }
    // subscriberOnly names pl-1 as beneficiary (its own): acceptable; the rest must be refused.
    for (const [name, status] of Object.entries(results)) if (name !== 'subscriberOnly') expect(status, name).toBeGreaterThanOrEqual(400);
    // Whatever was accepted, lakeshore must not read hospital-a's patient.
    expect((await call(w.primary, 'Patient/pr-1', lake)).status).toBe(404);
  });

  it('A13: a clinician at an organization whose DUA was ended sees absence; odd shapes of the read reveal nothing more', async () => {
    const clinician = await w.issuer.mint(clinicianClaims('dr.r', 'dr-r'), 3600);
    expect((await call(w.primary, 'Patient/pr-1', clinician)).status).toBe(200);
    const { duas } = (await (await admin('')).json()) as { duas: { id: string; versions: { version: number; start: string }[] }[] };
    const v = duas.find((d) => d.id === 'dua-clinic-oak')!.versions[0]!;
    const end = new Date(Date.now() - 1000).toISOString();
    const ended = await admin(`/duas/dua-clinic-oak/versions/${v.version}/end`, { end });
    expect(ended.status, await ended.clone().text()).toBe(200);
    await sleep(SWEEP_MS * 5);
    const paths = ['Patient/ID', 'Patient/ID/_history', 'Patient/ID/_history/1', 'Patient?_id=ID', 'Coverage?patient=ID', 'Patient/ID/$everything'];
    const diffs: string[] = [];
    for (const base of [w.primary, w.replica!]) {
      for (const p of paths) {
        const real = await call(base, p.replaceAll('ID', 'pr-1'), clinician);
        const none = await call(base, p.replaceAll('ID', 'pr-nonexistent'), clinician);
        const a = (await real.text())
          .replaceAll('pr-1', 'X')
          .replace(/"id":"[0-9a-f-]{36}"/g, '')
          .replace(/"lastUpdated":"[^"]+"/g, '');
        const b = (await none.text())
          .replaceAll('pr-nonexistent', 'X')
          .replace(/"id":"[0-9a-f-]{36}"/g, '')
          .replace(/"lastUpdated":"[^"]+"/g, '');
        if (real.status !== none.status || a !== b) diffs.push(`${base} ${p}: ${real.status} ${a.slice(0, 160)} VS ${none.status} ${b.slice(0, 160)}`);
      }
    }
    expect(diffs).toEqual([]);
  });
});
