/**
 * All or nothing, and no scratch file kept, under kill -9 (found by the red team): `npm run ingest` of a large transaction Bundle killed while
 * it stages its rows. Nothing may be written, and the scratch file it was staging into (a
 * cg-staging-* directory under the temp dir) must not be left behind for good: after the
 * gateway is started again and ingests again, no scratch file of the dead process remains.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/db.js';
import { bundle, observation, patient, putEntry } from '../helpers/fhir.js';

const SRC = 'urn:test:lab';

function runIngest(dataDir: string, tmp: string, file: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/ingest.ts', file, '--source', SRC], {
    env: { ...process.env, DATA_DIR: dataDir, TMPDIR: tmp },
    stdio: 'pipe',
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return Object.assign(child, { output: () => output, exited });
}

const scratchDirs = (tmp: string) => readdirSync(tmp).filter((n) => n.startsWith('cg-staging-'));

describe('a large transaction ingest killed while staging', () => {
  it('writes nothing and leaves no scratch file behind once the gateway runs again', async () => {
    const dir = tempDir('cg-rt-kill-');
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp);
    const dataDir = join(dir, 'data');
    const entries: unknown[] = [];
    for (let i = 0; i < 500; i++) entries.push(putEntry(patient(`k-p${i}`, { meta: { source: SRC } }, SRC)));
    for (let i = 0; i < 120_000; i++) entries.push(putEntry(observation(`k-o${i}`, `k-p${i % 500}`, {}, SRC)));
    const file = join(dir, 'big.json');
    writeFileSync(file, JSON.stringify(bundle('transaction', entries)));

    const child = runIngest(dataDir, tmp, file);
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline && child.exitCode === null && scratchDirs(tmp).length === 0) await new Promise((r) => setTimeout(r, 5));
    // Well into staging.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    expect(await child.exited, child.output()).toBe('SIGKILL');

    const peek = new Database(join(dataDir, 'gateway.db'));
    const n = (sql: string) => peek.prepare(sql).pluck().get() as number;
    expect(n('select count(*) from resources')).toBe(0);
    expect(n('select count(*) from ingestions')).toBe(0);
    peek.close();

    // The gateway runs again (start-up, then another large transaction, which finishes).
    const small: unknown[] = [putEntry(patient('k2-p', { meta: { source: SRC } }, SRC))];
    for (let i = 0; i < 3000; i++) small.push(putEntry(observation(`k2-o${i}`, 'k2-p', {}, SRC)));
    const file2 = join(dir, 'again.json');
    writeFileSync(file2, JSON.stringify(bundle('transaction', small)));
    const again = runIngest(dataDir, tmp, file2);
    expect(await again.exited, again.output()).toBe(0);

    expect(scratchDirs(tmp), 'the killed ingest left its staging scratch file in the temp dir').toEqual([]);
  }, 180_000);
});
