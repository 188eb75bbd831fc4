/** Guarantees 6 and 8: export files end; suspended or unregistered backend clients get 401 at once. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { ParticipantRegistry } from '../../src/participants/index.js';
import { realPolicies } from '../consent/helpers.js';
import { tempDir, testDeps } from '../helpers/db.js';
import { bundle, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { testIssuer } from '../helpers/tokens.js';
import { ACME, ACME_DUA, acmeClient, CLI, clientKeys, testOps } from '../participants/helpers.js';
import { scenario } from '../helpers/scenario.js';

describe('bulk export files end', () => {
  it('a member with more than a page (500) of one type, then members with nothing', async () => {
    const s = await scenario();
    const entries = [putEntry({ resourceType: 'Organization', id: 'clinic-oak-org', meta: { source: SOURCE_A }, name: 'Oakwood' })];
    for (let i = 0; i < 1001; i++)
      entries.push(
        putEntry({
          resourceType: 'Observation',
          id: `bulk-${i}`,
          meta: { source: SOURCE_A },
          status: 'final',
          subject: { reference: 'Patient/pa-1' },
          code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
          effectiveDateTime: '2025-01-10T09:00:00Z',
        }),
      );
    entries.push(
      putEntry({
        resourceType: 'Encounter',
        id: 'enc-1',
        meta: { source: SOURCE_A },
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/pa-1' },
        serviceProvider: { reference: 'Organization/clinic-oak-org' },
        period: { start: '2025-01-01' },
      }),
    );
    entries.push(
      putEntry({
        resourceType: 'Encounter',
        id: 'enc-2',
        meta: { source: SOURCE_A },
        status: 'finished',
        class: { code: 'AMB' },
        subject: { reference: 'Patient/pb-1' },
        serviceProvider: { reference: 'Organization/clinic-oak-org' },
        period: { start: '2025-01-01' },
      }),
    );
    const b = readBundle(bundle('transaction', entries, SOURCE_A));
    if (Array.isArray(b)) throw new Error('bad seed');
    await ingest(s.deps, { source: SOURCE_A, channel: 'cli', mode: 'transaction', entries: b.entries });
    const oak = s.tokens.chen; // acts for Oakwood, treatment
    const kick = await s.get('/fhir/Group/clinic-oak-org/$export?_type=Observation&_since=2000-01-01T00:00:00Z', oak, { prefer: 'respond-async' });
    expect(kick.status).toBe(202);
    const statusUrl = kick.headers.get('content-location')!.replace('http://gateway.test', '');
    let status = await s.get(statusUrl, oak);
    for (let i = 0; i < 100 && status.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await s.get(statusUrl, oak);
    }
    const [out] = ((await status.json()) as { output: { url: string }[] }).output;
    const res = await s.get(out!.url.replace('http://gateway.test', ''), oak);
    const text = await Promise.race([res.text(), new Promise<string>((_, reject) => setTimeout(() => reject(new Error('the export file never ended')), 8000))]);
    const ids = text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids.filter((id) => id.startsWith('bulk-'))).toHaveLength(1001);
    expect(ids).not.toContain('c-oud');
  }, 30_000);
});

async function setup() {
  const dir = tempDir();
  const db = openSqlite(join(dir, 'g.db'));
  const issuer = await testIssuer();
  const registry = await ParticipantRegistry.open(db, await realPolicies(), (await readPolicyFiles()).duaModel);
  const deps = testDeps(db, { auth: { verifier: issuer.verifier }, participants: registry, consent: new ConsentEngine(db, registry, () => new Date()) });
  const app = createApp(deps);
  const ops = testOps(db, () => registry.changed());
  const keys = await clientKeys();
  await ops.addOrganization(ACME, CLI);
  await ops.addDuaVersion(ACME_DUA, CLI);
  await ops.addClient(acmeClient(keys.publicJwks), CLI);
  const acme = await issuer.mint({
    sub: 'acme-ehr',
    client_id: 'acme-ehr',
    client_kind: 'source',
    organization: ACME.reference,
    dua: 'dua-acme',
    source: 'https://acme.example.org/fhir',
    scope: 'system/*.rs system/*.cu',
    purpose_of_use: ['TREAT'],
  });
  const operator = await issuer.mint({
    sub: 'alex',
    client_id: 'smart-demo',
    role: 'operator',
    organization: 'Organization/org-hie',
    scope: 'user/AuditEvent.rs',
    purpose_of_use: ['HSYSADMIN'],
  });
  const get = (token: string) => app.request('/fhir/Observation?patient=nobody', { headers: { authorization: `Bearer ${token}` } });
  return { db, dir, app, issuer, acme, operator, get, registry };
}

describe('suspended and unregistered backend clients', () => {
  it('suspended by another process (the CLI on the same database): 401 at the next request', async () => {
    const t = await setup();
    expect((await t.get(t.acme)).status).toBe(200);
    const other = openSqlite(join(t.dir, 'g.db'));
    await testOps(other).setStatus({ target: 'client', id: 'acme-ehr', status: 'suspended' }, CLI);
    expect((await t.get(t.acme)).status).toBe(401);
    other.close();
  });
  it('its organization suspended through the operator API: 401 at the next request', async () => {
    const t = await setup();
    expect((await t.get(t.acme)).status).toBe(200);
    const res = await t.app.request('/admin/participants/organizations/acme-org/suspend', {
      method: 'POST',
      headers: { authorization: `Bearer ${t.operator}` },
    });
    expect(res.status).toBe(200);
    expect((await t.get(t.acme)).status).toBe(401);
  });
  it('an unregistered client, and a registered client id with a kind it was not registered with: 401', async () => {
    const t = await setup();
    const ghost = await t.issuer.mint({
      sub: 'ghost',
      client_id: 'ghost',
      client_kind: 'payer',
      organization: 'Organization/payer-lakeshore-org',
      scope: 'system/*.rs',
      purpose_of_use: ['HPAYMT'],
    });
    expect((await t.get(ghost)).status).toBe(401);
  });
  it('a suspended client is refused even when its token names it only as client_id (sub differs)', async () => {
    const t = await setup();
    await testOps(t.db, () => t.registry.changed()).setStatus({ target: 'client', id: 'acme-ehr', status: 'suspended' }, CLI);
    const odd = await t.issuer.mint({
      sub: 'someone',
      client_id: 'acme-ehr',
      client_kind: 'source',
      role: 'clinician',
      organization: ACME.reference,
      scope: 'user/*.rs',
      purpose_of_use: ['TREAT'],
    });
    expect((await t.get(odd)).status).toBe(401);
  });
});
