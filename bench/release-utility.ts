/**
 * npm run bench:release-utility [-- --patients 100000 --seed 42 --epsilons 1,4 --runs 5 --sections dp --db FILE]
 *
 * How useful a release is, per protection mode, on one synthetic region: generated and loaded into
 * a fresh SQLite file (not timed; `--db` reuses a loaded file instead), then each section runs in
 * a fresh child process and prints its own figures.
 *
 * - `dp`: the exact cells and the differentially private release at each epsilon. The median
 *   relative error of member-months and of PMPM (paid_pmpm) at segment and at organization level
 *   (every year's cells with a non-zero true value, over `--runs` independent releases), against
 *   the true figures (clipping bias included) and against the clipped ones (noise alone); and the
 *   share of values published per table after suppression.
 * - A suppression-mode section (share published per table, information lost against the greedy
 *   method) is added beside it by the suppression work: one more entry in SECTIONS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '42' },
    epsilons: { type: 'string', default: '1,4' },
    runs: { type: 'string', default: '5' },
    sections: { type: 'string', default: 'dp' },
    db: { type: 'string' },
    step: { type: 'string' },
  },
});

const NOW = '2026-06-01T00:00:00Z';

/** One measured protection mode: reads the loaded region at `db` and prints its figures. */
type Section = (db: string) => Promise<void>;
const SECTIONS: Record<string, Section> = { dp: dpSection };

if (values.step) {
  const section = SECTIONS[values.step];
  if (!section) throw new Error(`unknown section ${values.step}; known: ${Object.keys(SECTIONS).join(', ')}`);
  await section(values.db!);
} else await main();

async function main() {
  const sections = values.sections!.split(',');
  for (const s of sections) if (!SECTIONS[s]) throw new Error(`unknown section ${s}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const work = values.db ? undefined : mkdtempSync(join(tmpdir(), 'cg-bench-utility-'));
  try {
    let db = values.db;
    if (!db) {
      db = join(work!, `region-${values.patients}.db`);
      const started = performance.now();
      // The same loader as bench:publish: fixture participants registered, then every source in batch mode.
      run('bench/publish.ts', ['--max-old-space-size=20000'], ['--step', 'load', '--db', db, '--patients', values.patients!, '--seed', values.seed!]);
      console.log(`Loaded ${values.patients} patients (seed ${values.seed}) in ${((performance.now() - started) / 1000).toFixed(0)} s (not timed)\n`);
    }
    for (const s of sections) run('bench/release-utility.ts', [], ['--step', s, '--db', db, '--epsilons', values.epsilons!, '--runs', values.runs!]);
  } finally {
    if (work) rmSync(work, { recursive: true, force: true });
  }
}

function run(script: string, nodeArgs: string[], args: string[]) {
  execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
}

async function dpSection(path: string) {
  const { openSqlite } = await import('../src/db/sqlite.js');
  const { computeCells, releaseUniverse } = await import('../src/release/compute.js');
  const { DP_WORKLOAD } = await import('../src/release/dp-policy.js');
  const { cryptoWords, DEFAULT_CLIPPING, deidentify, fitToUniverse } = await import('../src/deid/index.js');
  const { addNoise } = await import('../src/deid/dp/release.js');
  const zip3 = (await import('../policies/census-zip3.json', { with: { type: 'json' } })).default;
  const db = openSqlite(path);
  const started = performance.now();
  const truth = await computeCells(db, { now: NOW, zip3 });
  const clipped = await computeCells(db, { now: NOW, zip3, clipping: DEFAULT_CLIPPING });
  const universe = await releaseUniverse(db, clipped.years);
  db.close();
  const readS = (performance.now() - started) / 1000;
  const exact = (cells: typeof truth.cells) => new Map(fitToUniverse(cells, universe, { payers: 'data' }).map((c) => [c.key, c.values]));
  const truthByKey = exact(truth.cells);
  const clippedByKey = exact(clipped.cells);
  const words = cryptoWords();
  const runs = Number(values.runs);
  console.log(
    `## Differential privacy: ${truth.population.people} people, years ${clipped.years.join(', ')}; exact cells read twice (true and clipped) in ${readS.toFixed(0)} s`,
  );
  for (const epsilon of values.epsilons!.split(',').map(Number)) {
    const settings = { epsilon, clipping: DEFAULT_CLIPPING, workload: DP_WORKLOAD, universe };
    const errors = new Map<string, number[]>();
    const push = (key: string, e: number) => errors.set(key, [...(errors.get(key) ?? []), e]);
    let noiseMs = 0;
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      const noisy = addNoise(clipped.cells, settings, words);
      noiseMs += performance.now() - t;
      for (const c of noisy.cells) {
        if (c.period.includes('-Q') || (c.table !== 'segment' && c.table !== 'organization')) continue;
        for (const [against, byKey] of [
          ['true', truthByKey],
          ['clipped', clippedByKey],
        ] as const) {
          const e = byKey.get(c.key) ?? {};
          const mm = e.member_months ?? 0;
          if (mm <= 0) continue;
          push(`${c.table}|member_months|${against}`, Math.abs(c.values.member_months! / mm - 1));
          const pmpm = (e.paid ?? 0) / mm;
          // A PMPM that comes out undefined (no noisy member-months) counts as wholly wrong.
          if (pmpm > 0)
            push(`${c.table}|paid_pmpm|${against}`, c.values.member_months! > 0 ? Math.abs(c.values.paid! / c.values.member_months! / pmpm - 1) : 1);
        }
      }
    }
    const t = performance.now();
    const published = deidentify(clipped.cells, { privacy: settings, words });
    const deidS = (performance.now() - t) / 1000;
    console.log(
      `\n### epsilon ${epsilon} (${runs} releases; noise and reconciliation ${(noiseMs / runs / 1000).toFixed(2)} s each; de-identification with suppression ${deidS.toFixed(1)} s)`,
    );
    console.log('level | quantity | median relative error (against true figures) | (against clipped figures: noise alone) | values');
    for (const level of ['segment', 'organization'])
      for (const q of ['member_months', 'paid_pmpm']) {
        const all = errors.get(`${level}|${q}|true`) ?? [];
        console.log(`${level} | ${q} | ${pct(median(all))} | ${pct(median(errors.get(`${level}|${q}|clipped`) ?? []))} | ${all.length}`);
      }
    console.log('table | values published (of those applicable)');
    const shares = new Map<string, [number, number]>();
    for (const c of published.cells)
      for (const v of [...Object.values(c.quantities), ...Object.values(c.rates)]) {
        if (v.status === 'not-applicable') continue;
        const s = shares.get(c.table) ?? [0, 0];
        s[1]++;
        if (v.status === 'published') s[0]++;
        shares.set(c.table, s);
      }
    for (const [table, [n, all]] of shares) console.log(`${table} | ${pct(n / all)} (${n} of ${all})`);
  }
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function pct(x: number): string {
  return Number.isNaN(x) ? 'n/a' : `${(x * 100).toFixed(2)}%`;
}
