import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { BudgetRefused, setBudget } from '../../src/release/budget/ops.js';
import { LedgerBusy, withLedgerLock } from '../../src/release/lock.js';
import { publishRelease, PublishRefused } from '../../src/release/publish.js';
import { releaseStatements, writeRelease } from '../../src/release/store.js';
import { suiteDir } from '../helpers/db.js';
import { publisherDeps } from '../helpers/publisher.js';
import { databaseDigest, loadRegion } from '../helpers/region.js';
import { auditTexts } from '../helpers/audit.js';

/**
 * The privacy budget bound to the data: bound once from the policy, changed only by the
 * audited operator command, never past what is spent; and every refusal writes nothing.
 * Each test works on its own copy of one loaded region (a real SQLite file).
 */
let dir: ReturnType<typeof suiteDir>;
let seeded: SqliteDatabase;
const open: SqliteDatabase[] = [];

beforeAll(async () => {
  dir = suiteDir('cg-budget-');
  seeded = openSqlite(join(dir.path, 'seeded.db'));
  await loadRegion(seeded, 120, 6);
}, 120_000);

afterAll(() => {
  for (const db of open) db.close();
  seeded?.close();
  dir?.remove();
});

let n = 0;
function copy(): SqliteDatabase {
  const path = join(dir.path, `copy-${++n}.db`);
  seeded.sqlite.exec(`VACUUM INTO '${path}'`);
  const db = openSqlite(path);
  open.push(db);
  return db;
}

const budgetRows = (db: SqliteDatabase) => db.sqlite.prepare('SELECT epsilon, previous, spent, source, operator FROM privacy_budget ORDER BY seq').all();
/** The public dataset's events in the audit trail (the region's participants were registered there too). */
const auditOf = (db: SqliteDatabase) =>
  auditTexts(db.sqlite)
    .map((c) => JSON.parse(c) as { outcome: string; outcomeDesc: string; subtype: { code: string }[]; entity: { detail?: { valueString: string }[] }[] })
    .filter((e) => e.subtype.some((s) => s.code === 'public-dataset'));
// The audit trail lives in the same file in these tests; a refusal is audited there, and nothing else changes.
const dataDigest = (db: SqliteDatabase) => databaseDigest(db, ['audit_events']);
const operator = { via: 'cli' as const, id: 'alex', osUser: 'alex' };
const budgetDeps = (db: SqliteDatabase) => ({ db, audit: new AuditLog(db), clock: () => new Date('2026-06-02T00:00:00Z'), operator });

describe('binding the budget', () => {
  it('writes the policy budget into the database with the first release, once; a later policy changes nothing', async () => {
    const db = copy();
    expect(budgetRows(db)).toEqual([]);
    const first = await publishRelease(publisherDeps(db, { budget: 4 }), { years: [2025] });
    expect(first.boundBudget).toBe(4);
    expect(budgetRows(db)).toEqual([{ epsilon: 4, previous: null, spent: 0, source: 'policy', operator: 'cli:test-operator' }]);
    // The policy file says 50 now: the data's budget is still 4.
    const second = await publishRelease(publisherDeps(db, { budget: 50 }), { epsilon: 3 });
    expect(second.boundBudget).toBeUndefined();
    expect(second.info.privacy).toMatchObject({ lifetimeBudget: 4, spentBefore: 0 });
    await expect(publishRelease(publisherDeps(db, { budget: 50 }), { epsilon: 2 })).rejects.toThrow(
      'privacy budget exceeded: 3 of 4 already spent (1 remaining); a release with epsilon 2 would make 5',
    );
    expect(budgetRows(db)).toHaveLength(1);
    const published = auditOf(db).filter((e) => e.outcome === '0');
    expect(published.map((e) => e.subtype.at(-1)!.code)).toEqual(['publish', 'publish']);
    expect(published[0]!.entity[0]!.detail!.map((d) => d.valueString)).toContain('bound-budget=4');
  });
});

