import { loadSolver } from '../../src/deid/audit/index.js';
import { compactVerify, exportJWK, generateKeyPair, type JWK } from 'jose';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { categoryIndex } from '../../src/consent/categories.js';
import { compileConsent } from '../../src/consent/compile.js';
import { replaceLinesStatements } from '../../src/consent/store.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import type { AppDeps } from '../../src/app-env.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { sha256Hex } from '../../src/release/build.js';
import { computeRelease } from '../../src/release/compute.js';
import { createManifestSigner } from '../../src/release/files/manifest.js';
import { publishRelease, PublishRefused, type PublishDeps } from '../../src/release/publish.js';
import { generateRegion } from '../../src/synthetic/index.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };
import { openSqlite } from '../../src/db/sqlite.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { publisherDeps } from '../helpers/publisher.js';
import { CONSENT_SCOPE } from '../helpers/scenario.js';
import { registerFixtureParticipants } from '../helpers/participants.js';

let db: SqliteDatabase;
let deps: AppDeps;
let publisher: PublishDeps;
let publicKey: JWK;
let app: ReturnType<typeof createApp>;
const get = (path: string, headers: Record<string, string> = {}) => app.request(`http://gateway.test${path}`, { headers });

let dir: ReturnType<typeof suiteDir>;
beforeAll(async () => {
  dir = suiteDir('cg-release-');
  db = openSqlite(join(dir.path, 'gateway.db'));
  await registerFixtureParticipants(db);
  deps = testDeps(db);
  for (const source of generateRegion({ patients: 150, seed: 5 }).sources) {
    const b = readBundle(source.bundle);
    if (Array.isArray(b)) throw new Error('bad fixture');
    await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
  }
  const { privateKey, publicKey: pub } = await generateKeyPair('ES256', { extractable: true });
  publicKey = await exportJWK(pub);
  publisher = publisherDeps(db, { signer: createManifestSigner({ ...(await exportJWK(privateKey)), kid: 'gw-1' }), budget: 3 });
  app = createApp(deps);
  await publishRelease(publisher);
}, 120_000);

afterAll(() => {
  db?.close();
  dir?.remove();
});

describe('a published release', () => {
  it('lists every data file in datapackage.json with the sha256 of what is served', async () => {
    const pkg = (await (await get('/public/datasets/v1/datapackage.json')).json()) as {
      resources: { path: string; hash: string; bytes: number; schema?: { fields: { name: string }[] } }[];
    };
    expect(pkg.resources.map((r) => r.path).sort()).toEqual([
      'data.json',
      'dictionary.csv',
      'measure-reports.json',
      'methodology.md',
      'metrics.csv',
      'metrics.json',
    ]);
    for (const r of pkg.resources) {
      const body = await (await get(`/public/datasets/v1/${r.path}`)).text();
      expect(r.hash).toBe(`sha256:${await sha256Hex(body)}`);
      expect(r.bytes).toBe(new TextEncoder().encode(body).byteLength);
    }
    expect(pkg.resources.find((r) => r.path === 'metrics.csv')!.schema!.fields.map((f) => f.name)).toContain('reason');
  });

  it('carries a manifest signed with the gateway key over exactly the served bytes', async () => {
    const manifestText = await (await get('/public/datasets/v1/manifest.json')).text();
    const jws = await (await get('/public/datasets/v1/manifest.jws')).text();
    const { payload, protectedHeader } = await compactVerify(jws, await (await import('jose')).importJWK(publicKey, 'ES256'));
    expect(new TextDecoder().decode(payload)).toBe(manifestText);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'gw-1' });
    const manifest = JSON.parse(manifestText) as { files: { name: string; sha256: string }[]; mode: string; population: { excludedByConsent: number } };
    expect(manifest.mode).toBe('suppression');
    const pkgText = await (await get('/public/datasets/v1/datapackage.json')).text();
    expect(manifest.files.find((f) => f.name === 'datapackage.json')!.sha256).toBe(await sha256Hex(pkgText));
  });

  it('serves files with ETag (304 on a match), long caching and open CORS; the catalog lists the release', async () => {
    const first = await get('/public/datasets/v1/metrics.csv');
    expect(first.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(first.headers.get('access-control-allow-origin')).toBe('*');
    expect(first.headers.get('cache-control')).toMatch(/immutable/);
    const etag = first.headers.get('etag')!;
    expect((await get('/public/datasets/v1/metrics.csv', { 'if-none-match': etag })).status).toBe(304);
    const catalog = (await (await get('/public/data.json')).json()) as { '@type': string; dataset: { identifier: string; distribution: unknown[] }[] };
    expect(catalog['@type']).toBe('dcat:Catalog');
    expect(catalog.dataset[0]!.identifier).toBe('consent-gateway-population-metrics-v1');
    const latest = await get('/public/datasets/latest/metrics.csv');
    expect(latest.status).toBe(302);
    expect(latest.headers.get('location')).toBe('http://gateway.test/public/datasets/v1/metrics.csv');
  });

  it('answers 404, never a file from elsewhere, for unknown releases, names and traversal', async () => {
    for (const path of [
      '/public/datasets/v9/metrics.csv',
      '/public/datasets/v1/secrets.txt',
      '/public/datasets/v1/..%2F..%2Fkeys',
      '/public/datasets/x%27%20or%201=1/metrics.csv',
    ])
      expect((await get(path)).status, path).toBe(404);
  });

  it('has summary MeasureReports with stratifiers, and a suppressed value is masked with its reason', async () => {
    const bundle = (await (await get('/public/datasets/v1/measure-reports.json')).json()) as {
      entry: {
        resource: {
          resourceType: string;
          type: string;
          group: { stratifier: { stratum: { population: { count?: number; _count?: { extension: { url: string; valueCode: string }[] } }[] }[] }[] }[];
        };
      }[];
    };
    expect(bundle.entry.length).toBe(6); // 3 measures × 2 years
    expect(bundle.entry.every((e) => e.resource.resourceType === 'MeasureReport' && e.resource.type === 'summary')).toBe(true);
    const masked = bundle.entry.flatMap((e) => e.resource.group[0]!.stratifier.flatMap((s) => s.stratum.flatMap((st) => st.population))).find((p) => p._count);
    expect(masked!._count!.extension).toEqual(
      expect.arrayContaining([expect.objectContaining({ valueCode: 'masked' }), expect.objectContaining({ url: 'urn:consent-gateway:suppression-reason' })]),
    );
  });

  it('is immutable: publishing again without noise is refused, and the database refuses edits', async () => {
    await expect(publishRelease(publisher)).rejects.toThrow(PublishRefused);
    expect(() => db.sqlite.prepare("update release_files set content = 'x' where release_id = 'v1'").run()).toThrow(/immutable/);
    expect(() => db.sqlite.prepare("delete from releases where id = 'v1'").run()).toThrow(/immutable/);
  });
});

