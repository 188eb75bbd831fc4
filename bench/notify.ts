/**
 * npm run bench:notify [-- --rate 200 --seconds 20 --warmup 3 --subscriptions 100 --patients 1000 --rounds 5 --outage-minutes 10 --outage-rate 20]
 *
 * Admission notifications, measured end to end in one run:
 *
 * 1. Latency and throughput. Admissions (one ED Encounter per transaction, as an ADT feed sends
 *    them) are ingested at a steady rate through the real ingest into a real SQLite file, for
 *    `subscriptions` subscriptions of one clinic, each filtered to its share of the patients
 *    (`patient` filter), delivering to a loopback receiver in a worker thread (its own event
 *    loop, as a subscriber's server would be). Each admission's latency runs from the moment
 *    its ingest committed to the moment the receiver had it. Every notification is decided,
 *    audited and signed as in production; the receiver does not verify signatures (the tests do).
 *    A warm-up of `warmup` seconds at the same rate comes first and is not counted.
 * 2. The outbox's cost to ingest: the same admissions ingested with the outbox written (class
 *    EMER raises an event) and without it (class AMB raises none; nothing else differs), rounds
 *    alternating, no delivery running.
 * 3. A receiver down for `outage-minutes`: the backlog that many minutes of `outage-rate`
 *    admissions leave (ingested while the receiver is down, as fast as ingest goes), then the
 *    receiver comes back while admissions keep arriving at `outage-rate`: the time until the
 *    backlog has drained, in order, and the drain rate against the arrival rate.
 *
 * Subscriptions are written straight into the store (status active), not through the API's
 * handshake: the API is not what is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { AuditLog } from '../src/audit/log.js';
import { attributions, releases } from '../src/db/schema.js';
import { ConsentEngine } from '../src/consent/engine.js';
import { loadPolicies } from '../src/consent/policies.js';
import { openSqlite, type SqliteDatabase } from '../src/db/sqlite.js';
import { readPolicyFiles } from '../src/entry/policy-files.js';
import { ingest, readBundle } from '../src/ingest/index.js';
import { defaultCodeLists } from '../src/labels/index.js';
import type { DeliveryDeps } from '../src/subscriptions/deliver.js';
import { createNotifier } from '../src/subscriptions/runtime.js';
import { insertSubscription, outboxHead, readySubscription } from '../src/subscriptions/store.js';
import { TOPICS } from '../src/subscriptions/topics.js';
import { registerFixtureParticipants } from '../test/helpers/participants.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    subscriptions: { type: 'string', default: '100' },
    patients: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    'outage-minutes': { type: 'string', default: '10' },
    'outage-rate': { type: 'string', default: '20' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const SUBSCRIPTIONS = Number(values.subscriptions);
const PATIENTS = Number(values.patients);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const OUTAGE_MINUTES = Number(values['outage-minutes']);
const OUTAGE_RATE = Number(values['outage-rate']);

const SOURCE = 'https://mercy.example.org/fhir';
const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const policies = await loadPolicies(await readPolicyFiles());
const work = mkdtempSync(join(tmpdir(), 'cg-bench-notify-'));

/** The receiver: a loopback HTTP server in a worker thread that posts each event's focus and receipt time back. */
const RECEIVER = `
const { parentPort } = require('node:worker_threads');
const { createServer } = require('node:http');
let down = false;
const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (down) { res.writeHead(503).end(); return; }
    const at = Date.now();
    const b = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const events = b.entry[0].resource.parameter.filter((p) => p.name === 'notification-event');
    const got = events.map((e) => [Number(e.part.find((p) => p.name === 'event-number').valueString), (e.part.find((p) => p.name === 'focus') || {}).valueReference?.reference]);
    res.writeHead(200).end();
    parentPort.postMessage({ kind: 'got', path: req.url, at, got });
  });
});
parentPort.on('message', (m) => { if (m === 'down') down = true; if (m === 'up') down = false; });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ kind: 'ready', port: server.address().port }));
`;

interface Receipt {
  at: number;
  path: string;
  numbers: number[];
  focus: string;
}

