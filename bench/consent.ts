/**
 * npm run bench:consent [-- --sizes 1000,100000,1000000]
 *
 * Decision latency of the consent engine at N patients with 5 consent lines each, plus the DUA
 * layer (policies/duas.csv): p50 and p99 for a cache miss (the patient's lines loaded from
 * SQLite), a warm view (lines cached, a new question evaluated by Casbin) and a warm repeat (the
 * memoised decision). In the same run, the naive design: one Casbin enforcer holding every
 * line, asked the same questions.
 */
import BetterSqlite3 from 'better-sqlite3';
import { newEnforcer, newModelFromString } from 'casbin';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Purpose } from '../src/auth/purposes.js';
import type { Requester } from '../src/auth/requester.js';
import { ConsentEngine } from '../src/consent/engine.js';
import { loadPolicies } from '../src/consent/policies.js';
import { openSqlite } from '../src/db/sqlite.js';
import { readPolicyFiles } from '../src/entry/policy-files.js';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,100000,1000000' } } });
const sizes = values.sizes!.split(',').map(Number);
const texts = await readPolicyFiles();
const WHEN = '2026-03-01T12:00:00.000Z';

const requester = (i: number, purposes: Purpose[] = ['TREAT']): Requester => ({
  kind: 'person',
  subject: `dr-${i % 50}`,
  clientId: 'bench',
  role: 'clinician',
  fhirUser: `Practitioner/prac-${i % 50}`,
  organization: 'Organization/clinic-oak-org',
  scopes: [],
  scope: '',
  purposes,
  tokenId: `t-${i % 50}`,
  expiresAt: 9e9,
});
const CLASSES = ['Condition', 'Observation', 'Encounter', 'Procedure'];

/** Five lines per patient, in priority order: a nested exception, denies and permits, one Part 2 permit. */
function linesFor(p: string): string[][] {
  const ref = `Consent/${p}-c`;
  return [
    ['490', p, 'Practitioner/prac-1', '*', 'Observation', 'normal', '', '', '', '', 'allow', `${ref}#provision.provision[0]`],
    ['499', p, 'Organization/payer-lakeshore-org', '*', '*', '*', '', '', '', '', 'deny', `${ref}#provision`],
    ['499', p, 'Practitioner/prac-7', '*', '*', '*', '2025-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z', '', '', 'deny', `${ref}#provision`],
    ['500', p, 'Organization/clinic-oak-org', 'TREAT', '*', 'sud', '', '', '', '', 'allow', `${ref}#provision`],
    ['500', p, 'RelatedPerson/rp-' + p, '*', '*', 'normal', '', '2027-01-01T00:00:00.000Z', '', '', 'allow', `${ref}#provision`],
  ];
}

function fill(path: string, n: number): void {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    'INSERT INTO consent_lines (patient_id, consent_id, ord, priority, actor, purpose, cls, label, start, "end", data_start, data_end, effect, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const all = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const p = `pt-${i}`;
      linesFor(p).forEach((l, ord) => insert.run(p, `${p}-c`, ord, l[0], l[2], l[3], l[4], l[5], l[6], l[7], l[8], l[9], l[10], l[11]));
    }
  });
  for (let i = 0; i < n; i += 50_000) all(i, Math.min(n, i + 50_000));
  db.close();
}

