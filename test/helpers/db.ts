import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import type { AppDeps } from '../../src/app-env.js';
import { TokenError } from '../../src/auth/verify.js';
import { AuditLog } from '../../src/audit/log.js';
import { defaultCodeLists } from '../../src/labels/index.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { loadPolicies } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';

const policies = await loadPolicies(await readPolicyFiles());

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'cg-test-'): string {
  const dir = suiteDir(prefix);
  cleanups.push(dir.remove);
  return dir.path;
}

/** A temporary directory for a whole suite (made in beforeAll): the caller removes it in afterAll. */
export function suiteDir(prefix = 'cg-suite-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A real, migrated SQLite file in a temporary directory, closed and removed after the test. */
export function tempDb(): SqliteDatabase {
  const db = openSqlite(join(tempDir(), 'test.db'));
  cleanups.unshift(() => db.close());
  return db;
}

/**
 * Deterministic dependencies: a clock that ticks one second per call and sequential ids. Tokens
 * are refused unless a test passes `auth` (see helpers/tokens.ts).
 */
export function testDeps(db: SqliteDatabase, overrides: Partial<AppDeps> = {}): AppDeps {
  let tick = Date.parse('2026-01-15T12:00:00.000Z');
  let id = 0;
  const clock = overrides.clock ?? (() => new Date((tick += 1000)));
  return {
    db,
    config: { baseUrl: 'http://gateway.test', maxBodyBytes: 1024 * 1024, issuer: 'http://gateway.test/oidc', mode: 'development' },
    auth: {
      verifier: {
        verify: async () => Promise.reject(new TokenError('invalid_token', 'no issuer in this test')),
        cached: () => undefined,
        clear: () => undefined,
      },
    },
    clock,
    consent: new ConsentEngine(db, policies, clock),
    codeLists: defaultCodeLists,
    newId: () => `id-${++id}`,
    log: () => undefined,
    audit: new AuditLog(db),
    ...overrides,
  };
}