describe('an operator may set the budget before the first release', () => {
  it('and then the first release binds nothing from the policy', async () => {
    const db = copy();
    expect(await setBudget(budgetDeps(db), { epsilon: 5, reason: 'Set before launch' })).toEqual({ previous: undefined, epsilon: 5, spent: 0 });
    const first = await publishRelease(publisherDeps(db, { budget: 50 }), { epsilon: 5 });
    expect(first.boundBudget).toBeUndefined();
    expect(first.info.privacy).toMatchObject({ lifetimeBudget: 5, spentBefore: 0 });
    expect(budgetRows(db)).toEqual([{ epsilon: 5, previous: null, spent: 0, source: 'operator', operator: 'cli:alex' }]);
  });
});

describe('bad input writes nothing', () => {
  it('refuses an epsilon that is not a positive number, a year without data and a spend past what remains, each with its reason', async () => {
    const db = copy();
    await publishRelease(publisherDeps(db, { budget: 2 }), { years: [2024] });
    await publishRelease(publisherDeps(db, { budget: 2 }), { epsilon: 1.5 });
    const before = dataDigest(db);
    const cases: [Parameters<typeof publishRelease>[1], RegExp][] = [
      [{ epsilon: Number.NaN }, /^epsilon must be a positive number/],
      [{ epsilon: 0 }, /^epsilon must be a positive number/],
      [{ epsilon: -1 }, /^epsilon must be a positive number/],
      [{ epsilon: Number.POSITIVE_INFINITY }, /^epsilon must be a positive number/],
      [{ epsilon: 1e6 }, /^epsilon must be at most 100/],
      [{ epsilon: 0.1, years: [1999] }, /^there is no claims data for 1999 \(years with data: 2024, 2025\)/],
      [{ epsilon: 0.1, years: [2025, 2031] }, /^there is no claims data for 2031/],
      [{ epsilon: 0.1, years: [] }, /^years must name at least one calendar year/],
      [{ epsilon: 0.6 }, /^privacy budget exceeded: 1\.5 of 2 already spent \(0\.5 remaining\)/],
    ];
    for (const [request, message] of cases) {
      const refused = await publishRelease(publisherDeps(db), request).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused, JSON.stringify(request)).toBeInstanceOf(PublishRefused);
      expect((refused as Error).message).toMatch(message);
    }
    expect(dataDigest(db)).toBe(before);
    // Each refusal is audited as refused, with its reason.
    const refusals = auditOf(db).filter((e) => e.outcome === '4');
    expect(refusals).toHaveLength(cases.length);
    expect(refusals.at(-1)!.outcomeDesc).toMatch(/^refused, nothing changed: privacy budget exceeded/);
  });

  it('refuses a year without data on a database with no claims at all', async () => {
    const db = openSqlite(join(dir.path, 'empty.db'));
    open.push(db);
    const before = dataDigest(db);
    await expect(publishRelease(publisherDeps(db))).rejects.toThrow('there is no claims data to publish');
    expect(dataDigest(db)).toBe(before);
  });
});

