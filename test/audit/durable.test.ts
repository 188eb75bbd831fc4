/**
 * "No permitted read leaves before its audit record is durable in the
 * audit database". The gateway as `npm start` boots it used to open audit.db with synchronous=NORMAL;
 * in WAL mode SQLite documents that a commit then "might roll back following a power loss or
 * system crash" (https://sqlite.org/pragma.html#pragma_synchronous). A response whose audit row
 * is lost at a power cut left the gateway before its audit record was durable.
 * Found by the red team: audit.db ran with NORMAL. It now runs FULL, its commits on a writer
 * thread (src/db/sqlite.ts, commits: 'thread') whose connection takes the same setting.
 */
import type { AuditLog } from '../../src/audit/log.js';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { bootstrap } from '../../src/entry/bootstrap.js';
import { addSigningKey } from '../../src/entry/keys-on-disk.js';
import { tempDir } from '../helpers/db.js';

describe('audit durability', () => {
  it('the running gateway commits audit events with synchronous=FULL (durable across power loss), not NORMAL', async () => {
    const dir = tempDir();
    const env = {
      GATEWAY_ENV: 'production',
      DATA_DIR: join(dir, 'data'),
      KEYS_DIR: join(dir, 'keys'),
      FIXTURES_DIR: join(dir, 'fx'),
      PUBLIC_BASE_URL: 'https://gw.example.org',
    };
    await addSigningKey(env.KEYS_DIR, new Date());
    const booted = await bootstrap(loadConfig(env));
    try {
      const auditDb = (booted.deps.audit as AuditLog).db as unknown as { sqlite: { pragma(s: string, o: { simple: true }): unknown } };
      const journal = auditDb.sqlite.pragma('journal_mode', { simple: true });
      const sync = auditDb.sqlite.pragma('synchronous', { simple: true });
      expect(journal).toBe('wal');
      // 2 = FULL, 3 = EXTRA. 1 = NORMAL: WAL commits are not durable against power loss.
      expect(sync, 'audit.db runs with synchronous=NORMAL: committed audit rows can be lost at a power cut after the response was sent').toBeGreaterThanOrEqual(
        2,
      );
    } finally {
      booted.stop();
    }
  });
});
