import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { publishRelease } from '../../src/release/publish.js';
import { suiteDir } from '../helpers/db.js';
import { publisherDeps } from '../helpers/publisher.js';
import { loadRegion } from '../helpers/region.js';

let dir: ReturnType<typeof suiteDir>;
let first: SqliteDatabase;
let second: SqliteDatabase;

beforeAll(async () => {
  dir = suiteDir('cg-concurrent-');
  first = openSqlite(join(dir.path, 'gateway.db'));
  await loadRegion(first, 120, 11);
  second = openSqlite(join(dir.path, 'gateway.db'));
}, 120_000);

afterAll(() => {
  first?.close();
  second?.close();
  dir?.remove();
});

const deps = (db: SqliteDatabase) => publisherDeps(db);

describe('two publishers on one SQLite file', () => {
  it('never end in a constraint error: the second waits for the first, then publishes the next version', async () => {
    const results = await Promise.allSettled([publishRelease(deps(first), { epsilon: 1 }), publishRelease(deps(second), { epsilon: 1 })]);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).not.toMatch(/constraint/i);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(first.sqlite.prepare('SELECT id FROM releases ORDER BY version').pluck().all()).toEqual(['v1', 'v2']);
    expect(first.sqlite.prepare('SELECT SUM(epsilon) FROM privacy_ledger').pluck().get()).toBe(2);
  });
});