describe('the operator command is the only way the budget changes', () => {
  it('sets it with a reason, audited and in the history; refuses going below what is spent, no change, and a bad value', async () => {
    const db = copy();
    await publishRelease(publisherDeps(db, { budget: 3 }), { epsilon: 2 });
    const done = await setBudget(budgetDeps(db), { epsilon: 6, reason: 'Board decision 2026-05: two more yearly releases' });
    expect(done).toEqual({ previous: 3, epsilon: 6, spent: 2 });
    expect(budgetRows(db).at(-1)).toEqual({ epsilon: 6, previous: 3, spent: 2, source: 'operator', operator: 'cli:alex' });
    const changed = auditOf(db).at(-1)!;
    expect(changed.outcome).toBe('0');
    expect(changed.subtype.at(-1)!.code).toBe('set-budget');
    expect(changed.entity[0]!.detail!.map((d) => d.valueString)).toEqual(expect.arrayContaining(['from=3', 'to=6', 'spent=2', 'os-user=alex']));
    // Publishing now spends against 6.
    await publishRelease(publisherDeps(db), { epsilon: 3.5 });

    const before = dataDigest(db);
    for (const [input, message] of [
      [{ epsilon: 5, reason: 'tighter' }, /cannot go below what is already spent: 5\.5/],
      [{ epsilon: 6, reason: 'same' }, /already 6/],
      [{ epsilon: 0, reason: 'zero' }, /must be a positive number/],
      [{ epsilon: Number.NaN, reason: 'nan' }, /must be a positive number/],
      [{ epsilon: 8, reason: '   ' }, /a reason is required/],
    ] as const) {
      await expect(setBudget(budgetDeps(db), input)).rejects.toThrow(BudgetRefused);
      await expect(setBudget(budgetDeps(db), input)).rejects.toThrow(message);
    }
    expect(dataDigest(db)).toBe(before);
    expect(auditOf(db).filter((e) => e.outcome === '4' && e.subtype.at(-1)!.code === 'set-budget').length).toBe(10);
  });

  it('the database itself refuses a spend past the budget, a budget below the spend, and any edit of either history', async () => {
    const db = copy();
    await publishRelease(publisherDeps(db, { budget: 2 }), { epsilon: 1.5 });
    const spend = db.sqlite.prepare(
      "INSERT INTO privacy_ledger (release_id, epsilon, lifetime_budget, recorded, mechanism) VALUES ('v9', ?, 2, '2026-06-01T00:00:00Z', 'x')",
    );
    expect(() => spend.run(0.6)).toThrow(/privacy budget exceeded/);
    const budget = db.sqlite.prepare(
      "INSERT INTO privacy_budget (epsilon, previous, spent, source, operator, reason, recorded) VALUES (?, 2, 1.5, 'operator', 'x', 'x', '2026-06-01T00:00:00Z')",
    );
    expect(() => budget.run(1)).toThrow(/below what is spent/);
    expect(() => budget.run(-1)).toThrow(/below what is spent/);
    expect(() => db.sqlite.prepare('UPDATE privacy_budget SET epsilon = 100').run()).toThrow(/append-only/);
    expect(() => db.sqlite.prepare('DELETE FROM privacy_budget').run()).toThrow(/append-only/);
  });
});

describe('one writer at a time', () => {
  it('a second publisher waits, then is told who holds the lock and since when; nothing is written and the lock stays theirs', async () => {
    const db = copy();
    const other = openSqlite(db.sqlite.name);
    open.push(other);
    const before = dataDigest(db);
    let refused: unknown;
    await withLedgerLock(other, { purpose: 'publish', holder: 'npm run publish by sam, pid 77' }, async () => {
      const started = Date.now();
      refused = await publishRelease(publisherDeps(db, { lock: { waitMs: 600 } }), { epsilon: 1 }).catch((err: unknown) => err);
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(db.sqlite.prepare('SELECT holder FROM release_lock').pluck().get()).toBe('npm run publish by sam, pid 77');
    });
    expect(refused).toBeInstanceOf(LedgerBusy);
    expect((refused as Error).message).toMatch(
      /^another release is being published since \d{4}-\d\d-\d\dT[\d:.]+Z \(npm run publish by sam, pid 77\); try again when it has finished/,
    );
    expect(dataDigest(db)).toBe(before);
    // Released when the holder finished, so the next publisher goes ahead.
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM release_lock').pluck().get()).toBe(0);
    await publishRelease(publisherDeps(db, { lock: { waitMs: 0 } }), { epsilon: 1 });
  });

  it('a lock left by a process that died is taken over once it has run out', async () => {
    const db = copy();
    db.sqlite
      .prepare("INSERT INTO release_lock (id, purpose, token, holder, acquired, expires) VALUES (1, 'publish', 'dead', 'a crashed publisher', ?, ?)")
      .run(new Date(Date.now() - 120_000).toISOString(), new Date(Date.now() - 1000).toISOString());
    const published = await publishRelease(publisherDeps(db, { lock: { waitMs: 0 } }), { epsilon: 1 });
    expect(published.info.id).toBe('v1');
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM release_lock').pluck().get()).toBe(0);
  });

  it('a writer that got past the lock (it ran out under a slow publisher) meets a clear refusal, not a constraint error', async () => {
    const db = copy();
    await publishRelease(publisherDeps(db), { epsilon: 1 });
    const late = releaseStatements(
      db,
      { id: 'v1', version: 1, issued: '2026-06-01T00:00:00Z', mode: 'differential-privacy', years: [2025], epsilon: 1, manifestJws: 'x' },
      [],
      { epsilon: 1, lifetimeBudget: 10, recorded: '2026-06-01T00:00:00Z', mechanism: 'discrete-laplace' },
      new Map(),
    );
    const before = dataDigest(db);
    await expect(writeRelease(db, 'v1', late)).rejects.toThrow(
      new PublishRefused('release v1 was published by another process while this one was being prepared; nothing was written. Publish again.'),
    );
    expect(dataDigest(db)).toBe(before);
  });
});

