import type { SqlExec } from '../audit/chain-store.js';

/**
 * A patient's consent version where it lives outside the shared database: in her Durable
 * Object (src/entry/worker/patient-object.ts), one place every isolate asks. The consent
 * engine keeps her view only while her version stands still and is settled (ConsentVersions in
 * src/consent/engine.ts).
 *
 * A write is bracketed: `changing` moves the version and counts a writer, `changed` moves it
 * again and counts the writer out. While a writer is in, views read are used once and not
 * kept (what they read may be half before the write). A writer killed in between is counted
 * out when its lease runs out, and the version moves once more then, so no view read during
 * its write is ever kept.
 */
export class VersionStore {
  constructor(
    private readonly sql: SqlExec,
    private readonly leaseMs = 30_000,
  ) {
    sql.exec(
      'CREATE TABLE IF NOT EXISTS consent_version (k INTEGER PRIMARY KEY CHECK (k = 1), version INTEGER NOT NULL, writers INTEGER NOT NULL, lease_until INTEGER NOT NULL)',
    );
    sql.exec('INSERT OR IGNORE INTO consent_version (k, version, writers, lease_until) VALUES (1, 0, 0, 0)');
  }

  current(now: number): { version: number; settled: boolean } {
    const s = this.state();
    if (s.writers > 0 && s.lease_until <= now) {
      this.sql.exec('UPDATE consent_version SET version = version + 1, writers = 0, lease_until = 0 WHERE k = 1');
      return { version: s.version + 1, settled: true };
    }
    return { version: s.version, settled: s.writers === 0 };
  }

  changing(now: number): void {
    this.sql.exec('UPDATE consent_version SET version = version + 1, writers = writers + 1, lease_until = max(lease_until, ?) WHERE k = 1', now + this.leaseMs);
  }

  changed(): void {
    this.sql.exec(
      'UPDATE consent_version SET version = version + 1, writers = max(writers - 1, 0), lease_until = CASE WHEN writers <= 1 THEN 0 ELSE lease_until END WHERE k = 1',
    );
  }

  private state(): { version: number; writers: number; lease_until: number } {
    const [row] = this.sql.exec('SELECT version, writers, lease_until FROM consent_version WHERE k = 1');
    return row as { version: number; writers: number; lease_until: number };
  }
}
