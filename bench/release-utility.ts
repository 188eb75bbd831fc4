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
 * - `suppression`: the exact release as published (audit-driven suppression, then the gate) against
 *   the greedy method it replaced (bench/baseline), on the same cells: the share of values
 *   published per table; the information lost (values withheld, and their sum per kind); what the
 *   gate's attacker finds in each; and the upper bound the rules alone (small counts, and a plan
 *   alone in a segment-by-organization cell showing rates only) put on each table's share.
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
    sections: { type: 'string', default: 'suppression,dp' },
    db: { type: 'string' },
    step: { type: 'string' },
  },
});

const NOW = '2026-06-01T00:00:00Z';

/** One measured protection mode: reads the loaded region at `db` and prints its figures. */
type Section = (db: string) => Promise<void>;
const SECTIONS: Record<string, Section> = { dp: dpSection, suppression: suppressionSection };

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

async function suppressionSection(path: string) {
  const { openSqlite } = await import('../src/db/sqlite.js');
  const { computeCells } = await import('../src/release/compute.js');
  const { DEFAULT_RULES, gateRelease, loadSolver } = await import('../src/deid/index.js');
  const { suppress } = await import('../src/deid/suppress.js');
  const { primaryWithheld, isRateOnly, quantitiesOf } = await import('../src/deid/withholding-rules.js');
  const { varId } = await import('../src/deid/relations.js');
  const { isSum, RATES } = await import('../src/metrics/tables.js');
  const { greedySuppress } = await import('./baseline/greedy-suppression.js');
  const zip3 = (await import('../policies/census-zip3.json', { with: { type: 'json' } })).default;
  const db = openSqlite(path);
  const exact = await computeCells(db, { now: NOW, zip3 });
  db.close();
  const solver = await loadSolver();
  const cells = exact.cells;
  const timed = <T>(f: () => T): [T, number] => {
    const t = performance.now();
    const out = f();
    return [out, (performance.now() - t) / 1000];
  };
  const [ours, oursS] = timed(() => suppress(cells, solver));
  const [oursGate, oursGateS] = timed(() => gateRelease(solver, cells, ours.cells, DEFAULT_RULES));
  const [greedy, greedyS] = timed(() => greedySuppress(cells));
  const [greedyGate, greedyGateS] = timed(() => gateRelease(solver, cells, greedy, DEFAULT_RULES));
  console.log(
    `## Suppression: ${exact.population.people} people, years ${exact.years.join(', ')}; ${cells.length} cells\n\n` +
      `ours: suppression ${oursS.toFixed(1)} s (${ours.rounds} audit rounds), gate ${oursGateS.toFixed(1)} s: ${oursGate.ok ? 'passes' : `REFUSED (${oursGate.problems.length} problems)`}\n` +
      `greedy baseline: ${greedyS.toFixed(1)} s; the same gate ${greedyGateS.toFixed(1)} s: ${greedyGate.ok ? 'passes' : `refused: ${greedyGate.audit.findings.length} withheld values narrowed past their protection, ${exactly(greedyGate)} of them recovered exactly`}`,
  );
  // What the rules alone withhold, before any attack: the most any method could publish.
  const primary = primaryWithheld(cells, DEFAULT_RULES);
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const ruled = (key: string, name: string, isRate: boolean) => {
    const cell = byKey.get(key)!;
    if (isRateOnly(cell, DEFAULT_RULES)) return !isRate;
    if (!isRate) return primary.has(varId(key, name));
    const rate = RATES.find((r) => r.id === name)!;
    return primary.has(varId(key, rate.numerator)) || primary.has(varId(key, rate.denominator));
  };
  const tally = new Map<string, { ours: number; greedy: number; all: number; rules: number }>();
  const lost = { ours: { values: 0, counts: 0, dollars: 0 }, greedy: { values: 0, counts: 0, dollars: 0 } };
  const greedyByKey = new Map(greedy.map((c) => [c.key, c]));
  for (const c of ours.cells) {
    const g = greedyByKey.get(c.key)!;
    const source = byKey.get(c.key)!;
    const entries = [
      ...Object.entries(c.quantities).map(([k, v]) => [k, v, g.quantities[k], false] as const),
      ...Object.entries(c.rates).map(([k, v]) => [k, v, g.rates[k], true] as const),
    ];
    for (const [name, v, gv, isRate] of entries) {
      if (v.status === 'not-applicable') continue;
      const t = tally.get(c.table) ?? { ours: 0, greedy: 0, all: 0, rules: 0 };
      t.all++;
      if (v.status === 'published') t.ours++;
      if (gv?.status === 'published') t.greedy++;
      if (ruled(c.key, name, isRate)) t.rules++;
      tally.set(c.table, t);
      if (isRate || !quantitiesOf(source).includes(name)) continue;
      const value = source.values[name] ?? 0;
      for (const [who, status] of [
        ['ours', v.status],
        ['greedy', gv?.status],
      ] as const)
        if (status === 'suppressed') {
          lost[who].values++;
          if (isSum(name)) lost[who].dollars += name === 'paid' || name === 'allowed' ? value : 0;
          else if (name === 'member_months') lost[who].counts += value;
        }
    }
  }
  console.log('\ntable | published: ours | greedy baseline | ratio | most the rules allow');
  for (const [table, t] of tally)
    console.log(
      `${table} | ${pct(t.ours / t.all)} (${t.ours} of ${t.all}) | ${pct(t.greedy / t.all)} | ${(t.ours / Math.max(1, t.greedy)).toFixed(2)}× | ${pct(1 - t.rules / t.all)}`,
    );
  console.log('\ninformation lost | ours | greedy baseline | ratio');
  console.log(`values withheld (counts and sums) | ${lost.ours.values} | ${lost.greedy.values} | ${(lost.ours.values / lost.greedy.values).toFixed(2)}×`);
  console.log(
    `member-months withheld | ${lost.ours.counts.toFixed(0)} | ${lost.greedy.counts.toFixed(0)} | ${(lost.ours.counts / Math.max(1, lost.greedy.counts)).toFixed(2)}×`,
  );
  console.log(
    `dollars withheld (paid + allowed) | ${lost.ours.dollars.toFixed(0)} | ${lost.greedy.dollars.toFixed(0)} | ${(lost.ours.dollars / Math.max(1, lost.greedy.dollars)).toFixed(2)}×`,
  );
}

/** Findings whose attacker interval is a single point: the value recovered exactly. */
function exactly(gate: { audit: { findings: readonly { attacker: { low: number; high: number } }[] } }): number {
  return gate.audit.findings.filter((f) => Math.abs(f.attacker.high - f.attacker.low) < 1e-6).length;
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
