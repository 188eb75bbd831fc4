import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSigningKey } from '../../src/entry/keys-on-disk.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { suiteDir } from '../helpers/db.js';
import { databaseDigest, loadRegion, runCli } from '../helpers/region.js';
import { auditResources } from '../helpers/audit.js';

/**
 * The operator's commands as processes on a real data directory: the budget is the database's,
 * whatever the environment says.
 */
let dir: ReturnType<typeof suiteDir>;
let seeded: string;
let keysDir: string;

beforeAll(async () => {
  dir = suiteDir('cg-budget-cli-');
  seeded = join(dir.path, 'seeded.db');
  const db = openSqlite(seeded);
  await loadRegion(db, 120, 8);
  db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  keysDir = join(dir.path, 'keys');
  await addSigningKey(keysDir, new Date());
}, 120_000);

afterAll(() => dir?.remove());

let n = 0;
/** A data directory holding a copy of the loaded region. */
function dataDir(): string {
  const d = join(dir.path, `data-${++n}`);
  mkdirSync(d);
  copyFileSync(seeded, join(d, 'gateway.db'));
  return d;
}
const open = (d: string): SqliteDatabase => openSqlite(join(d, 'gateway.db'));

const digestOf = (d: string) => {
  const db = open(d);
  try {
    return databaseDigest(db);
  } finally {
    db.close();
  }
};
const auditTrail = (d: string) => {
  const db = openSqlite(join(d, 'audit.db'));
  try {
    return auditResources(db.sqlite);
  } finally {
    db.close();
  }
};

describe('LIFETIME_EPSILON', () => {
  it('cannot let a publisher spend past the budget bound to the data', async () => {
    const data = dataDir();
    const env = { DATA_DIR: data, KEYS_DIR: keysDir };
    expect((await runCli('publish', [], env)).code).toBe(0);
    const db = open(data);
    const before = databaseDigest(db);
    db.close();
    const loud = { ...env, LIFETIME_EPSILON: '100' };
    const runs = [await runCli('publish', ['--epsilon', '6'], loud), await runCli('publish', ['--epsilon', '6'], loud)];
    for (const r of runs) {
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(/^Not published: [\s\S]*LIFETIME_EPSILON: the privacy budget is no longer read from the environment/);
    }
    const after = open(data);
    expect(databaseDigest(after)).toBe(before);
    expect(after.sqlite.prepare('SELECT COALESCE(SUM(epsilon), 0) FROM privacy_ledger').pluck().get()).toBe(0);
    after.close();
    // An exact publish (with its disclosure audit) and two refusals, each a child process.
  }, 120_000);
});

describe('npm run publish', () => {
  it('two publisher processes on one database: both publish, one after the other, with no constraint error', async () => {
    const data = dataDir();
    const env = { DATA_DIR: data, KEYS_DIR: keysDir };
    const [a, b] = await Promise.all([
      runCli('publish', ['--epsilon', '1', '--operator', 'ana'], env),
      runCli('publish', ['--epsilon', '1', '--operator', 'ben'], env),
    ]);
    for (const r of [a!, b!]) {
      expect(`${r.out}${r.err}`).not.toMatch(/constraint|SqliteError|\n\s+at /i);
      expect(r.code, r.err).toBe(0);
    }
    expect([a!.out, b!.out].map((o) => /Published release (v\d)/.exec(o)![1]).sort()).toEqual(['v1', 'v2']);
    const db = open(data);
    expect(db.sqlite.prepare('SELECT SUM(epsilon) FROM privacy_ledger').pluck().get()).toBe(2);
    expect(db.sqlite.prepare('SELECT COUNT(*) FROM release_lock').pluck().get()).toBe(0);
    db.close();
  });

  it('while another holds the lock past --wait: exit 75, says who and since when, writes nothing', async () => {
    const data = dataDir();
    const db = open(data);
    const since = new Date().toISOString();
    db.sqlite
      .prepare("INSERT INTO release_lock (id, purpose, token, holder, acquired, expires) VALUES (1, 'publish', 't', 'npm run publish by sam, pid 4242', ?, ?)")
      .run(since, new Date(Date.now() + 600_000).toISOString());
    const before = databaseDigest(db);
    db.close();
    const r = await runCli('publish', ['--epsilon', '1', '--wait', '1'], { DATA_DIR: data, KEYS_DIR: keysDir });
    expect(r.code, r.err).toBe(75);
    expect(r.err.trim()).toMatch(
      new RegExp(`^Not published: another release is being published since ${since.replace(/\./g, '\\.')} \\(npm run publish by sam, pid 4242\\); try again`),
    );
    expect(digestOf(data)).toBe(before);
  });

  it('bad input: exit 2, "Not published: …", and the database is unchanged', async () => {
    const data = dataDir();
    const env = { DATA_DIR: data, KEYS_DIR: keysDir };
    expect((await runCli('publish', ['--epsilon', '9.5'], env)).code).toBe(0);
    const before = digestOf(data);
    const cases: [string[], RegExp][] = [
      [['--epsilon', 'abc'], /^Not published: --epsilon must be a positive number/],
      [['--epsilon', '0'], /^Not published: --epsilon must be a positive number/],
      [['--epsilon', '-1'], /^Not published: /],
      [['--epsilon', ''], /^Not published: --epsilon needs a value/],
      [['--epsilon', '0x10'], /^Not published: --epsilon must be a positive number/],
      [['--epsilon', '0.2', '--years', '1999'], /^Not published: there is no claims data for 1999 \(years with data: 2024, 2025\)/],
      [['--epsilon', '0.2', '--years', 'last'], /^Not published: --years must be calendar years/],
      [['--epsilon', '1'], /^Not published: privacy budget exceeded: 9\.5 of 10 already spent \(0\.5 remaining\)/],
      [['--bogus'], /^Not published: Unknown option '--bogus'/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli('publish', args, env)));
    results.forEach((r, i) => {
      expect(r.code, `${cases[i]![0].join(' ')}: ${r.err}`).toBe(2);
      expect(r.err, cases[i]![0].join(' ')).toMatch(cases[i]![1]);
      expect(r.err).not.toMatch(/\n\s+at /);
    });
    expect(digestOf(data)).toBe(before);
  });
});

