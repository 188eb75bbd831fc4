import type { Message, MessageBatch } from '@cloudflare/workers-types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consumeNotifications, parseNotifyMessage } from '../../src/entry/worker/notify-queue.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { claimWake, deliveryLease } from '../../src/subscriptions/lease.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** An admission a source sends now: it raises an encounter-start event in the outbox. */
function admission(id: string) {
  return {
    resourceType: 'Encounter',
    id,
    meta: { source: SOURCE_A },
    status: 'in-progress',
    class: { system: ACT, code: 'IMP' },
    subject: { reference: 'Patient/pa-1' },
    period: { start: new Date(Date.now() - 3_600_000).toISOString() },
  };
}

function ingestBundle(deps: Parameters<typeof ingest>[0], entries: unknown[]) {
  const read = readBundle(bundle('transaction', entries));
  if (Array.isArray(read)) throw new Error(JSON.stringify(read));
  return ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: read.entries });
}

/**
 * A Cloudflare MessageBatch, faked: its delivery is Cloudflare's, outside our control. Records
 * what the consumer acked and what it asked to have retried, and after how long.
 */
function batchOf(bodies: unknown[]) {
  const acked: string[] = [];
  const retried: { id: string; delaySeconds: number | undefined }[] = [];
  const messages = bodies.map(
    (body, i) =>
      ({
        id: `m-${i}`,
        timestamp: new Date(),
        attempts: 1,
        body,
        ack: () => acked.push(`m-${i}`),
        retry: (o?: { delaySeconds?: number }) => retried.push({ id: `m-${i}`, delaySeconds: o?.delaySeconds }),
      }) as unknown as Message<unknown>,
  );
  return { batch: { queue: 'q', messages, ackAll: () => undefined, retryAll: () => undefined } as unknown as MessageBatch<unknown>, acked, retried };
}

describe('delivery woken by messages (the Worker’s Queue consumer)', () => {
  it('takes only the producer’s two shapes; anything else is dropped, never retried forever', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        const parsed = parseNotifyMessage(body);
        if (parsed === undefined) return;
        if ('wake' in parsed) expect(parsed).toEqual({ wake: true });
        else {
          expect(parsed.events.length).toBeGreaterThan(0);
          expect(parsed.events.length).toBeLessThanOrEqual(500);
          for (const e of parsed.events) expect(typeof e === 'string' && e.length > 0 && e.length <= 200).toBe(true);
        }
      }),
    );
    expect(parseNotifyMessage({ events: ['a', 'b'] })).toEqual({ events: ['a', 'b'] });
    expect(parseNotifyMessage({ wake: true })).toEqual({ wake: true });
    for (const bad of [{ events: [] }, { events: ['a', 1] }, { events: Array(501).fill('a') }, { wake: 'yes' }, { wake: true, events: ['a'] }, 'x', null])
      expect(parseNotifyMessage(bad)).toBeUndefined();
  });

  it('tells the listener the outbox events each commit raised, and a listener that fails loses no write', async () => {
    const db = tempDb();
    const heard: string[][] = [];
    const logged: string[] = [];
    const deps = testDeps(db, { onCommitted: (events) => void heard.push([...events]), log: (event) => void logged.push(event) });
    await ingestBundle(deps, [putEntry(patient('pa-1')), putEntry(admission('enc-1'))]);
    const outbox = db.sqlite.prepare('SELECT id FROM notification_events').pluck().all();
    expect(outbox).toHaveLength(1);
    expect(heard).toEqual([outbox]);

    const failing = testDeps(db, {
      onCommitted: () => Promise.reject(new Error('queue unavailable')),
      newId: (() => {
        let n = 0;
        return () => `second-${++n}`;
      })(),
      log: (event) => void logged.push(event),
    });
    const result = await ingestBundle(failing, [putEntry(admission('enc-2'))]);
    expect(result.outcomes.every((o) => o.ok)).toBe(true);
    expect(db.sqlite.prepare("SELECT count(*) FROM resources WHERE id = 'enc-2'").pluck().get()).toBe(1);
    expect(db.sqlite.prepare('SELECT count(*) FROM notification_events').pluck().get()).toBe(2);
    expect(logged).toContain('outbox-announce-failed');
  });

  it('asks for one delayed wake-up per retry time, an earlier one still, and a new one once it has fired', async () => {
    const db = tempDb();
    const t0 = Date.parse('2026-12-03T12:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000);
    expect(await claimWake(db, at(10), at(0))).toBe(true);
    expect(await claimWake(db, at(10), at(1))).toBe(false);
    expect(await claimWake(db, at(20), at(1))).toBe(false);
    expect(await claimWake(db, at(5), at(2))).toBe(true);
    expect(await claimWake(db, at(8), at(3))).toBe(false);
    // The wake-up at 5 s has fired: the next retry gets its own.
    expect(await claimWake(db, at(30), at(6))).toBe(true);
  });

  it('acks a repeat without work, and retries (later, not now) what another pass may have missed while it holds the lease', async () => {
    const db = tempDb();
    const deps = { ...testDeps(db), fhirBase: 'http://gateway.test/fhir' };
    await ingestBundle(deps, [putEntry(patient('pa-1')), putEntry(admission('enc-1'))]);
    const [event] = db.sqlite.prepare('SELECT id FROM notification_events').pluck().all() as string[];

    // Another consumer is mid-pass.
    const other = deliveryLease(db, 'another consumer', 60_000);
    expect(await other.hold()).toBe(true);
    const busy = batchOf([{ events: [event] }, { events: ['no-such-event'] }, 'junk']);
    await consumeNotifications(deps, undefined, busy.batch);
    expect(busy.acked.sort()).toEqual(['m-1', 'm-2']);
    expect(busy.retried).toEqual([{ id: 'm-0', delaySeconds: 2 }]);
    expect(db.sqlite.prepare('SELECT dispatched FROM notification_events').pluck().get()).toBe(0);
    await other.release();

    // Free: the pass runs (the event is numbered) and the message is acked; the same message
    // again is a repeat.
    const free = batchOf([{ events: [event] }]);
    await consumeNotifications(deps, undefined, free.batch);
    expect(free.acked).toEqual(['m-0']);
    expect(db.sqlite.prepare('SELECT dispatched FROM notification_events').pluck().get()).toBe(1);
    expect(db.sqlite.prepare('SELECT count(*) FROM release_lock WHERE id = 2').pluck().get()).toBe(0);
    const again = batchOf([{ events: [event] }, { events: [event] }]);
    await consumeNotifications(deps, undefined, again.batch);
    expect(again.acked).toEqual(['m-0', 'm-1']);
    expect(again.retried).toEqual([]);
  });
});