async function startReceiver(): Promise<{ port: number; receipts: Receipt[]; down(): void; up(): void; stop(): Promise<number> }> {
  const worker = new Worker(RECEIVER, { eval: true });
  const receipts: Receipt[] = [];
  const port = await new Promise<number>((resolve) =>
    worker.on('message', (m: { kind: string; port?: number; at?: number; path?: string; got?: [number, string][] }) => {
      if (m.kind === 'ready') resolve(m.port!);
      else for (const [n, focus] of m.got!) receipts.push({ at: m.at!, path: m.path!, numbers: [n], focus });
    }),
  );
  return { port, receipts, down: () => worker.postMessage('down'), up: () => worker.postMessage('up'), stop: () => worker.terminate() };
}

function deps(db: SqliteDatabase, audit: SqliteDatabase): DeliveryDeps {
  let id = 0;
  const clock = () => new Date();
  return {
    db,
    clock,
    consent: new ConsentEngine(db, policies, clock),
    audit: new AuditLog(audit),
    codeLists: defaultCodeLists,
    newId: () => `n-${++id}-${Math.random().toString(36).slice(2, 8)}`,
    fhirBase: 'http://gateway.bench/fhir',
  };
}

const tx = (resources: object[]) => {
  const b = readBundle({
    resourceType: 'Bundle',
    type: 'transaction',
    meta: { source: SOURCE },
    entry: resources.map((r) => ({
      resource: r,
      request: { method: 'PUT', url: `${(r as { resourceType: string }).resourceType}/${(r as { id: string }).id}` },
    })),
  });
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  return b;
};

const patientResource = (i: number) => ({
  resourceType: 'Patient',
  id: `bp-${i}`,
  meta: { source: SOURCE },
  identifier: [{ system: 'urn:mrn:mercy', value: `m${i}` }],
  name: [{ family: `Bench${i}`, given: ['Pat'] }],
  gender: i % 2 ? 'female' : 'male',
  birthDate: `19${50 + (i % 50)}-0${1 + (i % 9)}-1${i % 10}`,
});

const admission = (n: number, cls: 'EMER' | 'AMB', prefix: string) => ({
  resourceType: 'Encounter',
  id: `${prefix}-${n}`,
  meta: { source: SOURCE },
  status: 'in-progress',
  class: { system: ACT, code: cls },
  subject: { reference: `Patient/bp-${n % PATIENTS}` },
  period: { start: new Date().toISOString() },
  serviceProvider: { reference: 'Organization/hosp-mercy-org' },
});

/** A fresh database with the region's participants, PATIENTS patients, and the subscriptions. */
async function world(name: string, subscriptions: number, endpoint: string | undefined) {
  const db = openSqlite(join(work, `${name}.db`));
  const audit = openSqlite(join(work, `${name}-audit.db`));
  const d = deps(db, audit);
  await registerFixtureParticipants(db);
  for (let i = 0; i < PATIENTS; i += 500) {
    const b = tx(Array.from({ length: Math.min(500, PATIENTS - i) }, (_, k) => patientResource(i + k)));
    await ingest(d, { source: SOURCE, channel: 'transaction', mode: 'transaction', entries: b.entries });
  }
  const personOf = db.sqlite.prepare('select person_id from patient_links where patient_id = ?').pluck();
  // Every patient attributed to the clinic, as a release's roster would have it: an organization
  // is told only of its attributed patients.
  const year = new Date().getUTCFullYear();
  await db.orm
    .insert(releases)
    .values({ id: 'bench', version: 1, issued: new Date().toISOString(), mode: 'suppression', years: String(year), epsilon: null, manifestJws: 'x' });
  for (let i = 0; i < PATIENTS; i += 500)
    await db.orm.insert(attributions).values(
      Array.from({ length: Math.min(500, PATIENTS - i) }, (_, k) => ({
        releaseId: 'bench',
        year,
        person: personOf.get(`bp-${i + k}`) as string,
        organization: 'Organization/clinic-oak-org',
        method: 'designation',
        reason: 'bench',
      })),
    );
  const start = await outboxHead(db);
  const now = new Date().toISOString();
  for (let s = 0; s < subscriptions && endpoint; s++) {
    const mine: string[] = [];
    for (let p = s; p < PATIENTS; p += subscriptions) mine.push(personOf.get(`bp-${p}`) as string);
    await insertSubscription(
      db,
      readySubscription(
        {
          id: `bench-${s}`,
          organization: 'Organization/clinic-oak-org',
          owner: 'clinic-oak',
          dua: 'dua-clinic-oak',
          topic: 'encounter-start',
          filters: JSON.stringify([{ name: 'patient', values: mine }]),
          endpoint: `${endpoint}/s${s}`,
          startSeq: start,
          resource: JSON.stringify({ resourceType: 'Subscription', id: `bench-${s}`, criteria: TOPICS['encounter-start'].canonical }),
        },
        now,
      ),
    );
  }
  return { db, audit, d, close: () => (db.close(), audit.close()) };
}

