import type { Message, MessageBatch } from '@cloudflare/workers-types';
import type { UnchainedRow } from '../../audit/rows.js';

/**
 * A bulk job's audit rows for one chain, on their way to it through the audit queue. Only ever
 * written by this Worker (a queue has no other producer); the consumer still checks each row
 * belongs to the chain it names, so a message cannot put an event in someone else's accounting.
 */
export interface AuditMessage {
  chain: string;
  rows: UnchainedRow[];
}

/** Cloudflare's limits, with room: a message is at most 128 KB, a sendBatch 100 messages and 256 KB. */
export const MESSAGE_BYTES = 100_000;
export const BATCH_MESSAGES = 100;
export const BATCH_BYTES = 240_000;
const MESSAGE_ROWS = 100;

/**
 * Packs rows (grouped by chain, in order) into messages and the messages into sendBatch calls,
 * each within the limits above. A row too large for any message is returned apart, for the
 * caller to append directly.
 */
export function packAuditRows(byChain: ReadonlyMap<string, readonly UnchainedRow[]>): { batches: AuditMessage[][]; oversized: [string, UnchainedRow][] } {
  const messages: { body: AuditMessage; bytes: number }[] = [];
  const oversized: [string, UnchainedRow][] = [];
  for (const [chain, rows] of byChain) {
    let current: { body: AuditMessage; bytes: number } | undefined;
    for (const row of rows) {
      const bytes = new TextEncoder().encode(JSON.stringify(row)).length + 1;
      if (bytes + chain.length + 32 > MESSAGE_BYTES) {
        oversized.push([chain, row]);
        continue;
      }
      if (!current || current.bytes + bytes > MESSAGE_BYTES || current.body.rows.length >= MESSAGE_ROWS) {
        current = { body: { chain, rows: [] }, bytes: chain.length + 32 };
        messages.push(current);
      }
      current.body.rows.push(row);
      current.bytes += bytes;
    }
  }
  const batches: AuditMessage[][] = [];
  let batch: AuditMessage[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (batch.length >= BATCH_MESSAGES || bytes + m.bytes > BATCH_BYTES) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(m.body);
    bytes += m.bytes;
  }
  if (batch.length > 0) batches.push(batch);
  return { batches, oversized };
}

/** A message body as packAuditRows writes it, with every row in the chain it names; anything else is undefined. */
export function parseAuditMessage(body: unknown, chainOf: (row: UnchainedRow) => string): AuditMessage | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { chain, rows } = body as { chain?: unknown; rows?: unknown };
  if (typeof chain !== 'string' || !Array.isArray(rows) || rows.length === 0 || rows.length > MESSAGE_ROWS) return undefined;
  for (const r of rows) {
    if (r === null || typeof r !== 'object' || typeof (r as { id?: unknown }).id !== 'string') return undefined;
    if (chainOf(r as UnchainedRow) !== chain) return undefined;
  }
  return { chain, rows: rows as UnchainedRow[] };
}

/**
 * The audit queue's consumer: each chain's rows appended to it in one call. An append is
 * idempotent by event id (src/audit/chain-store.ts), so a message delivered twice adds its
 * events once; order across messages does not matter, since each row carries its own time. A
 * chain that cannot be reached now has its messages retried later; a message that is not ours
 * is dropped (acked) and logged, never retried forever.
 */
export async function consumeAuditRows(
  batch: MessageBatch<unknown>,
  chainOf: (row: UnchainedRow) => string,
  append: (chain: string, rows: UnchainedRow[]) => Promise<unknown>,
  log: (event: string, detail: Record<string, unknown>) => void,
): Promise<void> {
  const byChain = new Map<string, { messages: Message<unknown>[]; rows: UnchainedRow[] }>();
  for (const m of batch.messages) {
    const body = parseAuditMessage(m.body, chainOf);
    if (!body) {
      log('audit-message-dropped', { id: m.id });
      m.ack();
      continue;
    }
    let group = byChain.get(body.chain);
    if (!group) byChain.set(body.chain, (group = { messages: [], rows: [] }));
    group.messages.push(m);
    group.rows.push(...body.rows);
  }
  await Promise.all(
    [...byChain].map(async ([chain, group]) => {
      try {
        // In slices the size of one message, so one call stays small whatever the batch holds.
        for (let i = 0; i < group.rows.length; i += MESSAGE_ROWS) await append(chain, group.rows.slice(i, i + MESSAGE_ROWS));
        for (const m of group.messages) m.ack();
      } catch (err) {
        log('audit-append-failed', { chain: chain.replace(/:.*/, ':…'), message: err instanceof Error ? err.message : String(err) });
        for (const m of group.messages) m.retry({ delaySeconds: Math.min(60, 2 ** m.attempts) });
      }
    }),
  );
}