describe('npm run budget', () => {
  it('shows, sets with an audit event and a public ledger row, and refuses going below what is spent', async () => {
    const data = dataDir();
    const env = { DATA_DIR: data, KEYS_DIR: keysDir, USER: 'ops-account' };
    const unbound = await runCli('budget', ['show'], env);
    expect(unbound.code).toBe(0);
    expect(unbound.out).toMatch(/No budget is bound to this database yet\. The first release will bind epsilon 10 from policies\/privacy-budget\.json/);
    expect((await runCli('publish', ['--epsilon', '4'], env)).code).toBe(0);

    const set = await runCli('budget', ['set', '12', '--reason', 'Board decision: quarterly releases in 2027', '--operator', 'alex'], env);
    expect(set.code, set.err).toBe(0);
    expect(set.out).toMatch(/10 -> 12 \(spent 4\)/);
    const shown = JSON.parse((await runCli('budget', ['show', '--json'], env)).out) as {
      current: { epsilon: number };
      remaining: number;
      history: { source: string }[];
    };
    expect(shown).toMatchObject({ current: { epsilon: 12 }, remaining: 8 });
    expect(shown.history.map((h) => h.source)).toEqual(['policy', 'operator']);
    const event = auditTrail(data).at(-1) as { outcome: string; agent: { who: { identifier: { value: string } } }[] };
    expect(event.outcome).toBe('0');
    expect(event.agent.map((a) => a.who.identifier.value)).toEqual(['cli:alex', 'ops-account']);

    const before = digestOf(data);
    const refusals = await Promise.all([
      runCli('budget', ['set', '3', '--reason', 'tighter', '--operator', 'alex'], env),
      runCli('budget', ['set', 'lots', '--reason', 'x', '--operator', 'alex'], env),
      runCli('budget', ['set', '-5', '--reason', 'x', '--operator', 'alex'], env),
      runCli('budget', ['set', '20', '--operator', 'alex'], env),
      runCli('budget', ['set', '20', '--reason', 'x'], env),
    ]);
    expect(refusals.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(refusals[0]!.err).toMatch(/^Not changed: the lifetime budget cannot go below what is already spent: 4 \(asked for 3\)/);
    expect(refusals[1]!.err).toMatch(/^Not changed: the lifetime budget must be a positive number/);
    expect(refusals[3]!.err).toMatch(/^Not changed: --reason is required/);
    expect(refusals[4]!.err).toMatch(/^Not changed: --operator is required/);
    expect(digestOf(data)).toBe(before);
    const ledger = (await runCli('budget', ['show'], env)).out;
    expect(ledger).toMatch(/Lifetime budget: epsilon 12\. Spent: 4\. Remaining: 8\./);
  });
});
