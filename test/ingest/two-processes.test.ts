/**
 * Concurrency: two large transactions at once from two gateway "processes" (two
 * connections, each with its own queue and writer thread) on the same SQLite file.
 */
import { describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/db/sqlite.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';

const N = 2500;
const read = (entries: unknown[]) => {
  const b = readBundle(bundle('transaction', entries));
  if (Array.isArray(b)) throw new Error('bad');
  return b.entries;
};
/** No address: no demographic key (digits in the family name are normalised away), only the identifier links. */
const noAddress = <T extends { address?: unknown }>(p: T): T => {
  delete p.address;
  return p;
};
let uid = 0;
const ids = (p: string) => () => `${p}-${++uid}-${Math.random().toString(36).slice(2)}`;

describe('two large transactions in two processes at once', () => {
  it('link each pair of records once, to one person, and lose no update', async () => {
    const db1 = tempDb();
    const db2 = openSqlite(db1.sqlite.name);
    const d1 = testDeps(db1, { newId: ids('a') });
    const d2 = testDeps(db2, { newId: ids('b') });
    // Shared Observations of source A, both processes update them.
    const seedEntries: unknown[] = [putEntry(patient('shared-p', { name: [{ family: 'Shared', given: ['S'] }] }))];
    for (let j = 0; j < N; j++) seedEntries.push(putEntry(observation(`shared-o${j}`, 'shared-p', { valueString: 'v0' })));
    await ingest(d1, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: read(seedEntries) });

    const t1: unknown[] = [];
    const t2: unknown[] = [];
    for (let i = 0; i < N; i++) {
      const ident = [{ system: 'urn:ssn', value: `s${i}` }];
      t1.push(putEntry(noAddress(patient(`a-${i}`, { identifier: ident, name: [{ family: `A${i}`, given: ['X'] }] }))));
      t2.push(putEntry(noAddress(patient(`b-${i}`, { identifier: ident, name: [{ family: `B${i}`, given: ['Y'] }] }, SOURCE_B))));
    }
    const u1: unknown[] = [];
    const u2: unknown[] = [];
    for (let j = 0; j < N; j++) {
      u1.push(putEntry(observation(`shared-o${j}`, 'shared-p', { valueString: 'from-1' })));
      u2.push(putEntry(observation(`shared-o${j}`, 'shared-p', { valueString: 'from-2' })));
    }
    const results = await Promise.allSettled([
      ingest(d1, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: read(t1) }),
      ingest(d2, { source: SOURCE_B, channel: 'transaction', mode: 'transaction', entries: read(t2) }),
      ingest(d1, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: read(u1) }),
      ingest(d2, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: read(u2) }),
    ]);
    const sq = db1.sqlite;
    const n = (sql: string, ...p: unknown[]) =>
      sq
        .prepare(sql)
        .pluck()
        .get(...p) as number;
    console.log(results.map((r) => r.status + (r.status === 'rejected' ? ' ' + String((r.reason as Error).message).slice(0, 300) : '')));
    for (const r of results) expect(r.status).toBe('fulfilled');
    // Linkage: each a-i and b-i one person, each key once, each record linked once.
    expect(n("select count(*) from patient_links where patient_id like 'a-%' or patient_id like 'b-%'")).toBe(2 * N);
    expect(n("select count(*) from match_keys where key like 'identifier|urn:ssn|%'")).toBe(N);
    expect(
      n(
        "select count(*) from patient_links a join patient_links b on b.patient_id = 'b-' || substr(a.patient_id, 3) where a.patient_id like 'a-%' and a.person_id <> b.person_id",
      ),
    ).toBe(0);
    expect(n("select count(distinct person_id) from patient_links where patient_id like 'a-%' or patient_id like 'b-%'")).toBe(N);
    // Updates: both landed, one after the other.
    expect(n("select count(*) from resources where type = 'Observation' and id like 'shared-o%' and version_id = 3")).toBe(N);
    expect(n("select count(*) from resource_history where type = 'Observation' and id like 'shared-o%'")).toBe(2 * N);
    expect(n("select count(*) from resource_history where id like 'shared-o%' and content like '%from-%'")).toBe(N);
    expect(n('select count(*) from ingestions')).toBe(5);
    expect(n("select count(*) from ingestions where status <> 'complete'")).toBe(0);
    db2.close();
  }, 180_000);
});
