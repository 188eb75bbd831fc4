import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { RowCache } from '../../src/store/lookups.js';
import type { Database } from '../../src/db/database.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { tempDb } from '../helpers/db.js';
import { scenario } from '../helpers/scenario.js';

/** Writes through a second connection to the same file, as another process (an `npm run ingest`) would. */
async function ingestElsewhere(path: string, entries: object[]) {
  const other = openSqlite(path);
  try {
    const b = readBundle(bundle('transaction', entries, SOURCE_A));
    if (Array.isArray(b)) throw new Error('bad bundle');
    let n = 0;
    await ingest(
      { db: other, clock: () => new Date(), codeLists: defaultCodeLists, newId: () => `elsewhere-${++n}` },
      { source: SOURCE_A, channel: 'cli', mode: 'transaction', entries: b.entries },
    );
  } finally {
    other.close();
  }
}

const everything = (s: Awaited<ReturnType<typeof scenario>>, id: string) => s.get(`/fhir/Patient/${id}/$everything`, s.tokens.chen);

describe('the lookup caches a read leans on', () => {
  it('a Patient asked for before she existed is found by the next request once a source files her (no cached "nobody")', async () => {
    const s = await scenario();
    expect((await everything(s, 'late-1')).status).toBe(404);
    expect((await s.get('/fhir/Patient/late-1', s.tokens.chen)).status).toBe(404);
    await s.seed(SOURCE_A, [putEntry(patient('late-1', { name: [{ family: 'Late' }], birthDate: '1990-01-01', gender: 'female' }))]);
    expect((await everything(s, 'late-1')).status).toBe(200);
    expect((await s.get('/fhir/Patient/late-1', s.tokens.chen)).status).toBe(200);
  });

  it('the same when another connection (another process) files her', async () => {
    const s = await scenario();
    expect((await everything(s, 'late-2')).status).toBe(404);
    await ingestElsewhere(s.db.sqlite.name, [putEntry(patient('late-2', { name: [{ family: 'Later' }], birthDate: '1991-01-01', gender: 'male' }))]);
    expect((await everything(s, 'late-2')).status).toBe(200);
  });

  it('a directory entry changed by a source, here or through another connection, is read as it now is', async () => {
    const s = await scenario();
    const org = (name: string) => putEntry({ resourceType: 'Organization', id: 'org-cache', meta: { source: SOURCE_A }, name });
    await s.seed(SOURCE_A, [org('Before')]);
    const nameNow = async () => ((await (await s.get('/fhir/Organization/org-cache', s.tokens.chen)).json()) as { name: string }).name;
    expect(await nameNow()).toBe('Before');
    await s.seed(SOURCE_A, [org('After, here')]);
    expect(await nameNow()).toBe('After, here');
    await ingestElsewhere(s.db.sqlite.name, [org('After, elsewhere')]);
    expect(await nameNow()).toBe('After, elsewhere');
  });
});

describe('RowCache', () => {
  it('holds at most its bound, and loads again after any write', async () => {
    const db = tempDb();
    const cache = new RowCache<number>(db, 3);
    let loads = 0;
    const load = async () => ++loads;
    for (const k of ['a', 'b', 'c', 'd', 'e']) await cache.get(k, load);
    expect(cache.size).toBe(3);
    expect(await cache.get('e', load)).toBe(5);
    db.sqlite.prepare('insert into participants_version (id, seq) values (99, 1)').run();
    expect(await cache.get('e', load)).toBe(6);
  });

  it('keeps nothing where the database gives no generation (D1, read by many isolates)', async () => {
    const db = tempDb();
    const withoutGeneration = { ...db, generation: undefined } as Database;
    const cache = new RowCache<number>(withoutGeneration, 10);
    let loads = 0;
    await cache.get('a', async () => ++loads);
    await cache.get('a', async () => ++loads);
    expect(loads).toBe(2);
    expect(cache.size).toBe(0);
  });
});

describe('the weight bound of a row cache', () => {
  it('never holds more than its weight or its count, however large the rows (red team: 40 one-MiB directory entries were all kept)', async () => {
    const { default: fc } = await import('fast-check');
    const db = { generation: () => 1 } as unknown as Database;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 5_000 })), { maxLength: 60 }), async (ops) => {
        const cache = new RowCache<string>(db, 8, { weigh: (v) => v.length, maxWeight: 10_000 });
        for (const [key, size] of ops) {
          const value = await cache.get(`k${key}`, async () => 'x'.repeat(size));
          expect(value.length === size || cache.size > 0).toBe(true);
          expect(cache.held).toBeLessThanOrEqual(10_000);
          expect(cache.size).toBeLessThanOrEqual(8);
        }
      }),
    );
  });
});
