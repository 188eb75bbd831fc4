import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'fhir-kit-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteDir } from '../helpers/db.js';
import { startProcess, type Started } from '../helpers/process.js';
import { chartsOf, plotted } from '../helpers/release-page.js';

/** `npm start` as a new user runs it, on a small region, over real loopback HTTP. */
describe('npm start on an empty data directory', () => {
  let dir: ReturnType<typeof suiteDir>;
  let env: Record<string, string>;
  let gateway: Started;
  let base: string;

  const start = () => startProcess(process.execPath, ['--import', 'tsx', 'src/entry/node.ts'], { env, ready: /Press Ctrl\+C to stop/, timeoutMs: 90_000 });

  beforeAll(async () => {
    dir = suiteDir('cg-start-');
    env = {
      PORT: '0',
      DATA_DIR: join(dir.path, 'data'),
      KEYS_DIR: join(dir.path, 'keys'),
      FIXTURES_DIR: join(dir.path, 'fixtures'),
      FIXTURE_PATIENTS: '60',
      FIXTURE_SEED: '7',
    };
    gateway = await start();
    base = /FHIR base\s+(\S+)/.exec(gateway.output())![1]!.replace(/\/fhir$/, '');
  });

  afterAll(async () => {
    await gateway?.stop();
    dir?.remove();
  });

  it('prints the URLs and answers on them', async () => {
    expect(gateway.output()).toMatch(/Loaded the synthetic region \(60 patients, seed 7\)/);
    const client = new Client({ baseUrl: `${base}/fhir` });
    const cs = (await client.capabilityStatement()) as { resourceType: string; fhirVersion: string };
    expect(cs).toMatchObject({ resourceType: 'CapabilityStatement', fhirVersion: '4.0.1' });
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok', database: 'sqlite', mode: 'development' });
  });

  it('says how far it is while it generates and loads the region and publishes, in counts only, and prints no stack', () => {
    const out = gateway.output();
    expect(out).toMatch(/^generating synthetic region: 60 \/ 60 patients$/m);
    expect(out).toMatch(/^loading synthetic region: ([\d,]+) \/ \1 resources, 11 \/ 11 sources, \d+ s$/m);
    expect(out).toMatch(/^publishing the first release of the synthetic region/m);
    // Every progress line is a count and nothing else: no name, id or value of a person.
    for (const line of out.split('\n').filter((l) => /synthetic region: \d/.test(l)))
      expect(line).toMatch(/^(generating|loading) synthetic region: [\d,]+ \/ [\d,]+ (patients|resources)(, \d+ \/ \d+ sources, \d+ s)?$/);
    expect(out).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  });

  it('published a release of the fixture region, so the public catalog is never empty', async () => {
    expect(gateway.output()).toMatch(/Published release v1 of the synthetic region/);
    const catalog = (await (await fetch(`${base}/public/data.json`)).json()) as { dataset: { distribution: { downloadURL: string; mediaType: string }[] }[] };
    expect(catalog.dataset).toHaveLength(1);
    const csvUrl = catalog.dataset[0]!.distribution.find((d) => d.mediaType === 'text/csv')!.downloadURL;
    const csv = await fetch(csvUrl);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('access-control-allow-origin')).toBe('*');
    expect((await csv.text()).split('\r\n')[0]).toBe(
      'cell_id,period,table,segment,organization,geography,age_band,sex,measure,kind,value,interval_low,interval_high,status,reason,noise_sd',
    );
  });

  it('release page: its charts plot published figures, and every point they leave out is listed under them with its reason', async () => {
    const charts = chartsOf(await (await fetch(`${base}/public/releases/v1`)).text());
    expect(charts.map((c) => c.id)).toEqual(['pmpm', 'quality', 'utilization']);
    // 60 patients are few enough for whole charts to be withheld; the public portal's test checks each chart at 250.
    expect(charts.flatMap((c) => plotted(c.spec)).length).toBeGreaterThan(0);
    for (const { id, spec } of charts) {
      const missing = spec.datasets.filter((d) => !d.derived).flatMap((d) => d.data.filter((v) => v === null)).length;
      expect(spec.notPlotted.flatMap((g) => g.points.flatMap((p) => p.columns)).length, id).toBe(missing);
    }
  });

  it('generated a signing key: private file 0600, public JWKS without private members', () => {
    const files = readdirSync(env.KEYS_DIR!);
    const privateFile = files.find((f) => f.endsWith('.private.json'))!;
    expect(privateFile).toBeDefined();
    expect(statSync(join(env.KEYS_DIR!, privateFile)).mode & 0o777).toBe(0o600);
    const jwks = JSON.parse(readFileSync(join(env.KEYS_DIR!, 'jwks.json'), 'utf8'));
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it("links the named patient's records from three sources into one person", () => {
    const db = new Database(join(env.DATA_DIR!, 'gateway.db'), { readonly: true });
    const truth = JSON.parse(readFileSync(join(env.FIXTURES_DIR!, 'truth.json'), 'utf8')) as Record<string, number>;
    const mariaRecords = Object.keys(truth).filter((id) => truth[id] === 0);
    const persons = new Set(
      mariaRecords.map((id) => (db.prepare('select person_id from patient_links where patient_id = ?').get(id) as { person_id: string }).person_id),
    );
    db.close();
    expect(mariaRecords.length).toBeGreaterThanOrEqual(3);
    expect(persons.size).toBe(1);
  });

  it("shows notifications flowing: the hospitals' live ADT feed reaches the outbox, each demo clinic is subscribed, and the receiver page is listed", async () => {
    expect(gateway.output()).toContain(`deliveries are listed at ${base}/dev/receiver`);
    expect((await fetch(`${base}/dev/receiver`)).status).toBe(200);
    const read = <T>(query: string) => {
      const d = new Database(join(env.DATA_DIR!, 'gateway.db'), { readonly: true });
      try {
        return d.prepare(query).all() as T[];
      } finally {
        d.close();
      }
    };
    expect(read<{ organization: string }>("select distinct organization from subscriptions where owner = 'development-start'")).toHaveLength(5);
    const live = () => read<{ topic: string }>("select topic from notification_events where focus like 'Encounter/hosp-%-live-%'");
    for (let i = 0; i < 100 && live().length === 0; i++) await new Promise((r) => setTimeout(r, 200));
    expect(live()[0]?.topic).toBe('encounter-start');
  });

  it('does not reload on restart, and ingesting the fixtures again changes nothing', async () => {
    await gateway.stop();
    const db = () => new Database(join(env.DATA_DIR!, 'gateway.db'), { readonly: true });
    const countResources = () => {
      const d = db();
      const n = (d.prepare('select count(*) n from resources').get() as { n: number }).n;
      d.close();
      return n;
    };
    const before = countResources();
    gateway = await start();
    expect(gateway.output()).not.toMatch(/Loaded the synthetic region/);
    await gateway.stop();

    const files = readdirSync(env.FIXTURES_DIR!).filter((f) => !['manifest.json', 'people.json', 'truth.json'].includes(f));
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/ingest.ts', ...files.map((f) => join(env.FIXTURES_DIR!, f))], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    expect(out).toMatch(/ 0 written/);
    expect(out).not.toMatch(/ [1-9]\d* written/);
    expect(countResources()).toBe(before);
  });
});
