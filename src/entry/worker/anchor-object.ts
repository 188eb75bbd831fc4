import type { DurableObjectState } from '@cloudflare/workers-types';
import { DurableObject } from 'cloudflare:workers';
import { anchorSigner, sealedAnchorClaims, type AnchorSigner, type ChainHead } from '../../audit/anchors.js';
import type { SqlExec } from '../../audit/chain-store.js';
import type { StoredAnchor } from '../../audit/trail.js';
import { msSetting, type WorkerEnv } from './objects.js';

/** Heads signed in one anchor at most: a JWS stays well under the object's row limit. */
const MAX_HEADS_PER_ANCHOR = 2_000;

/**
 * The anchor object (`anchors`): each chain's object reports its head here, and an alarm at
 * most `ANCHOR_EVERY_MS` (60 s) after a report signs every head that moved since the last
 * anchor (their Merkle root, RFC 6962) with the gateway's key, the way a transparency log signs
 * tree heads. What can be cut off a chain unseen is what came after its last anchored head.
 *
 * It holds one row per chain (the directory the verifier walks) and is called once per chain
 * per report interval, not per event; docs/scaling.md sizes it, and says where it must be split.
 */
export class AnchorObject extends DurableObject<WorkerEnv> {
  private readonly sql: SqlExec;
  private readonly sign: AnchorSigner | undefined;
  private scheduled = false;

  constructor(ctx: DurableObjectState, env: WorkerEnv) {
    super(ctx, env);
    this.sql = { exec: (q, ...p) => ctx.storage.sql.exec(q, ...p).toArray() };
    this.sql.exec('CREATE TABLE IF NOT EXISTS heads (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL, anchored_seq INTEGER NOT NULL)');
    this.sql.exec('CREATE TABLE IF NOT EXISTS anchors (n INTEGER PRIMARY KEY AUTOINCREMENT, issued_at TEXT NOT NULL, jws TEXT NOT NULL, heads TEXT)');
    // An object made before anchors were sealed has no heads column; its old anchors carry their heads in the open.
    if (!this.sql.exec('PRAGMA table_info(anchors)').some((c) => c.name === 'heads')) this.sql.exec('ALTER TABLE anchors ADD COLUMN heads TEXT');
    const jwk = typeof env.GATEWAY_SIGNING_JWK === 'string' ? env.GATEWAY_SIGNING_JWK : undefined;
    this.sign = jwk ? anchorSigner(JSON.parse(jwk), String(env.PUBLIC_BASE_URL ?? '')) : undefined;
  }

  /** A chain's head; a lower one than known (a late, retried report) changes nothing. */
  async report(chain: string, seq: number, hash: string): Promise<void> {
    this.sql.exec(
      'INSERT INTO heads (chain, seq, hash, anchored_seq) VALUES (?, ?, ?, 0) ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash WHERE excluded.seq > heads.seq',
      chain,
      seq,
      hash,
    );
    if (!this.scheduled) {
      this.scheduled = true;
      const due = Date.now() + msSetting(this.env, 'ANCHOR_EVERY_MS', 60_000);
      const at = await this.ctx.storage.getAlarm();
      if (at === null || at > due) await this.ctx.storage.setAlarm(due);
    }
  }

  async alarm(): Promise<void> {
    this.scheduled = false;
    const more = await this.anchorNow();
    if (more === MAX_HEADS_PER_ANCHOR) await this.ctx.storage.setAlarm(Date.now() + 1_000);
  }

  /** Signs the heads that moved since they were last anchored; how many it signed. */
  async anchorNow(): Promise<number | undefined> {
    if (!this.sign) return undefined;
    const moved = this.sql.exec(
      'SELECT chain, seq, hash FROM heads WHERE seq > anchored_seq ORDER BY chain LIMIT ?',
      MAX_HEADS_PER_ANCHOR,
    ) as unknown as ChainHead[];
    if (moved.length === 0) return 0;
    // Sealed: the chains are named after patients, so only their root and count are signed and
    // published; the heads stay here, beside the anchor, for the verifier.
    const [last] = this.sql.exec('SELECT n, jws FROM anchors ORDER BY n DESC LIMIT 1') as { n: number; jws: string }[];
    const n = (last?.n ?? 0) + 1;
    const jws = await this.sign(sealedAnchorClaims(moved, n, last?.jws));
    // A report that came in while signing moved its head further: only what was signed is marked.
    this.ctx.storage.transactionSync(() => {
      this.sql.exec('INSERT INTO anchors (n, issued_at, jws, heads) VALUES (?, ?, ?, ?)', n, new Date().toISOString(), jws, JSON.stringify(moved));
      for (const h of moved) this.sql.exec('UPDATE heads SET anchored_seq = ? WHERE chain = ? AND anchored_seq < ?', h.seq, h.chain, h.seq);
    });
    return moved.length;
  }

  anchors(limit: number): StoredAnchor[] {
    const rows = this.sql.exec('SELECT n, issued_at, jws, heads FROM anchors ORDER BY n DESC LIMIT ?', limit) as {
      n: number;
      issued_at: string;
      jws: string;
      heads: string | null;
    }[];
    return rows.map((r) => ({ seq: r.n, issuedAt: r.issued_at, jws: r.jws, ...(r.heads !== null ? { heads: keptHeads(r.heads) } : {}) }));
  }

  /** Each chain's reported head, and how far the object says it has anchored it (which the verifier checks against the anchors). */
  heads(after: string, limit: number): (ChainHead & { anchored: number })[] {
    return this.sql.exec(
      'SELECT chain, seq, hash, anchored_seq AS anchored FROM heads WHERE chain > ? ORDER BY chain LIMIT ?',
      after,
      Math.min(limit, 5_000),
    ) as unknown as (ChainHead & { anchored: number })[];
  }

  /** Chains reported, their events, and how many of them have events after their last anchored head. */
  totals(): { chains: number; events: number; unanchored: number } {
    const [row] = this.sql.exec(
      'SELECT count(*) AS chains, coalesce(sum(seq), 0) AS events, coalesce(sum(seq > anchored_seq), 0) AS unanchored FROM heads',
    ) as { chains: number; events: number; unanchored: number }[];
    return row ?? { chains: 0, events: 0, unanchored: 0 };
  }
}

/** Kept heads as stored; text that does not parse is kept as nothing, which the verifier reports. */
function keptHeads(text: string): ChainHead[] {
  try {
    return JSON.parse(text) as ChainHead[];
  } catch {
    return [];
  }
}
