import type { JWTPayload } from 'jose';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeTarget } from '../helpers/node-target.js';
import { endpoint, SECRET_URL, subscriptionBody } from '../helpers/subscriber.js';
import { clinicianClaims, OPERATOR_CLAIMS, patientClaims, sourceClaims } from '../helpers/tokens.js';
import { startWorkers } from '../helpers/wrangler.js';

/** One runtime under test, black box: where to send requests (two isolates on the Worker; one process on Node) and how to get a token it trusts. */
interface Target {
  base: string;
  other: string;
  mint(claims: JWTPayload): Promise<string>;
  fetch(url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  stop(): Promise<void>;
}

const RUNTIMES: Record<string, () => Promise<Target>> = {
  node: async () => {
    const n = await startNodeTarget();
    return { base: n.base, other: n.base, mint: (c) => n.issuer.mint(c), fetch: (u, i) => fetch(u, i), stop: n.stop };
  },
  worker: async () => {
    // Development mode on both: the subscriber's endpoint is on loopback, which production refuses.
    const w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development' } });
    return { base: w.primary, other: w.replica!, mint: (c) => w.issuer.mint(c), fetch: w.fetch, stop: w.stop };
  },
};

/** What a response says, in the terms the suite compares across runtimes: status, and the resource type or the issue codes. */
async function shape(res: Response): Promise<string> {
  const text = await res.text();
  let what = '';
  try {
    const body = JSON.parse(text) as { resourceType?: string; issue?: { code: string }[] };
    what = body.resourceType === 'OperationOutcome' ? `OperationOutcome ${body.issue?.map((i) => i.code).join(',')}` : (body.resourceType ?? 'json');
  } catch {
    what = 'not json';
  }
  return `${res.status} ${what}`;
}

/** What each runtime answered at each step, compared at the end. */
const transcripts: Record<string, string[]> = {};

/**
 * The parity suite: the same black-box scenario (ingest, reads, consent writes and revocation
 * through the other isolate, who looked, notifications, bad input, audit verify) run against the
 * gateway on Node and on the Worker under workerd, each over real HTTP with tokens its runtime
 * trusts; then the two transcripts of answers must be the same.
 */
describe.each(Object.keys(RUNTIMES))('parity: %s', (runtime) => {
  let t: Target;
  let source: string;
  let her: string;
  let clinician: string;
  let glass: string;
  let operator: string;
  const log: string[] = (transcripts[runtime] = []);
  const call = async (step: string, base: string, path: string, token: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') => {
    const res = await t.fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    log.push(`${step}: ${await shape(res.clone())}`);
    return res;
  };

  beforeAll(async () => {
    t = await RUNTIMES[runtime]!();
    source = await t.mint(sourceClaims('urn:test:worker'));
    her = await t.mint(patientClaims('pp-1'));
    clinician = await t.mint(clinicianClaims('dr.p', 'dr-p'));
    glass = await t.mint(clinicianClaims('dr.p', 'dr-p', { purpose_of_use: ['ETREAT'] }));
    operator = await t.mint(OPERATOR_CLAIMS);
    const entry = [
      { resourceType: 'Patient', id: 'pp-1', name: [{ family: 'Parity' }] },
      { resourceType: 'Organization', id: 'clinic-oak-org', name: 'Oakwood' },
      { resourceType: 'Practitioner', id: 'dr-p' },
      {
        resourceType: 'Observation',
        id: 'pp-obs-1',
        status: 'final',
        subject: { reference: 'Patient/pp-1' },
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        effectiveDateTime: '2026-11-01',
      },
    ].map((resource) => ({
      resource: { ...resource, meta: { source: 'urn:test:worker' } },
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    }));
    const res = await call('ingest', t.base, '/fhir', source, { resourceType: 'Bundle', type: 'transaction', meta: { source: 'urn:test:worker' }, entry });
    expect(res.status, await res.clone().text()).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await t?.stop();
  });

  it('reads, consent writes and revocation through the other isolate, and who looked', async () => {
    expect((await call('clinician reads', t.other, '/fhir/Patient/pp-1', clinician)).status).toBe(200);
    const absent = await call('clinician reads a patient who does not exist', t.other, '/fhir/Patient/pp-none', clinician);
    expect(absent.status).toBe(404);
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ text: 'privacy' }],
      patient: { reference: 'Patient/pp-1' },
      policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
      provision: { type: 'deny', actor: [{ role: { text: 'recipient' }, reference: { reference: 'Practitioner/dr-p' } }] },
    };
    const written = await call('she denies him', t.base, '/fhir/Consent', her, consent);
    expect(written.status).toBe(201);
    const id = ((await written.json()) as { id: string }).id;
    // The next read through the other isolate: refused exactly as a record that does not exist.
    const refused = await call('clinician reads after her deny', t.other, '/fhir/Patient/pp-1', clinician);
    expect(refused.status).toBe(404);
    expect((await refused.text()).replaceAll('pp-1', 'X')).toBe((await absent.text()).replaceAll('pp-none', 'X'));
    const search = await call('clinician searches after her deny', t.other, '/fhir/Observation?patient=Patient/pp-1', clinician);
    expect(((await search.json()) as { total: number }).total).toBe(0);
    expect((await call('she withdraws it', t.base, `/fhir/Consent/${id}`, her, { ...consent, id, status: 'inactive' }, 'PUT')).status).toBe(200);
    expect((await call('clinician reads after the withdrawal', t.other, '/fhir/Patient/pp-1', clinician)).status).toBe(200);

    // She sees who looked: his reads, permitted and refused, in her accounting.
    const mine = await call('her accounting', t.base, '/fhir/AuditEvent?patient=Patient/pp-1&_count=100', her);
    const events = ((await mine.json()) as { entry: { resource: { agent: { who?: { reference?: string } }[]; outcome?: string } }[] }).entry;
    const his = events.filter((e) => e.resource.agent.some((a) => a.who?.reference === 'Practitioner/dr-p'));
    expect(his.length).toBeGreaterThanOrEqual(4);
    // He sees nothing of hers.
    const theirs = await call('his look at her accounting', t.other, '/fhir/AuditEvent?patient=Patient/pp-1', clinician);
    expect(((await theirs.json()) as { total: number }).total).toBe(0);
  });

  it('tells her endpoint of a break-the-glass once, signed', async () => {
    const hook = await endpoint();
    try {
      const created = await call('she subscribes to break-the-glass', t.base, '/fhir/Subscription', her, subscriptionBody(hook.url));
      expect(created.status).toBe(201);
      const secret = ((await created.json()) as { extension: { url: string; valueString: string }[] }).extension.find((e) => e.url === SECRET_URL)!.valueString;
      const grant = await call('he breaks the glass', t.other, '/fhir/Patient/pp-1/$break-the-glass', glass, {
        resourceType: 'Parameters',
        parameter: [{ name: 'reason', valueString: 'unconscious in the ED' }],
      });
      expect(grant.status).toBe(201);
      // The handshake, then the notification.
      await expect.poll(() => hook.received.length, { timeout: 20_000, interval: 100 }).toBe(2);
      await new Promise((r) => setTimeout(r, 1000));
      expect(hook.received).toHaveLength(2);
      for (const r of hook.received) new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    } finally {
      hook.close();
    }
  }, 60_000);

  it('answers bad input with the same 4xx, and every chain verifies', async () => {
    await call('malformed JSON', t.base, '/fhir', source, '{"resourceType": "Bundle",');
    await call('an unknown search modifier', t.base, '/fhir/Observation?patient:missing=true', clinician);
    await call('a patient reading someone else', t.base, '/fhir/Patient/pp-none', her);
    await call('no token', t.base, '/fhir/Patient/pp-1', '');
    const res = await call('audit verify', t.base, '/admin/audit/verify', operator, { anchors: [] });
    const verdict = (await res.json()) as { intact: boolean; problems: unknown[] };
    expect(verdict.intact, JSON.stringify(verdict.problems)).toBe(true);
  }, 60_000);
});

describe('parity: the runtimes answer alike', () => {
  it('gives the same answer at every step on Node and on the Worker', () => {
    expect(transcripts.worker).toEqual(transcripts.node);
    expect(transcripts.node!.length).toBeGreaterThan(15);
  });
});
