/**
 * npm run bench:reports [-- --patients 100000 --roster 10000 --seed 42 --dir <folder>]
 *
 * On a synthetic region of --patients people (generated and loaded first, not timed; with
 * --dir a loaded region is kept there as region-<patients>-<seed>.db and reused, the same file
 * bench:publish keeps), each in a fresh child process so peak memory is its own:
 * - gaps: `$care-gaps` through the gate for a roster of --roster members (a provider's final
 *   roster, written for the benchmark from the first members in person order), decided as
 *   that provider organization, with every document built, stored and audited. Baseline in
 *   the same child: the metrics pipeline's own work for the same members (readFacts in slices
 *   and the three measures), which reads in bulk without consent.
 * - performance: the quarterly VBPR report of every contract of the region (2025-Q4), each
 *   member's facts read as the contract's payer may see them, against the metrics pipeline
 *   (computeCells for 2025) over the same population, in the same child.
 * Both print wall time and peak RSS (process.resourceUsage().maxRSS).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '100000' },
    roster: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '42' },
    dir: { type: 'string' },
    step: { type: 'string' },
    db: { type: 'string' },
  },
});

if (values.step === 'gaps') await gaps(values.db!, Number(values.roster));
else if (values.step === 'performance') await performanceStep(values.db!);
else await main();

async function main() {
  const patients = Number(values.patients);
  const work = mkdtempSync(join(tmpdir(), 'cg-bench-reports-'));
  try {
    const db = join(work, 'region.db');
    const kept = values.dir ? join(values.dir, `region-${patients}-${values.seed}.db`) : undefined;
    if (kept && existsSync(kept)) copyFileSync(kept, db);
    else {
      console.log(`loading a ${patients}-patient region (not timed)...`);
      execFileSync(
        process.execPath,
        [
          '--max-old-space-size=20000',
          '--import',
          'tsx',
          'bench/publish.ts',
          '--step',
          'load',
          '--db',
          db,
          '--patients',
          String(patients),
          '--seed',
          values.seed!,
        ],
        {
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      if (kept) {
        mkdirSync(values.dir!, { recursive: true });
        copyFileSync(db, kept);
      }
    }
    const g = JSON.parse(child(['--step', 'gaps', '--db', db, '--roster', values.roster!])) as {
      members: number;
      documents: number;
      gapsS: number;
      peakMb: number;
      baselineS: number;
    };
    console.log(
      `$care-gaps, ${g.members} members (${g.documents} documents): ${g.gapsS.toFixed(1)} s, peak RSS ${g.peakMb.toFixed(0)} MB; ` +
        `metrics pipeline for the same members ${g.baselineS.toFixed(1)} s; ratio ${(g.gapsS / g.baselineS).toFixed(1)}× (target: <= 60 s)`,
    );
    const p = JSON.parse(child(['--step', 'performance', '--db', db])) as {
      contracts: number;
      members: number;
      performanceS: number;
      peakMb: number;
      baselineS: number;
    };
    console.log(
      `performance, ${p.contracts} contracts, ${p.members} members, ${patients} patients: ${p.performanceS.toFixed(1)} s, peak RSS ${p.peakMb.toFixed(0)} MB; ` +
        `metrics pipeline (computeCells 2025) ${p.baselineS.toFixed(1)} s; ratio ${(p.performanceS / p.baselineS).toFixed(2)}× (target: <= 2×)`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function child(args: string[]): string {
  return execFileSync(process.execPath, ['--max-old-space-size=8000', '--import', 'tsx', 'bench/reports.ts', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
  })
    .trim()
    .split('\n')
    .at(-1)!;
}

async function gatewayDeps(path: string) {
  const { openSqlite } = await import('../src/db/sqlite.js');
  const { AuditLog } = await import('../src/audit/log.js');
  const { ConsentEngine } = await import('../src/consent/engine.js');
  const { loadPolicies } = await import('../src/consent/policies.js');
  const { readPolicyFiles } = await import('../src/entry/policy-files.js');
  const { ParticipantRegistry } = await import('../src/participants/index.js');
  const { defaultCodeLists } = await import('../src/labels/index.js');
  const db = openSqlite(path);
  const texts = await readPolicyFiles();
  const registry = await ParticipantRegistry.open(db, await loadPolicies(texts), texts.duaModel);
  const clock = () => new Date('2026-01-02T00:00:00Z');
  return {
    db,
    consent: new ConsentEngine(db, registry, clock),
    // As the gateway keeps it: the audit trail in its own file, synchronous = FULL, committed on a writer thread.
    audit: new AuditLog(openSqlite(`${path}.audit`, { commits: 'thread' })),
    clock,
    newId: () => crypto.randomUUID(),
    codeLists: defaultCodeLists,
    baseUrl: 'http://gateway.test',
  };
}

async function gaps(path: string, size: number) {
  const { sql } = await import('drizzle-orm');
  const { createGate } = await import('../src/gate/gate.js');
  const { reportRequester } = await import('../src/reports/requester.js');
  const { rosterGroupId, rosterStatements } = await import('../src/rosters/store.js');
  const { QUALITY_MEASURES, calendarYear } = await import('../src/metrics/quality/index.js');
  const { readFacts } = await import('../src/metrics/read-facts.js');
  const deps = await gatewayDeps(path);
  const persons = (await deps.db.orm.all<{ person: string }>(sql`SELECT DISTINCT person_id AS person FROM patient_links ORDER BY person_id LIMIT ${size}`)).map(
    (r) => r.person,
  );
  const organization = 'Organization/clinic-oak-org';
  const payer = 'Organization/payer-lakeshore-org';
  const groupId = await rosterGroupId(organization, payer, '2026-01');
  await deps.db.atomic(
    rosterStatements(
      deps.db,
      { groupId, version: 1, organization, payer, period: '2026-01', status: 'final', createdAt: '2026-01-01T00:00:00.000Z' },
      persons.map((person) => ({ person, changeType: 'new', method: 'designation', reason: 'benchmark', periodStart: '2026-01-01', periodEnd: '2026-01-31' })),
    ),
  );
  const gate = createGate(deps, reportRequester({ organization, kind: 'provider', run: 'bench' }));
  const started = performance.now();
  const answer = await gate.careGaps(
    {
      period: calendarYear(2025),
      subject: { type: 'Group', id: groupId, version: 1 },
      statuses: new Set(['open-gap', 'closed-gap', 'prospective-gap']),
      measures: QUALITY_MEASURES,
    },
    deps.baseUrl,
    'bench',
  );
  const gapsS = (performance.now() - started) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  // Baseline: the metrics pipeline's reads and measures for the same people, in its slices of 2,000.
  const baselineStarted = performance.now();
  for (let i = 0; i < persons.length; i += 2000) {
    const slice = persons.slice(i, i + 2000);
    const facts = await readFacts(deps.db, { from: slice[0]!, to: slice.at(-1)! });
    for (const p of facts.values()) for (const m of QUALITY_MEASURES) m.evaluate(p, calendarYear(2025));
  }
  const baselineS = (performance.now() - baselineStarted) / 1000;
  console.log(JSON.stringify({ members: persons.length, documents: answer.parameters.parameter.length, gapsS, peakMb, baselineS }));
}

async function performanceStep(path: string) {
  const { sql } = await import('drizzle-orm');
  const { seedContracts } = await import('../src/performance/seed.js');
  const { runRosters } = await import('../src/rosters/run.js');
  const { scheduledPerformance } = await import('../src/gate/performance.js');
  const { computeCells } = await import('../src/release/compute.js');
  const zip3 = (await import('../policies/census-zip3.json', { with: { type: 'json' } })).default;
  const deps = await gatewayDeps(path);
  const contracts = await seedContracts(deps.db, '2024-01-01T00:00:00.000Z');
  // The quarter's final rosters, as the monthly runs would have made them (timed apart: they are the monthly job's cost).
  const rostersStarted = performance.now();
  for (const period of ['2025-10', '2025-11', '2025-12']) await runRosters(deps.db, { period, status: 'final', now: `${period}-01T00:00:00.000Z` });
  const rostersS = (performance.now() - rostersStarted) / 1000;
  const started = performance.now();
  const made = await scheduledPerformance(deps, { year: 2025, q: 4 }, deps.baseUrl);
  const performanceS = (performance.now() - started) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024;
  const [{ members }] = (await deps.db.orm.all<{ members: number }>(
    sql`SELECT count(DISTINCT person) AS members FROM roster_members WHERE group_id IN (SELECT group_id FROM roster_versions WHERE period BETWEEN '2025-10' AND '2025-12') AND change_type <> 'dropped'`,
  )) as [{ members: number }];
  const baselineStarted = performance.now();
  await computeCells(deps.db, { now: '2026-01-02T00:00:00Z', zip3, years: [2025] });
  const baselineS = (performance.now() - baselineStarted) / 1000;
  console.log(JSON.stringify({ contracts, reports: made.length, members, rostersS, performanceS, peakMb, baselineS }));
}
