import type { JSONWebKeySet } from 'jose';
import { verifyChains, type ChainSource } from '../../audit/chains.js';
import { compactAccess, type AccessRecord } from '../../audit/event.js';
import { accessRow, eventRow, type UnchainedRow } from '../../audit/rows.js';
import type { AuditTrail, StoredAnchor } from '../../audit/trail.js';
import type { TrailVerdict } from '../../audit/verify.js';
import type { ConsentVersions } from '../../consent/engine.js';
import { anchorObject, chainObject, patientChain, SHARDS, type WorkerEnv } from './objects.js';
import { callObject } from './retry.js';
import { packAuditRows } from './audit-queue.js';

const shardChain = (n: number) => `shard:${n}`;

/**
 * A bulk job's records spanning at most this many chains are appended directly (in parallel,
 * each chain's in one call); more go through the audit queue. A Worker invocation may make only
 * so many subrequests (1,000 on the paid plan), and a roster of thousands would exceed it.
 */
export const DIRECT_CHAINS = 16;

/** FNV-1a over the id: events about no one spread evenly over the shard chains. */
function shardOf(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return (h >>> 0) % SHARDS;
}

/** The chain a row belongs to: hers, or a shard's for an event about no one. */
export function chainOf(row: Pick<UnchainedRow, 'id' | 'person'>): string {
  return row.person ? patientChain(row.person) : shardChain(shardOf(row.id));
}

/**
 * The audit trail on the Worker: one chain per patient in her Durable Object, eight shard
 * chains for events about no one, and the anchor object over them all. An append resolves once
 * her object has made it durable; a retried append is idempotent (by event id), so a
 * `retryable` error is retried and an `overloaded` one is not.
 */
export class ObjectAuditTrail implements AuditTrail {
  constructor(private readonly env: Pick<WorkerEnv, 'PATIENT' | 'ANCHOR' | 'AUDIT'>) {}

  access(record: AccessRecord): Promise<void> {
    return this.append(accessRow(compactAccess(record)));
  }

  /**
   * Resolves once every record is durable: in its chain, or in the audit queue, whose consumer
   * (audit-queue.ts) appends it idempotently. Her accounting shows a queued event once it is
   * consumed, seconds later; the job's answer has waited for the queue to hold it.
   */
  async accessMany(records: readonly AccessRecord[]): Promise<void> {
    const byChain = new Map<string, UnchainedRow[]>();
    for (const record of records) {
      const row = accessRow(compactAccess(record));
      const chain = chainOf(row);
      const rows = byChain.get(chain);
      if (rows) rows.push(row);
      else byChain.set(chain, [row]);
    }
    const queue = this.env.AUDIT;
    if (!queue || byChain.size <= DIRECT_CHAINS) {
      await Promise.all([...byChain].map(([chain, rows]) => this.appendTo(chain, rows)));
      return;
    }
    const { batches, oversized } = packAuditRows(byChain);
    for (const batch of batches) await queue.sendBatch(batch.map((body) => ({ body, contentType: 'json' as const })));
    await Promise.all(oversized.map(([chain, row]) => this.appendTo(chain, [row])));
  }

  record(event: { id: string; recorded: string }, person: string | undefined): Promise<void> {
    return this.append(eventRow(event, person));
  }

  private append(row: UnchainedRow): Promise<void> {
    return this.appendTo(chainOf(row), [row]);
  }

  /** Idempotent by event id, so a `retryable` error is retried (and, from the queue, a message delivered twice adds nothing). */
  async appendTo(chain: string, rows: UnchainedRow[]): Promise<void> {
    await callObject(() => chainObject(this.env, chain).append(chain, rows), { idempotent: true });
  }

  countAbout(person: string): Promise<number> {
    return this.read(patientChain(person), (o) => o.count());
  }

  async eventsAboutAt(person: string, from: number, limit: number): Promise<{ content: string }[]> {
    if (limit <= 0) return [];
    return (await this.read(patientChain(person), (o) => o.at(from, limit))).map((content) => ({ content }));
  }

  eventAbout(person: string, id: string): Promise<string | undefined> {
    return this.read(patientChain(person), (o) => o.event(id));
  }

  anchors(limit = 100): Promise<StoredAnchor[]> {
    return callObject(() => anchorObject(this.env).anchors(limit), { idempotent: true });
  }

  async status(marker: string) {
    const { events, unanchored } = await callObject(() => anchorObject(this.env).totals(), { idempotent: true });
    const found = await Promise.all(Array.from({ length: SHARDS }, (_, n) => this.read(shardChain(n), (o) => o.lastMarked(marker))));
    let lastMarked: Record<string, unknown> | undefined;
    for (const f of found) if (f && (!lastMarked || String(f.recorded) > String(lastMarked.recorded))) lastMarked = f;
    return { events, unanchored, ...(lastMarked ? { lastMarked } : {}) };
  }

  verify(anchorKeys: JSONWebKeySet | undefined, saved: readonly string[] = []): Promise<TrailVerdict> {
    return verifyChains(this.source(), anchorKeys, saved);
  }

  /** The trail as the verifier reads it: every chain the anchor object lists, and every shard. */
  source(): ChainSource {
    // The anchor object's heads, read once per check: the chains it lists and what each reported.
    let heads: Promise<Map<string, { seq: number; anchored: number }>> | undefined;
    const reported = () =>
      (heads ??= (async () => {
        const all = new Map<string, { seq: number; anchored: number }>();
        for (let after = ''; ;) {
          const page = await callObject(() => anchorObject(this.env).heads(after, 5_000), { idempotent: true });
          for (const h of page) all.set(h.chain, { seq: h.seq, anchored: h.anchored });
          if (page.length < 5_000) return all;
          after = page[page.length - 1]!.chain;
        }
      })());
    return {
      chainNames: async () => [...new Set([...Array.from({ length: SHARDS }, (_, n) => shardChain(n)), ...(await reported()).keys()])],
      reported,
      rows: (chain, after, limit) => this.read(chain, (o) => o.rows(after, limit)),
      hashAt: (chain, seq) => this.read(chain, (o) => o.hashAt(seq)),
      anchors: () => this.anchors(1_000_000),
    };
  }

  private read<T>(chain: string, call: (o: ReturnType<typeof chainObject>) => Promise<T>): Promise<T> {
    return callObject(() => call(chainObject(this.env, chain)), { idempotent: true });
  }
}

/** Her consent version in her object: what the consent engine asks once per request on the Worker. */
export function objectConsentVersions(env: Pick<WorkerEnv, 'PATIENT'>): ConsentVersions {
  const her = (person: string) => chainObject(env, patientChain(person));
  return {
    current: (person) => callObject(() => her(person).current(), { idempotent: true }),
    // Moving the version twice is harmless: these are idempotent for the engine's purpose.
    changing: (person) => callObject(() => her(person).changing(), { idempotent: true }),
    changed: (person) => callObject(() => her(person).changed(), { idempotent: true }),
  };
}