describe('consent and privacy budget', () => {
  it('leaves out a patient who opted out of research, and the manifest counts them', async () => {
    const person = db.sqlite.prepare("select person_id from patient_links where patient_id = 'clinic-oak-pat-000001'").pluck().get() as string;
    const before = await computeRelease(db, { now: '2026-06-01T00:00:00Z', zip3, solver: await loadSolver() });
    const optOut = {
      resourceType: 'Consent',
      id: 'opt-out',
      status: 'active',
      scope: CONSENT_SCOPE,
      category: [{ text: 'research' }],
      patient: { reference: 'Patient/clinic-oak-pat-000001' },
      provision: { type: 'deny', purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HRESCH' }] },
    };
    const compiled = compileConsent(optOut as never, person, categoryIndex(deps.codeLists));
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.issues));
    await db.atomic(replaceLinesStatements(db, person, 'opt-out', compiled.lines));
    const after = await computeRelease(db, { now: '2026-06-01T00:00:00Z', zip3, solver: await loadSolver() });
    expect(after.population.excludedByConsent).toBe(before.population.excludedByConsent + 1);
    const members = (r: typeof before) => r.cells.find((c) => c.key === '2025|total|')!.quantities['members']!.value;
    expect(members(after)).toBe(members(before)! - 1);

    const v2 = await publishRelease(publisher, { epsilon: 1 });
    // Under differential privacy the population counts are noisy too (an exact count of opt-outs
    // would tell, release after release, whether someone opted out).
    expect(v2.info).toMatchObject({ mode: 'differential-privacy', privacy: { mechanism: 'discrete-gaussian', epsilon: 1 } });
    expect(Number.isInteger(v2.info.population.excludedByConsent) && v2.info.population.excludedByConsent >= 0).toBe(true);
    const csv = await (await get('/public/datasets/v2/metrics.csv')).text();
    // Every published count carries its noise's standard deviation; a withheld one only its reason.
    const [header, ...lines] = csv.trim().split('\r\n');
    const columns = header!.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i], v])));
    const counts = rows.filter((r) => r['kind'] === 'count' && r['status'] === 'published');
    expect(counts.length).toBeGreaterThan(0);
    for (const r of counts) expect(Number(r['noise_sd'])).toBeGreaterThan(0);
    for (const r of rows.filter((r) => r['status'] === 'suppressed')) {
      expect(r['reason']).not.toBe('');
      expect([r['value'], r['interval_low'], r['interval_high'], r['noise_sd']]).toEqual(['', '', '', '']);
    }
    const methodology = await (await get('/public/datasets/v2/methodology.md')).text();
    expect(methodology).toMatch(/\(ε, δ\)-differentially private with ε = 1 and δ = 1e-8/);
  });

  it('records epsilon in the public ledger and refuses a release past the lifetime budget', async () => {
    await expect(publishRelease(publisher, { epsilon: 2.5 })).rejects.toThrow(/privacy budget exceeded: 1 of 3 already spent/);
    const ledger = (await (await get('/public/privacy-budget.json')).json()) as {
      lifetimeBudget: number;
      spent: number;
      remaining: number;
      entries: { releaseId: string; epsilon: number }[];
      changes: { epsilon: number; source: string; reason: string }[];
    };
    expect(ledger.entries).toEqual([expect.objectContaining({ releaseId: 'v2', epsilon: 1 })]);
    // The budget is the database's, bound by v1 from the policy.
    expect(ledger).toMatchObject({ lifetimeBudget: 3, spent: 1, remaining: 2 });
    expect(ledger.changes).toEqual([
      expect.objectContaining({ epsilon: 3, source: 'policy', reason: expect.stringMatching(/^Bound by the first release \(v1\)/) }),
    ]);
    const page = await (await get('/public/privacy-budget')).text();
    expect(page).toContain('<dd>3</dd>');
    expect(page).toContain('Set from the policy: Bound by the first release (v1)');
    expect(() => db.sqlite.prepare('delete from privacy_ledger').run()).toThrow(/append-only/);
  });
});
