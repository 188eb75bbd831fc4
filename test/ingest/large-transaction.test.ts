import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { FhirError } from '../../src/fhir/errors.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { webSessions } from '../../src/db/schema.js';
import type { SqliteDatabase } from '../../src/db/sqlite.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, observation, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';

/**
 * A transaction larger than one planning step (2,000 entries) is planned and handed to the
 * write step by step (src/ingest/ingest.ts, src/db/sqlite-staging.ts), so that it never holds
 * all its rows in memory. The attacks here are on what a streamed write tends to get wrong:
 * readers seeing part of it, a late failure leaving the early part behind, and other writers
 * stalled behind it.
 */
const PATIENTS = 600;
const OBSERVATIONS = 5_400;

function largeTransaction(last?: Record<string, unknown>) {
  const entries: unknown[] = [];
  for (let i = 0; i < PATIENTS; i++)
    entries.push(putEntry(patient(`lt-p${i}`, { identifier: [{ system: 'urn:mrn', value: `m${i}` }], name: [{ family: `F${i}`, given: ['G'] }] })));
  for (let i = 0; i < OBSERVATIONS; i++) entries.push(putEntry(observation(`lt-o${i}`, `lt-p${i % PATIENTS}`)));
  if (last) entries.push(last);
  const read = readBundle(bundle('transaction', entries));
  if (Array.isArray(read)) throw new Error(JSON.stringify(read));
  return read;
}

/** Counts the parts handed to the staged write, to know when a step has been staged. */
function countStagedParts(db: SqliteDatabase): { parts: number } {
  const counter = { parts: 0 };
  const staged = db.staged!.bind(db);
  db.staged = () => {
    const write = staged();
    return {
      add: (statements) => {
        write.add(statements);
        counter.parts++;
      },
      commit: () => write.commit(),
      discard: () => write.discard(),
    };
  };
  return counter;
}

