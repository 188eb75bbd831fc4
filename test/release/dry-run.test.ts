import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIPPING, expectedErrors, planQueries } from '../../src/deid/index.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { DP_WORKLOAD } from '../../src/release/dp-policy.js';
import { dryRun, formatDryRun } from '../../src/release/dry-run.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { generateRegion } from '../../src/synthetic/index.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { testUniverse } from '../helpers/dp.js';
import { registerFixtureParticipants } from '../helpers/participants.js';

describe('the dry run', () => {
  it('is a pure function of epsilon, the workload and the declared rows: the errors the methodology states', () => {
    const universe = testUniverse([2024, 2025]);
    const run = dryRun({ epsilon: 1, years: [2024, 2025], universe, workload: DP_WORKLOAD, clipping: DEFAULT_CLIPPING });
    const plan = planQueries({ epsilon: 1, workload: DP_WORKLOAD, years: [2024, 2025], clipping: DEFAULT_CLIPPING });
    expect(run.expected).toEqual(expectedErrors(plan, universe));
    // More budget, less error: four times epsilon is roughly four times rho here, so half the sd or less.
    const four = dryRun({ epsilon: 4, years: [2024, 2025], universe, workload: DP_WORKLOAD, clipping: DEFAULT_CLIPPING });
    const sd = (r: typeof run, q: string) => r.expected.find((e) => e.table === 'segment' && e.quantity === q)!.sdMax;
    expect(sd(four, 'paid') / sd(run, 'paid')).toBeLessThan(0.5);
    const text = formatDryRun(run, [2024, 2025]);
    expect(text).toMatch(/nothing is read from patient data, written or spent/);
    for (const table of ['total', 'segment', 'organization', 'segment_organization', 'geography', 'age_band', 'sex'])
      expect(text).toMatch(new RegExp(`^${table}\\s+year\\s+member_months\\s`, 'm'));
  });

  describe('npm run publish -- --dry-run', () => {
    let dir: ReturnType<typeof suiteDir>;
    beforeAll(async () => {
      dir = suiteDir('cg-dry-run-');
      const db = openSqlite(join(dir.path, 'gateway.db'));
      await registerFixtureParticipants(db);
      const deps = testDeps(db);
      for (const source of generateRegion({ patients: 20, seed: 3 }).sources) {
        const b = readBundle(source.bundle);
        if (Array.isArray(b)) throw new Error('bad fixture');
        await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
      }
      db.close();
    });
    afterAll(() => dir?.remove());

    it('prints the expected error of every table and writes nothing', async () => {
      const listing = () => readdirSync(dir.path).map((f) => `${f}:${statSync(join(dir.path, f)).size}:${statSync(join(dir.path, f)).mtimeMs}`);
      const before = listing();
      const keys = join(dir.path, 'no-keys-here');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'src/cli/publish.ts', '--epsilon', '1', '--years', '2025', '--dry-run'],
        {
          env: { ...process.env, DATA_DIR: dir.path, KEYS_DIR: keys },
        },
      );
      expect(stdout).toMatch(/epsilon 1, delta 1e-8: zCDP rho 0\.01322 for 2025/);
      expect(stdout).toMatch(/^segment\s+year\s+paid\s/m);
      expect(listing()).toEqual(before);
      expect(readdirSync(dir.path)).not.toContain('no-keys-here');
    });

    it('refuses, with a message, a year without data or an epsilon that is not a positive number', async () => {
      const publish = (args: string[]) =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/publish.ts', ...args, '--dry-run'], {
          env: { ...process.env, DATA_DIR: dir.path },
        }).then(
          () => '',
          (err: { stderr: string; code: number }) => `${err.code}: ${err.stderr.trim()}`,
        );
      expect(await publish(['--epsilon', '1', '--years', '2031'])).toMatch(/^2: Not published: there is no claims data for 2031/);
      expect(await publish(['--epsilon', '0'])).toMatch(/^2: Not published: --epsilon must be a positive number/);
      expect(await publish(['--epsilon=-1'])).toMatch(/^2: Not published: --epsilon must be a positive number/);
      expect(await publish(['--epsilon', 'lots'])).toMatch(/^2: Not published: --epsilon must be a positive number/);
      expect(await publish(['--epsilon', '-1'])).toMatch(/^2: Not published: .*--epsilon/);
      expect(await publish([])).toMatch(/^2: Not published: --dry-run reports the error of a differentially private release/);
    });
  });
});
