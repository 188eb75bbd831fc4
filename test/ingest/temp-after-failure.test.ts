/**
 * No scratch file kept: the scratch files of a large transaction are gone afterwards, after a success, a
 * refusal found in a late step, and a commit that fails at the writer thread.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { tempDb, tempDir, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';

const saved = process.env.TMPDIR;
afterEach(() => {
  if (saved === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = saved;
});

function big(last?: unknown) {
  const e: unknown[] = [putEntry(patient('tf-p'))];
  for (let i = 0; i < 5000; i++) e.push(putEntry(observation(`tf-o${i}`, 'tf-p')));
  if (last) e.push(last);
  const b = readBundle(bundle('transaction', e));
  if (Array.isArray(b)) throw new Error('bad');
  return b.entries;
}

describe('scratch files of a large transaction', () => {
  it('are removed after success, late refusal and a failed commit', async () => {
    const tmp = join(tempDir('cg-rt-tmp-'), 't');
    mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    const scratch = () => readdirSync(tmp).filter((n) => n.startsWith('cg-staging-'));
    const db = tempDb();
    const deps = testDeps(db);
    // Late refusal.
    const bad = { ...putEntry(observation('tf-last', 'tf-p')), request: { method: 'PUT', url: 'Observation/tf-last', ifMatch: 'W/"9"' } };
    await expect(ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: big(bad) })).rejects.toBeInstanceOf(FhirError);
    expect(scratch()).toEqual([]);
    // A commit failing at the writer thread with a non-conflict error (a trigger aborts one row of the copy).
    db.sqlite.exec("CREATE TRIGGER tf_block BEFORE INSERT ON resources WHEN NEW.id = 'tf-o4000' BEGIN SELECT RAISE(ABORT, 'blocked'); END");
    await expect(ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: big() })).rejects.toThrow(/blocked/);
    expect(scratch()).toEqual([]);
    expect(db.sqlite.prepare('select count(*) from resources').pluck().get()).toBe(0);
    db.sqlite.exec('DROP TRIGGER tf_block');
    // Success.
    await ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: big() });
    expect(scratch()).toEqual([]);
  }, 60_000);
});