/** Runs `work` and, at every turn of the event loop until it settles, calls `look`. */
async function watching<T>(work: Promise<T>, look: () => void): Promise<{ value?: T; error?: unknown; looks: number }> {
  let settled = false;
  const result: { value?: T; error?: unknown; looks: number } = { looks: 0 };
  const done = work.then(
    (value) => void (result.value = value),
    (error) => void (result.error = error),
  );
  void done.finally(() => (settled = true));
  while (!settled) {
    look();
    result.looks++;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  return result;
}

describe('a transaction larger than one planning step', () => {
  it('is seen by no reader, on this connection or another, until it commits whole', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const other = new BetterSqlite3(db.sqlite.name, { readonly: true });
    const count = (on: BetterSqlite3.Database) => on.prepare("SELECT count(*) FROM resources WHERE id LIKE 'lt-%'").pluck().get() as number;
    const staged = countStagedParts(db);
    let halfway = 0;
    const seen: number[] = [];
    const b = largeTransaction();
    const run = await watching(ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries }), () => {
      // Parts: the ingestion row, then each step's rows.
      if (staged.parts >= 2) halfway++;
      seen.push(count(db.sqlite), count(other));
    });
    expect(run.error).toBeUndefined();
    // The watcher looked after a step was staged, and before the write was applied.
    expect(halfway).toBeGreaterThan(0);
    // Nothing, then (once the writer thread committed, before the promise settled) everything: never a part.
    const whole = PATIENTS + OBSERVATIONS;
    expect(seen.every((n) => n === 0 || n === whole)).toBe(true);
    expect(seen.slice(seen.indexOf(whole) < 0 ? seen.length : seen.indexOf(whole)).every((n) => n === whole)).toBe(true);
    expect(seen[0]).toBe(0);
    expect(count(db.sqlite)).toBe(PATIENTS + OBSERVATIONS);
    expect(count(other)).toBe(PATIENTS + OBSERVATIONS);
    other.close();
  });

  it('writes nothing when its last entry fails, and lists that entry', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    // A version precondition on a resource that does not exist fails only when its step is planned, after the earlier steps were staged.
    const last = { ...putEntry(observation('lt-last', 'lt-p0')), request: { method: 'PUT', url: 'Observation/lt-last', ifMatch: 'W/"3"' } };
    const b = largeTransaction(last);
    const error = await ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(412);
    expect((error as FhirError).issues.map((i) => i.expression)).toEqual([`Bundle.entry[${PATIENTS + OBSERVATIONS}]`]);
    const n = (sql: string) => db.sqlite.prepare(sql).pluck().get() as number;
    expect(n('SELECT count(*) FROM resources')).toBe(0);
    expect(n('SELECT count(*) FROM resource_tokens')).toBe(0);
    expect(n('SELECT count(*) FROM patient_links')).toBe(0);
    expect(n('SELECT count(*) FROM match_keys')).toBe(0);
    expect(n('SELECT count(*) FROM ingestions')).toBe(0);
    // And the same Bundle without the bad entry then goes in whole.
    const again = largeTransaction();
    const { outcomes } = await ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: again.entries });
    expect(outcomes.every((o) => o.ok && o.created)).toBe(true);
    expect(n('SELECT count(*) FROM resources')).toBe(PATIENTS + OBSERVATIONS);
  });

  it('does not hold up other writers on the same file while it is planned', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const other = new BetterSqlite3(db.sqlite.name);
    // A writer on another connection that found the database locked would wait here, then fail.
    other.pragma('busy_timeout = 100');
    const staged = countStagedParts(db);
    const writes: number[] = [];
    const b = largeTransaction();
    const run = await watching(ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries }), () => {
      // Once the first step was planned and staged.
      if (staged.parts < 2 || writes.length > 0) return;
      const started = performance.now();
      // A sign-in's session row on this connection, and another process's write: both land at once, half-way through the ingest.
      db.orm.insert(webSessions).values({ idHash: 'mid-ingest', kind: 'session', data: '{}', expiresAt: '2999-01-01' }).run();
      other.prepare("INSERT INTO web_sessions (id_hash, kind, data, expires_at) VALUES ('other-process', 'session', '{}', '2999-01-01')").run();
      writes.push(performance.now() - started);
    });
    expect(run.error).toBeUndefined();
    expect(writes).toHaveLength(1);
    expect(writes[0]).toBeLessThan(100);
    expect(other.prepare("SELECT count(*) FROM web_sessions WHERE id_hash IN ('mid-ingest', 'other-process')").pluck().get()).toBe(2);
    expect(other.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(PATIENTS + OBSERVATIONS);
    other.close();
  });

  it('is planned again, whole, when another process wrote one of its resources meanwhile', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const other = new BetterSqlite3(db.sqlite.name);
    const staged = countStagedParts(db);
    let wrote = false;
    // In the first step: already staged when the other process writes it, so the conflict is met only at the commit.
    const lastId = 'lt-o0';
    const b = largeTransaction();
    const run = await watching(ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries }), () => {
      if (staged.parts < 2 || wrote) return;
      // The same source's other gateway process, writing one of the transaction's resources before this one commits.
      const content = JSON.stringify({ resourceType: 'Observation', id: lastId, meta: { source: SOURCE_A, versionId: '1' }, status: 'preliminary' });
      other
        .prepare(
          "INSERT INTO resources (type, id, version_id, last_updated, source, ingestion_id, security, content) VALUES ('Observation', ?, 1, '2026-01-01T00:00:00.000Z', ?, 'elsewhere', ' ', ?)",
        )
        .run(lastId, SOURCE_A, content);
      wrote = true;
    });
    expect(run.error).toBeUndefined();
    expect(wrote).toBe(true);
    const n = (sql: string, ...params: unknown[]) =>
      db.sqlite
        .prepare(sql)
        .pluck()
        .get(...params) as number;
    expect(n('SELECT count(*) FROM resources')).toBe(PATIENTS + OBSERVATIONS);
    // The other write stands in history; this transaction's version replaced it, and nothing is doubled.
    expect(n("SELECT version_id FROM resources WHERE type = 'Observation' AND id = ?", lastId)).toBe(2);
    expect(n('SELECT count(*) FROM resource_history WHERE id = ?', lastId)).toBe(1);
    expect(n('SELECT count(*) FROM ingestions')).toBe(1);
    other.close();
  });
});