/** Ingests one admission every 1/rate s for `count` admissions; returns each one's commit time by focus. */
async function steady(d: DeliveryDeps & { onCommitted?: () => void }, count: number, rate: number, prefix: string, cls: 'EMER' | 'AMB' = 'EMER') {
  const committed = new Map<string, number>();
  const t0 = performance.now();
  for (let n = 0; n < count; n++) {
    // On schedule from the start, not from the last one: a slow ingest is caught up, not carried forward.
    const wait = t0 + (n * 1000) / rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const b = tx([admission(n, cls, prefix)]);
    await ingest(d, { source: SOURCE, channel: 'transaction', mode: 'transaction', entries: b.entries });
    committed.set(`Encounter/${prefix}-${n}`, Date.now());
  }
  return { committed, seconds: (performance.now() - t0) / 1000 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Every subscription got 1..n in order, each once. */
function inOrder(receipts: readonly Receipt[]): boolean {
  const last = new Map<string, number>();
  for (const r of receipts) {
    for (const n of r.numbers) {
      if (n !== (last.get(r.path) ?? 0) + 1) return false;
      last.set(r.path, n);
    }
  }
  return true;
}

// 1. Latency and throughput at RATE.
const receiver = await startReceiver();
const w1 = await world('latency', SUBSCRIPTIONS, `http://127.0.0.1:${receiver.port}`);
const notifier = createNotifier(w1.d, { holder: 'bench' });
notifier.start();
// Warm-up (compiled code, caches, connections), not measured: the same load for WARMUP seconds, drained.
const warm = await steady({ ...w1.d, onCommitted: () => notifier.wake() }, RATE * WARMUP, RATE, 'warm');
await waitFor(() => receiver.receipts.length >= warm.committed.size, 60_000);
const warmed = receiver.receipts.length;
const count = RATE * SECONDS;
const run1 = await steady({ ...w1.d, onCommitted: () => notifier.wake() }, count, RATE, 'lat');
const drained = await waitFor(() => receiver.receipts.length >= warmed + count, 120_000);
await notifier.stop();
const measured = receiver.receipts.slice(warmed);
const latencies = measured.map((r) => r.at - run1.committed.get(r.focus)!).filter((x) => Number.isFinite(x));
const span = (Math.max(...measured.map((r) => r.at)) - Math.min(...[...run1.committed.values()])) / 1000;
const ordered1 = inOrder(receiver.receipts);
w1.close();

console.log(`bench:notify  rate=${RATE}/s seconds=${SECONDS} admissions=${count} subscriptions=${SUBSCRIPTIONS} patients=${PATIENTS}`);
console.log(
  `  latency, ingest commit -> receipt   p50 ${fmt(pct(latencies, 50))} ms   p99 ${fmt(pct(latencies, 99))} ms   max ${fmt(Math.max(...latencies))} ms`,
);
console.log(
  `  deliveries  ${fmt(measured.length)} of ${fmt(count)} received${drained ? '' : ' (TIMED OUT)'}, ${fmt(measured.length / span, 1)} /s over ${fmt(span, 1)} s; in order per subscription: ${ordered1 ? 'yes' : 'NO'}; admissions ingested at ${fmt(count / run1.seconds, 1)} /s`,
);
console.log(`  target p99 <= 1,000 ms at ${RATE}/s: ${pct(latencies, 99) <= 1000 && drained ? 'met' : 'MISSED'}`);

// 2. The outbox's cost to ingest, no delivery running: the same admissions, EMER (an event each) against AMB (none).
const BURST = 3000;
const withOutbox: number[] = [];
const without: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  for (const cls of r % 2 === 0 ? (['AMB', 'EMER'] as const) : (['EMER', 'AMB'] as const)) {
    const w = await world(`cost-${r}-${cls}`, 0, undefined);
    const t0 = performance.now();
    for (let n = 0; n < BURST; n++) {
      const b = tx([admission(n, cls, `c${r}`)]);
      await ingest(w.d, { source: SOURCE, channel: 'transaction', mode: 'transaction', entries: b.entries });
    }
    (cls === 'EMER' ? withOutbox : without).push(BURST / ((performance.now() - t0) / 1000));
    w.close();
  }
}
const best = (xs: number[]) => Math.max(...xs);
const cost = 1 - best(withOutbox) / best(without);
console.log(`  ingest with the outbox    ${fmt(best(withOutbox))} admissions/s (rounds: ${withOutbox.map((x) => fmt(x)).join(', ')}), one transaction each`);
console.log(`  ingest without it         ${fmt(best(without))} admissions/s (rounds: ${without.map((x) => fmt(x)).join(', ')}), baseline`);
console.log(
  `  ratio ${fmt((best(withOutbox) / best(without)) * 100, 1)}%: the outbox costs ${fmt(cost * 100, 1)}%   target <= 10%: ${cost <= 0.1 ? 'met' : 'MISSED'}`,
);

// 3. The receiver down for OUTAGE_MINUTES at OUTAGE_RATE, then back while admissions keep coming.
const receiver3 = await startReceiver();
const w3 = await world('outage', SUBSCRIPTIONS, `http://127.0.0.1:${receiver3.port}`);
const notifier3 = createNotifier(w3.d, { holder: 'bench' });
receiver3.down();
notifier3.start();
const backlog = OUTAGE_MINUTES * 60 * OUTAGE_RATE;
const t3 = performance.now();
for (let n = 0; n < backlog; n++) {
  const b = tx([admission(n, 'EMER', 'out')]);
  await ingest({ ...w3.d, onCommitted: () => notifier3.wake() }, { source: SOURCE, channel: 'transaction', mode: 'transaction', entries: b.entries });
}
const loaded = (performance.now() - t3) / 1000;
receiver3.up();
const upAt = Date.now();
const arrivals = OUTAGE_RATE * 60; // a minute more of arrivals at the ordinary rate while the backlog drains
const during = steady({ ...w3.d, onCommitted: () => notifier3.wake() }, arrivals, OUTAGE_RATE, 'after');
const backlogDone = await waitFor(() => receiver3.receipts.filter((r) => r.focus?.startsWith('Encounter/out-')).length >= backlog, 30 * 60_000);
const doneAt = Date.now();
await during;
await waitFor(() => receiver3.receipts.length >= backlog + arrivals, 120_000);
await notifier3.stop();
const firstBack = Math.min(...receiver3.receipts.map((r) => r.at)) - upAt;
const drainSeconds = (doneAt - upAt) / 1000;
const drainRate = backlog / drainSeconds;
const ordered3 = inOrder(receiver3.receipts);
w3.close();
await receiver.stop();
await receiver3.stop();
rmSync(work, { recursive: true, force: true });

console.log(
  `  outage: ${fmt(backlog)} admissions (${OUTAGE_MINUTES} min at ${OUTAGE_RATE}/s, ingested in ${fmt(loaded, 1)} s) waited while the receiver was down`,
);
console.log(
  `  back up: first delivery after ${fmt(firstBack / 1000, 1)} s, backlog drained${backlogDone ? '' : ' (TIMED OUT)'} in ${fmt(drainSeconds, 1)} s = ${fmt(drainRate)} /s against arrivals of ${OUTAGE_RATE}/s: ${fmt(drainRate / OUTAGE_RATE, 1)}x; in order, each once: ${ordered3 ? 'yes' : 'NO'}`,
);
console.log(`  target drain >= 5x the arrival rate: ${drainRate >= 5 * OUTAGE_RATE && backlogDone && ordered3 ? 'met' : 'MISSED'}`);
