import type { Message, MessageBatch } from '@cloudflare/workers-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccessRecord } from '../../src/audit/event.js';
import type { UnchainedRow } from '../../src/audit/rows.js';
import {
  BATCH_BYTES,
  BATCH_MESSAGES,
  consumeAuditRows,
  MESSAGE_BYTES,
  packAuditRows,
  parseAuditMessage,
  type AuditMessage,
} from '../../src/entry/worker/audit-queue.js';
import { chainOf, ObjectAuditTrail } from '../../src/entry/worker/audit-trail.js';
import type { WorkerEnv } from '../../src/entry/worker/objects.js';

const access = (person: string, n: number, query = `Group/roster-${n}`): AccessRecord => ({
  requester: undefined,
  interaction: 'read',
  query,
  person,
  outcome: 'permit',
  purpose: 'TREAT',
  when: '2026-12-03T12:00:00.000Z',
  id: `ev-${person}-${n}`,
});

/**
 * The Worker's bindings, faked: Durable Objects and Queues are Cloudflare's. The fake object
 * records each append; the fake queue each sendBatch, checked against Cloudflare's documented
 * limits (a message at most 128 KB, a sendBatch at most 100 messages and 256 KB).
 */
function fakeEnv(withQueue = true) {
  const appended: { chain: string; rows: UnchainedRow[] }[] = [];
  const sent: AuditMessage[][] = [];
  const env = {
    PATIENT: {
      idFromName: (name: string) => name,
      get: () => ({ append: async (chain: string, rows: UnchainedRow[]) => (appended.push({ chain, rows }), { seq: 1, hash: '', added: rows.length }) }),
    },
    ANCHOR: {},
    ...(withQueue
      ? {
          AUDIT: {
            sendBatch: async (messages: { body: AuditMessage }[]) => {
              const sizes = messages.map((m) => new TextEncoder().encode(JSON.stringify(m.body)).length);
              if (messages.length > 100 || sizes.some((s) => s > 128_000) || sizes.reduce((a, b) => a + b, 0) > 256_000)
                throw new Error('over the Queues limits');
              sent.push(messages.map((m) => m.body));
            },
          },
        }
      : {}),
  } as unknown as Pick<WorkerEnv, 'PATIENT' | 'ANCHOR' | 'AUDIT'>;
  return { env, appended, sent };
}