describe('upgrading a database that spent epsilon under LIFETIME_EPSILON', () => {
  it('carries over the budget that was in force, never below what was spent', async () => {
    const { cpSync, readFileSync, writeFileSync } = await import('node:fs');
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const { drizzle } = await import('drizzle-orm/better-sqlite3');
    const { migrate } = await import('drizzle-orm/better-sqlite3/migrator');
    // The migrations as they were before this one.
    const folder = join(dir.path, 'migrations-0008');
    cpSync('src/db/migrations', folder, { recursive: true });
    const journal = JSON.parse(readFileSync(join(folder, 'meta/_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    journal.entries = journal.entries.filter((e) => e.tag < '0009');
    writeFileSync(join(folder, 'meta/_journal.json'), JSON.stringify(journal));
    const path = join(dir.path, 'old.db');
    const old = new BetterSqlite3(path);
    migrate(drizzle(old), { migrationsFolder: folder });
    const insert = old.prepare(
      "INSERT INTO privacy_ledger (release_id, epsilon, lifetime_budget, recorded, mechanism) VALUES (?, ?, ?, '2026-01-01T00:00:00Z', 'discrete-laplace')",
    );
    // Spent 26 with LIFETIME_EPSILON=100, then started again with 10.
    insert.run('v2', 20, 100);
    insert.run('v3', 6, 10);
    old.close();
    const upgraded = openSqlite(path);
    open.push(upgraded);
    expect(budgetRows(upgraded)).toEqual([{ epsilon: 26, previous: null, spent: 26, source: 'upgrade', operator: 'migration 0009' }]);
  });
});

describe('years of a differentially private release (attack: one claim adds a year)', () => {
  it('are never taken from the data: by default those already published, or the last complete year', async () => {
    const db = copy();
    // The region has claims in 2024 and 2025; the clock says 2026, so the default is 2025 alone.
    const v1 = await publishRelease(publisherDeps(db), { epsilon: 0.5 });
    expect(v1.info.years).toEqual([2025]);
    // A claim in another year does not change which years (and so which rows) a noisy release has.
    db.sqlite.exec("UPDATE resources SET date_start = '2019-03-01' WHERE rowid = (SELECT min(rowid) FROM resources WHERE type = 'ExplanationOfBenefit')");
    const v2 = await publishRelease(publisherDeps(db), { epsilon: 1 });
    expect(v2.info.years).toEqual([2025]);
  });

  it('an epsilon too small to sample is a clear refusal, not a crash', async () => {
    const db = copy();
    await expect(publishRelease(publisherDeps(db), { epsilon: 1e-320, years: [2025] })).rejects.toThrow(/epsilon must be at least 0.001/);
  });
});
