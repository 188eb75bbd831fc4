/**
 * npm run profile -- --path read|search|everything|bare [--seconds S] [--concurrency C] [--patients N]
 *
 * One hot path of the FHIR API, in process (app.request, no sockets, no load generator), run in
 * a loop by C concurrent callers for S seconds with V8's CPU profiler on (the profiler
 * `node --cpu-prof` uses, started through node:inspector after the region is loaded, so the
 * profile holds only the requests). Prints requests per second; the profile goes to
 * profiles/<path>.cpuprofile. With --http the requests go over loopback instead (autocannon in
 * the same process, as bench:fhir runs it), to see what the HTTP server adds. Summarise it with
 * `npx tsx scripts/profile-summary.ts profiles/read.cpuprofile --focus src/`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import { Hono } from 'hono';
import { fhirBenchRegion, MARIA } from './fhir-setup.js';

const { values } = parseArgs({
  options: {
    path: { type: 'string', default: 'read' },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '10' },
    patients: { type: 'string', default: '200' },
    http: { type: 'boolean', default: false },
  },
});
const region = await fhirBenchRegion(Number(values.patients));
const { work, db, token, deps } = region;
// How well the audit trail's group commit batches: events per commit.
let commits = 0;
const atomic = deps.audit.db.atomic.bind(deps.audit.db);
deps.audit.db.atomic = (statements) => {
  commits++;
  return atomic(statements);
};
// `bare`: bench:fhir's baseline route (the same row and JSON; no token, consent or audit), to compare profiles with.
const bareApp = new Hono();
const select = db.sqlite.prepare('SELECT content FROM resources WHERE type = ? AND id = ?').pluck();
bareApp.get('/fhir/:type/:id', (c) => c.body(select.get(c.req.param('type'), c.req.param('id')) as string, 200, { 'content-type': 'application/fhir+json' }));
const app = values.path === 'bare' ? bareApp : region.app;
const urls: Record<string, string> = {
  read: '/fhir/Observation/bench-obs-10',
  bare: '/fhir/Observation/bench-obs-10',
  search: `/fhir/Observation?patient=${MARIA}&code=http://loinc.org|4548-4`,
  everything: `/fhir/Patient/${MARIA}/$everything?_count=1000`,
};
const url = urls[values.path!];
if (!url) throw new Error(`--path must be one of ${Object.keys(urls).join(', ')}`);
const headers = { authorization: `Bearer ${token}` };
const once = async () => {
  const res = await app.request(url, { headers });
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  await res.text();
};
for (let i = 0; i < 200; i++) await once();
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const until = performance.now() + Number(values.seconds) * 1000;
let done = 0;
if (values.http) {
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const r = await autocannon({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${url}`,
    connections: Number(values.concurrency),
    duration: Number(values.seconds),
    headers,
  });
  done = r.requests.total;
  server.close();
} else
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (performance.now() < until) {
        await once();
        done++;
      }
    }),
  );
const { profile } = await session.post('Profiler.stop');
mkdirSync('profiles', { recursive: true });
writeFileSync(`profiles/${values.path}.cpuprofile`, JSON.stringify(profile));
console.log(
  `profile ${values.path}: ${Math.round(done / Number(values.seconds)).toLocaleString('en-US')} req/s ${values.http ? 'over loopback HTTP' : 'in process'} (${values.concurrency} concurrent)`,
);
if (commits > 0) console.log(`  audit: ${(done / commits).toFixed(1)} events per commit`);
db.close();
rmSync(work, { recursive: true, force: true });