describe('bulk audit on the Worker, through the audit queue', () => {
  it('appends a job over a few chains directly, each chain in one call', async () => {
    const { env, appended, sent } = fakeEnv();
    await new ObjectAuditTrail(env).accessMany([access('p1', 1), access('p2', 1), access('p1', 2)]);
    expect(sent).toEqual([]);
    expect(appended.map((a) => [a.chain, a.rows.map((r) => r.id)]).sort()).toEqual([
      ['patient:p1', ['ev-p1-1', 'ev-p1-2']],
      ['patient:p2', ['ev-p2-1']],
    ]);
  });

  it('sends a roster of thousands through the queue, every record once and in the chain it is about, within the limits', async () => {
    const { env, appended, sent } = fakeEnv();
    const records = Array.from({ length: 2500 }, (_, i) => access(`m${i % 1200}`, i));
    await new ObjectAuditTrail(env).accessMany(records);
    expect(appended).toEqual([]);
    const rows = sent.flat().flatMap((m) => m.rows.map((r) => ({ chain: m.chain, r })));
    expect(rows.map(({ r }) => r.id).sort()).toEqual(records.map((r) => r.id).sort());
    for (const { chain, r } of rows) expect(chainOf(r)).toBe(chain);
    // A message names no one but its chain says whose it is: the queue is inside the deployment.
    expect(sent.flat().every((m) => m.chain.startsWith('patient:'))).toBe(true);
  });

  it('without an audit queue binding, appends everything directly', async () => {
    const { env, appended } = fakeEnv(false);
    await new ObjectAuditTrail(env).accessMany(Array.from({ length: 40 }, (_, i) => access(`m${i}`, i)));
    expect(appended).toHaveLength(40);
  });

  it('packs any rows into messages and batches within the limits, each row once, in order per chain (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 3000 })), { maxLength: 400 }), (spec) => {
        const byChain = new Map<string, UnchainedRow[]>();
        spec.forEach(([who, size], i) => {
          const row = { id: `r${i}`, query: 'x'.repeat(size), person: `p${who}` } as unknown as UnchainedRow;
          const chain = `patient:p${who}`;
          byChain.set(chain, [...(byChain.get(chain) ?? []), row]);
        });
        const { batches, oversized } = packAuditRows(byChain);
        expect(oversized).toEqual([]);
        for (const batch of batches) {
          expect(batch.length).toBeLessThanOrEqual(BATCH_MESSAGES);
          const bytes = batch.map((m) => new TextEncoder().encode(JSON.stringify(m)).length);
          for (const b of bytes) expect(b).toBeLessThanOrEqual(MESSAGE_BYTES);
          expect(bytes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(BATCH_BYTES + 16 * batch.length);
        }
        const perChain = new Map<string, string[]>();
        for (const m of batches.flat()) perChain.set(m.chain, [...(perChain.get(m.chain) ?? []), ...m.rows.map((r) => r.id)]);
        for (const [chain, rows] of byChain) expect(perChain.get(chain)).toEqual(rows.map((r) => r.id));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a message that would put an event in another patient’s chain, or is not ours', () => {
    const row = (person: string | null, id = 'e1') => ({ id, person }) as unknown as UnchainedRow;
    expect(parseAuditMessage({ chain: 'patient:a', rows: [row('a')] }, chainOf)).toBeDefined();
    for (const bad of [
      { chain: 'patient:a', rows: [row('b')] },
      { chain: 'patient:a', rows: [row('a'), row('b', 'e2')] },
      { chain: 'patient:a', rows: [] },
      { chain: 'patient:a', rows: [{ person: 'a' }] },
      { chain: 1, rows: [row('a')] },
      { chain: 'patient:a', rows: Array.from({ length: 101 }, (_, i) => row('a', `e${i}`)) },
      'junk',
      null,
    ])
      expect(parseAuditMessage(bad, chainOf)).toBeUndefined();
  });

  it('consumes: each chain in one append, repeats passed on to the idempotent append, junk dropped, a failed chain retried later', async () => {
    const acked: string[] = [];
    const retried: string[] = [];
    const msg = (id: string, body: unknown, attempts = 1) =>
      ({ id, body, attempts, timestamp: new Date(), ack: () => acked.push(id), retry: () => retried.push(id) }) as unknown as Message<unknown>;
    const r = (person: string, id: string) => ({ id, person }) as unknown as UnchainedRow;
    const batch = {
      queue: 'consent-gateway-audit',
      messages: [
        msg('m1', { chain: 'patient:a', rows: [r('a', 'e1')] }),
        msg('m2', { chain: 'patient:a', rows: [r('a', 'e1'), r('a', 'e2')] }),
        msg('m3', { chain: 'patient:down', rows: [r('down', 'e3')] }),
        msg('m4', { chain: 'patient:a', rows: [r('b', 'e4')] }),
        msg('m5', 'junk'),
      ],
    } as unknown as MessageBatch<unknown>;
    const calls: [string, string[]][] = [];
    const logged: string[] = [];
    await consumeAuditRows(
      batch,
      chainOf,
      async (chain, rows) => {
        if (chain === 'patient:down') throw Object.assign(new Error('overloaded'), { overloaded: true });
        calls.push([chain, rows.map((x) => x.id)]);
      },
      (event, detail) => logged.push(`${event} ${JSON.stringify(detail)}`),
    );
    expect(calls).toEqual([['patient:a', ['e1', 'e1', 'e2']]]);
    expect(acked.sort()).toEqual(['m1', 'm2', 'm4', 'm5']);
    expect(retried).toEqual(['m3']);
    // The log names no patient.
    expect(logged.join('\n')).not.toMatch(/patient:(a|b|down)\b/);
  });
});
