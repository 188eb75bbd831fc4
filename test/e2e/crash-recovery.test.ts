import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { markInterruptedIngestions } from '../../src/store/write.js';
import { tempDir } from '../helpers/db.js';

const OBSERVATIONS = 60_000;
// With the 500 Patient records that come first.
const TOTAL = OBSERVATIONS + 500;

function ndjson(path: string) {
  // The lab's own Patient records first: a source files results only under its own records.
  const lines: string[] = Array.from({ length: 500 }, (_, k) => JSON.stringify({ resourceType: 'Patient', id: `p-${k}`, name: [{ family: `Lab${k}` }] }));
  for (let i = 0; i < OBSERVATIONS; i++) {
    lines.push(
      JSON.stringify({
        resourceType: 'Observation',
        id: `obs-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        subject: { reference: `Patient/p-${i % 500}` },
        effectiveDateTime: '2025-01-01',
        valueQuantity: { value: 6 + (i % 40) / 10, unit: '%' },
      }),
    );
  }
  writeFileSync(path, lines.join('\n'));
}

function runIngest(dataDir: string, file: string) {
  // node itself, not npx, so that SIGKILL hits the process doing the writing.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ingest.ts', file, '--source', 'urn:test:lab'], {
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

describe('an ingest killed half-way', () => {
  it('leaves a consistent database: whole chunks, an interrupted ingestion, and a clean re-run', async () => {
    const dir = tempDir('cg-crash-');
    const file = join(dir, 'obs.ndjson');
    ndjson(file);
    const dataDir = join(dir, 'data');

    const child = runIngest(dataDir, file);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    // Kill -9 as soon as the first chunk has committed.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 10));
      try {
        const peek = new Database(join(dataDir, 'gateway.db'), { readonly: true, fileMustExist: true });
        const row = peek.prepare('select count(*) n from resources').get() as { n: number } | undefined;
        peek.close();
        if (row && row.n > 0) break;
      } catch {
        /* not created or not migrated yet */
      }
    }
    child.kill('SIGKILL');
    expect(await exited, child.output()).toBe('SIGKILL');

    const db = openSqlite(join(dataDir, 'gateway.db'));
    try {
      expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      const n = (sql: string) => (db.sqlite.prepare(sql).get() as { n: number }).n;
      const written = n('select count(*) n from resources');
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(TOTAL);
      expect(written % 2000).toBe(0);
      // Every stored resource has its index rows, and no index row lacks its resource.
      expect(n('select count(*) n from resource_tokens')).toBe(n("select count(*) n from resources where type = 'Observation'"));
      expect(n('select count(*) n from resource_tokens t left join resources r on r.type = t.type and r.id = t.id where r.id is null')).toBe(0);
      expect(await markInterruptedIngestions(db, new Date().toISOString())).toBe(1);
      expect(n(`select written n from ingestions where status = 'interrupted'`)).toBe(written);
    } finally {
      db.close();
    }

    const rerun = runIngest(dataDir, file);
    expect(await new Promise((resolve) => rerun.once('exit', resolve))).toBe(0);
    const after = new Database(join(dataDir, 'gateway.db'), { readonly: true });
    const statuses = after.prepare('select status, written, unchanged from ingestions order by started_at').all();
    const count = (after.prepare('select count(*) n from resources').get() as { n: number }).n;
    after.close();
    expect(count).toBe(TOTAL);
    expect(statuses).toHaveLength(2);
    expect(statuses[1]).toMatchObject({ status: 'complete', written: TOTAL - (statuses[0] as { written: number }).written });
  }, 120_000);
});
