import type { DurableObjectState } from '@cloudflare/workers-types';
import { DurableObject } from 'cloudflare:workers';
import { ChainStore, type SqlExec } from '../../audit/chain-store.js';
import type { UnchainedRow } from '../../audit/rows.js';
import { VersionStore } from '../../consent/versions-store.js';
import { anchorObject, msSetting, type WorkerEnv } from './objects.js';

/**
 * One patient's Durable Object (`patient:<id>`): her audit chain and her consent version, in
 * the object's own SQLite. Every isolate that reads her record asks here, so a consent write
 * through one isolate is seen by the next request through any other; and an append returns
 * only once the object's output gate has made it durable. The same class holds the shard
 * chains (`shard:<n>`) of events about no one.
 *
 * Its head goes to the anchor object: at once the first time (so the anchor object's list of
 * chains, which the verifier walks, never misses one), then by an alarm a few seconds after
 * writes, so a busy patient costs the anchor object one call per interval, not one per event.
 */
export class PatientObject extends DurableObject<WorkerEnv> {
  private readonly chain: ChainStore;
  private readonly versions: VersionStore;
  private readonly sql: SqlExec;
  private reporting = false;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.sql = { exec: (q, ...p) => ctx.storage.sql.exec(q, ...p).toArray() };
    this.sql.exec('CREATE TABLE IF NOT EXISTS chain_meta (k INTEGER PRIMARY KEY CHECK (k = 1), name TEXT NOT NULL, listed INTEGER NOT NULL)');
    this.chain = new ChainStore(this.sql);
    this.versions = new VersionStore(this.sql, msSetting(env, 'CONSENT_LEASE_MS', 30_000));
  }

  async append(name: string, rows: UnchainedRow[]): Promise<{ seq: number; hash: string; added: number }> {
    const result = this.ctx.storage.transactionSync(() => {
      this.sql.exec('INSERT OR IGNORE INTO chain_meta (k, name, listed) VALUES (1, ?, 0)', name);
      return this.chain.append(rows);
    });
    const [meta] = this.sql.exec('SELECT listed FROM chain_meta WHERE k = 1') as { listed: number }[];
    if (!meta?.listed) {
      await anchorObject(this.env).report(name, result.seq, result.hash);
      this.sql.exec('UPDATE chain_meta SET listed = 1 WHERE k = 1');
    } else if (!this.reporting) {
      this.reporting = true;
      await this.ctx.storage.setAlarm(Date.now() + msSetting(this.env, 'AUDIT_REPORT_MS', 5_000));
    }
    return result;
  }

  /** Reports the head to the anchor object; a failure makes the runtime retry the alarm. */
  async alarm(): Promise<void> {
    this.reporting = false;
    const [meta] = this.sql.exec('SELECT name FROM chain_meta WHERE k = 1') as { name: string }[];
    if (!meta) return;
    const head = this.chain.head();
    await anchorObject(this.env).report(meta.name, head.seq, head.hash);
  }

  head() {
    return this.chain.head();
  }
  count() {
    return this.chain.count();
  }
  at(from: number, limit: number) {
    return this.chain.at(from, limit);
  }
  event(id: string) {
    return this.chain.event(id);
  }
  rows(after: number | undefined, limit: number) {
    return this.chain.rows(after, Math.min(limit, 1000));
  }
  hashAt(seq: number) {
    return this.chain.hashAt(seq);
  }
  lastMarked(marker: string) {
    return this.chain.lastMarked(marker);
  }
  current() {
    return this.versions.current(Date.now());
  }
  changing() {
    this.versions.changing(Date.now());
  }
  changed() {
    this.versions.changed();
  }
}
