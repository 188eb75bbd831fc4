/**
 * npm run bench:publish [-- --sizes 10000,30000,100000 --seed 42 --dir <folder>]
 *
 * For each size: generates and loads the synthetic region into a fresh SQLite file (not timed),
 * then, in a fresh child process, publishes a full release (read, attribute, measure, tabulate,
 * de-identify, build and sign the files, write them) and reports its wall time and the child's
 * peak resident memory. In the same child it runs the baseline: one hand-written SQL GROUP BY
 * pass over the same tables (member-months and paid totals by segment × organization).
 * The disclosure audit's own time is printed apart: inside suppression, and at the gate.
 * With --dir, loaded regions are kept there (region-<size>-<seed>.db) and reused by later runs;
 * each publish runs on a copy.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,30000,100000' },
    seed: { type: 'string', default: '42' },
    step: { type: 'string' },
    db: { type: 'string' },
    patients: { type: 'string' },
    dir: { type: 'string' },
  },
});

if (values.step === 'load') await load(values.db!, Number(values.patients), Number(values.seed));
else if (values.step === 'publish') await publishOnce(values.db!);
else await main();

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-publish-'));
  const results: { patients: number; loadS: number; publishS: number; peakMb: number; baselineS: number; cells: number; auditS: number; gateS: number }[] = [];
  try {
    for (const patients of values.sizes!.split(',').map(Number)) {
      const db = join(work, `region-${patients}.db`);
      const kept = values.dir ? join(values.dir, `region-${patients}-${values.seed}.db`) : undefined;
      const loadStarted = performance.now();
      if (kept && existsSync(kept)) copyFileSync(kept, db);
      else {
        child(['--max-old-space-size=20000'], ['--step', 'load', '--db', db, '--patients', String(patients), '--seed', values.seed!]);
        if (kept) {
          mkdirSync(values.dir!, { recursive: true });
          copyFileSync(db, kept);
        }
      }
      const loadS = (performance.now() - loadStarted) / 1000;
      const out = JSON.parse(child([], ['--step', 'publish', '--db', db]).trim().split('\n').at(-1)!) as {
        publishS: number;
        peakMb: number;
        baselineS: number;
        cells: number;
        auditS: number;
        gateS: number;
      };
      results.push({ patients, loadS, ...out });
      console.log(
        `${patients} patients: load ${loadS.toFixed(1)} s (not timed); publish ${out.publishS.toFixed(1)} s (disclosure audit ${out.auditS.toFixed(1)} s in suppression + ${out.gateS.toFixed(1)} s at the gate), peak RSS ${out.peakMb.toFixed(0)} MB; SQL GROUP BY baseline ${out.baselineS.toFixed(2)} s; ratio ${(out.publishS / out.baselineS).toFixed(1)}×`,
      );
      rmSync(db, { force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log('\npatients | publish (s) | audit in suppression (s) | audit at gate (s) | peak RSS (MB) | baseline GROUP BY (s) | ratio | s per 10k patients');
  for (const r of results)
    console.log(
      `${r.patients} | ${r.publishS.toFixed(1)} | ${r.auditS.toFixed(1)} | ${r.gateS.toFixed(1)} | ${r.peakMb.toFixed(0)} | ${r.baselineS.toFixed(2)} | ${(r.publishS / r.baselineS).toFixed(1)}× | ${((r.publishS / r.patients) * 10_000).toFixed(2)}`,
    );
}

function child(nodeArgs: string[], args: string[]): string {
  return execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', 'bench/publish.ts', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  });
}

async function load(path: string, patients: number, seed: number) {
  const { openSqlite } = await import('../src/db/sqlite.js');
  const { ingest, readBundle } = await import('../src/ingest/index.js');
  const { defaultCodeLists } = await import('../src/labels/index.js');
  const { generateRegion } = await import('../src/synthetic/index.js');
  const db = openSqlite(path, { synchronous: 'NORMAL' });
  let id = 0;
  const deps = { db, clock: () => new Date(), codeLists: defaultCodeLists, newId: () => `l${++id}` };
  const { registerFixtureParticipants } = await import('../test/helpers/participants.js');
  // As development mode does before loading the region: payers' Coverages come only from registered sources.
  await registerFixtureParticipants(db);
  const region = generateRegion({ patients, seed });
  for (const source of region.sources) {
    const b = readBundle(source.bundle);
    if (Array.isArray(b)) throw new Error('bad fixture');
    // Batch mode commits in chunks, so a 100k-patient source file is not one giant transaction.
    await ingest(deps, { source: b.source, channel: 'cli', mode: 'batch', entries: b.entries });
    source.bundle.entry = [];
  }
  db.close();
}

async function publishOnce(path: string) {
  const { sql } = await import('drizzle-orm');
  const { exportJWK, generateKeyPair } = await import('jose');
  const { openSqlite } = await import('../src/db/sqlite.js');
  const { createManifestSigner } = await import('../src/release/files/manifest.js');
  const { publishRelease } = await import('../src/release/publish.js');
  const { AuditLog } = await import('../src/audit/log.js');
  const zip3 = (await import('../policies/census-zip3.json', { with: { type: 'json' } })).default;
  const db = openSqlite(path);
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const started = performance.now();
  const published = await publishRelease({
    db,
    signer: createManifestSigner({ ...(await exportJWK(privateKey)), kid: 'bench' }),
    zip3,
    budgetPolicy: { epsilon: 10, file: 'bench', reason: 'Benchmark.' },
    clock: () => new Date('2026-06-01T00:00:00Z'),
    audit: new AuditLog(db),
    operator: { via: 'cli', id: 'bench' },
  });
  const publishS = (performance.now() - started) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const cells = published.files.length;
  // Baseline: one GROUP BY pass, member-months (months of Coverage overlap with 2025) and paid
  // totals by segment × the claim's provider organization, straight from the JSON.
  const baselineStarted = performance.now();
  await db.orm.all(sql`
    SELECT json_extract(c.content, '$.type.coding[0].code') AS segment, json_extract(c.content, '$.payor[0].reference') AS payer,
      sum(max(0, (julianday(min(coalesce(json_extract(c.content, '$.period.end'), '2025-12-31'), '2025-12-31')) - julianday(max(json_extract(c.content, '$.period.start'), '2025-01-01'))) / 30.44)) AS member_months
    FROM resources c WHERE c.type = 'Coverage' GROUP BY segment, payer`);
  await db.orm.all(sql`
    SELECT json_extract(e.content, '$.insurer.reference') AS payer, json_extract(e.content, '$.provider.reference') AS organization,
      sum(json_extract(e.content, '$.total[2].amount.value')) AS paid
    FROM resources e WHERE e.type = 'ExplanationOfBenefit' AND e.date_start >= '2025-01-01' AND e.date_start < '2026-01-01' GROUP BY payer, organization`);
  const baselineS = (performance.now() - baselineStarted) / 1000;
  db.close();
  const auditS = (published.disclosure?.suppressionAuditMillis ?? 0) / 1000;
  const gateS = (published.disclosure?.gateMillis ?? 0) / 1000;
  console.log(JSON.stringify({ publishS, peakMb, baselineS, cells, auditS, gateS }));
}