function percentiles(samples: number[]): { p50: number; p99: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)]!, p99: s[Math.floor(s.length * 0.99)]! };
}
const us = (ns: bigint) => Number(ns) / 1000;
const fmt = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} ms` : `${x.toFixed(1)} µs`);

const rows: string[] = [];
for (const n of sizes) {
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-consent-'));
  const path = join(work, 'consent.db');
  openSqlite(path).close(); // migrate
  let t = performance.now();
  fill(path, n);
  const fillSeconds = (performance.now() - t) / 1000;
  const db = openSqlite(path);
  const policies = await loadPolicies(texts);
  const engine = new ConsentEngine(db, policies, () => new Date(WHEN), { maxPatients: 10_000 });
  const SAMPLES = 3000;
  const pick = (i: number) => `pt-${Math.floor((i * 7919) % n)}`;
  await engine.decide(pick(0), { requester: requester(0), cls: 'Condition', when: WHEN }); // JIT warm-up

  const miss: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    await engine.writing(pick(i), async () => undefined); // drops her view: the next decision reads it
    const start = process.hrtime.bigint();
    await engine.decide(pick(i), { requester: requester(i), cls: CLASSES[i % 4]!, when: WHEN });
    miss.push(us(process.hrtime.bigint() - start));
  }
  const view: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    const start = process.hrtime.bigint();
    // A question not asked before of this patient: evaluated by Casbin against the cached lines.
    await engine.decide(pick(i), { requester: requester(i + 1, ['TREAT']), cls: CLASSES[(i + 1) % 4]!, categories: ['normal'], when: WHEN });
    view.push(us(process.hrtime.bigint() - start));
  }
  const warm: number[] = [];
  for (let i = 1; i <= SAMPLES; i++) {
    const start = process.hrtime.bigint();
    await engine.decide(pick(i), { requester: requester(i + 1, ['TREAT']), cls: CLASSES[(i + 1) % 4]!, categories: ['normal'], when: WHEN });
    warm.push(us(process.hrtime.bigint() - start));
  }
  db.close();

  // The naive design: every line in one enforcer.
  let naive = 'skipped';
  const lineCount = n * 5;
  const perLine = (globalThis as { __perLineUs?: number }).__perLineUs;
  if (lineCount <= 500_000) {
    const e = await newEnforcer(newModelFromString(texts.consentModel));
    const within = (w: string, s: string, x: string) => (s === '' || w >= s) && (x === '' || w <= x);
    e.addFunction('within', within as never);
    e.addFunction('dataWithin', (() => true) as never);
    const all: string[][] = [];
    for (let i = 0; i < n; i++) all.push(...linesFor(`pt-${i}`));
    e.getModel().model.get('p')!.get('p')!.policy = all.sort((a, b) => a[0]!.localeCompare(b[0]!));
    const samples: number[] = [];
    const count = lineCount <= 10_000 ? 300 : 5;
    for (let i = 1; i <= count; i++) {
      const start = process.hrtime.bigint();
      e.enforceSync(`Practitioner/prac-${i % 50}`, 'Organization/clinic-oak-org', pick(i), CLASSES[i % 4]!, 'normal', 'TREAT', WHEN, '');
      samples.push(us(process.hrtime.bigint() - start));
    }
    const q = percentiles(samples);
    (globalThis as { __perLineUs?: number }).__perLineUs = q.p50 / lineCount;
    naive = `p50 ${fmt(q.p50)}  p99 ${fmt(q.p99)}  (${count} decisions, one enforcer with ${lineCount.toLocaleString('en-US')} lines)`;
  } else {
    const estimate = perLine
      ? `at the ${perLine.toFixed(1)} µs per line measured above, about ${((lineCount * perLine) / 1e6).toFixed(0)} s per decision`
      : 'over a minute for a handful of decisions';
    naive = `skipped: ${lineCount.toLocaleString('en-US')} lines in one enforcer, ${estimate}`;
  }
  rmSync(work, { recursive: true, force: true });
  const [m, v, w] = [percentiles(miss), percentiles(view), percentiles(warm)];
  rows.push(
    `patients=${n.toLocaleString('en-US')} lines=${lineCount.toLocaleString('en-US')} (filled in ${fillSeconds.toFixed(1)} s; LRU holds ${engine.size.toLocaleString('en-US')} patients, heap ${Math.round(process.memoryUsage().heapUsed / 1e6)} MB)\n` +
      `  cache miss   p50 ${fmt(m.p50)}  p99 ${fmt(m.p99)}   (lines loaded from SQLite, all categories decided)\n` +
      `  warm view    p50 ${fmt(v.p50)}  p99 ${fmt(v.p99)}   (new question, Casbin over the cached lines)\n` +
      `  warm repeat  p50 ${fmt(w.p50)}  p99 ${fmt(w.p99)}   (memoised decision)\n` +
      `  naive        ${naive}`,
  );
  t = performance.now();
  console.log(rows.at(-1));
  (globalThis as { __p50?: Record<number, number> }).__p50 = { ...(globalThis as { __p50?: Record<number, number> }).__p50, [n]: m.p50 };
}
const p50 = (globalThis as { __p50?: Record<number, number> }).__p50!;
if (p50[1000] && p50[1_000_000]) console.log(`cache-miss p50 at 1M / at 1k = ${(p50[1_000_000] / p50[1000]).toFixed(2)} (target <= 1.5)`);
