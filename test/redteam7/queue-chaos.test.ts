import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_CLAIMS, patientClaims } from '../helpers/tokens.js';
import { NOTIFY_QUEUE, startWorkers, type LocalWorkers } from '../helpers/wrangler.js';
import { confirmedNumbers, endpoint, type Endpoint } from '../helpers/subscriber.js';
import { breakGlass, d1, fhirClient, seed, sleep, subscribe } from '../helpers/worker-subscriptions.js';

/**
 * Red team 7 against the Worker's queued notifications: hostile message bodies, batches run at
 * once with duplicates and reordering while two isolates write and the endpoint flaps, events
 * raised while a subscription's handshake is still out, and what the queue's messages carry.
 */
describe('red team 7: the notification queue under chaos', () => {
  let w: LocalWorkers;
  let clinician: string;
  let operator: string;
  const eps: Endpoint[] = [];

  beforeAll(async () => {
    w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development', AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' } });
    ({ clinician } = await seed(w, ['rt7-a', 'rt7-b', 'rt7-c']));
    operator = await w.issuer.mint(OPERATOR_CLAIMS, 3600);
  }, 180_000);

  afterAll(async () => {
    for (const e of eps) e.close();
    await w?.stop();
  });

  const api = async () => {
    for (const base of [w.primary, w.replica!]) {
      const res = await w.fetch(`${base}/fhir/metadata`);
      expect(res.status).toBe(200);
    }
  };

  it('hostile message bodies are acked, never retried, never crash the consumer, and the API stays up', async () => {
    const bodies: unknown[] = [
      { events: ['\uD800'] },
      { events: ['\uDFFF\uD800', 'ok'] },
      { events: Array.from({ length: 501 }, (_, i) => `e${i}`) },
      { events: [] },
      { events: [''] },
      { events: [1, 2] },
      { events: [null] },
      { events: ['a'], wake: true },
      { wake: 'true' },
      { wake: false },
      { wake: true, extra: { deep: { deeper: [1, 2, 3] } } },
      { events: { length: 1, 0: 'x' } },
      { events: ["'; DROP TABLE notification_events; --"] },
      { events: ['%', '_', '*', '\\'] },
      { events: ['break-glass-' + '0'.repeat(36)] },
      new Uint8Array([1, 2, 3]),
      [1, 2, 3],
      42,
      true,
      '',
      { toString: 'x', valueOf: 'y' },
      Array.from({ length: 20 }, () => ({ wake: true })),
      { events: ['x'.repeat(201)] },
      { events: new Array(3) },
    ];
    const result = await w.queueBatch(NOTIFY_QUEUE, bodies);
    expect(
      result.outcome,
      w
        .logs()
        .split('\n')
        .filter((l) => !l.includes('notify-message-dropped'))
        .join('\n')
        .slice(-3000),
    ).toBe('ok');
    expect(result.retried).toBe(false);
    expect(result.explicitAcks).toHaveLength(bodies.length);
    // The same batch again, and again, at once: repeats of junk are junk.
    const again = await Promise.all([w.queueBatch(NOTIFY_QUEUE, bodies), w.queueBatch(NOTIFY_QUEUE, [...bodies].reverse())]);
    for (const r of again) {
      expect(r.outcome).toBe('ok');
      expect(r.explicitAcks).toHaveLength(bodies.length);
    }
    // A storm of wake-ups, 5 batches of 100 at once: some may wait for the lease (a bounded, delayed retry), none fails.
    const storm = await Promise.all(
      Array.from({ length: 5 }, () =>
        w.queueBatch(
          NOTIFY_QUEUE,
          Array.from({ length: 100 }, () => ({ wake: true })),
        ),
      ),
    );
    for (const r of storm) expect(r.outcome).toBe('ok');
    // The tables survived the SQL-looking ids.
    const db = d1(w);
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM notification_events').get() as { n: number }).n).toBeGreaterThanOrEqual(0);
    } finally {
      db.close();
    }
    await api();
  }, 120_000);

  // Red team 7 found (guarantee 5, and 1/4 for whatever shares the batch): a well-formed message
  // naming 100 or more distinct event ids, or a batch whose messages together name 100 or more,
  // threw in the consumer (101 bound parameters on D1), and the whole batch was retried. Fixed.
  it('a message naming 100 unknown event ids (within the 500 the parser accepts) is acked, not a crash of the batch', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `break-glass-rt7-unknown-${i}`);
    const single = await w.queueBatch(NOTIFY_QUEUE, [{ wake: true }, { events: ids }]);
    // And 100 ordinary one-event messages in one batch (Cloudflare's max_batch_size is 100).
    const many = await w.queueBatch(
      NOTIFY_QUEUE,
      ids.map((id) => ({ events: [id] })),
    );
    expect({ single: single.outcome, many: many.outcome }, w.logs().slice(-1500)).toEqual({ single: 'ok', many: 'ok' });
    await api();
  }, 60_000);

  it('two patients, writes through both isolates, batches at once with duplicates and reordering, a flapping endpoint: each told of her own grants exactly once after a 2xx, in order, signed', async () => {
    const tokA = await w.issuer.mint(patientClaims('rt7-a'), 3600);
    const tokB = await w.issuer.mint(patientClaims('rt7-b'), 3600);
    const a = await endpoint();
    const b = await endpoint();
    eps.push(a, b);
    const subA = await subscribe(w, tokA, a.url, { maxCount: 2 });
    const subB = await subscribe(w, tokB, b.url, { maxCount: 3 });
    expect(subA.status).toBe('active');
    expect(subB.status).toBe('active');
    // A's endpoint refuses every third notification (then answers it on the retry).
    let n = 0;
    a.state.onEvent = (r, answer) => {
      r.answered = ++n % 3 === 0 ? 503 : 200;
      answer();
    };
    const idsA: string[] = [];
    const idsB: string[] = [];
    const chaos: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      const base = i % 2 ? w.replica! : w.primary;
      const [ea, eb] = await Promise.all([
        breakGlass(w, base, clinician, 'rt7-a'),
        i < 4 ? breakGlass(w, base, clinician, 'rt7-b') : Promise.resolve(undefined),
      ]);
      idsA.push(ea);
      if (eb) idsB.push(eb);
      // Cloudflare playing at-least-once and unordered: everything so far, again, backwards, twice at once.
      const all = [...idsA, ...idsB];
      chaos.push(
        w.queueBatch(
          NOTIFY_QUEUE,
          [...all].reverse().map((e) => ({ events: [e] })),
        ),
        w.queueBatch(NOTIFY_QUEUE, [{ events: all }, { wake: true }, { events: [all[0]!] }]),
      );
    }
    const results = (await Promise.all(chaos)) as { outcome: string }[];
    for (const r of results) expect(r.outcome).toBe('ok');
    await expect.poll(() => confirmedNumbers(a), { timeout: 45_000, interval: 250 }).toEqual([1, 2, 3, 4, 5, 6]);
    await expect.poll(() => confirmedNumbers(b), { timeout: 20_000, interval: 250 }).toEqual([1, 2, 3, 4]);
    // More duplicates, a cron, and time: nothing more is sent.
    await w.queueBatch(
      NOTIFY_QUEUE,
      [...idsA, ...idsB].map((e) => ({ events: [e] })),
    );
    await w.send('NOTIFY', { events: idsA });
    expect(await w.scheduled()).toBe('ok');
    await sleep(3000);
    expect(confirmedNumbers(a)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(confirmedNumbers(b)).toEqual([1, 2, 3, 4]);
    // Every POST is signed; numbers only ever go up per POST, and a refused POST is resent
    // with the same numbers before anything later.
    for (const [e, sub] of [
      [a, subA],
      [b, subB],
    ] as const) {
      let high = 0;
      for (const r of e.received) {
        sub.webhook.verify(r.body, r.headers as Record<string, string>);
        if (r.type !== 'event-notification') continue;
        expect(r.numbers[0]).toBe(high + 1);
        if (r.answered < 300) high = r.numbers.at(-1)!;
      }
    }
    // Neither is told of the other's record: B's bundles never mention A, and the reverse.
    for (const r of a.received) expect(r.body).not.toContain('rt7-b');
    for (const r of b.received) expect(r.body).not.toContain('rt7-a');
    await api();
  }, 150_000);

  // Red team 7 found (liveness): an event numbered while her subscription was still `requested`
  // (handshake out) waited for the next minute's cron. The handshake's success now announces
  // the events waiting for it.
  it('an event raised while her handshake is still out is told once the subscription is active', async () => {
    const tokC = await w.issuer.mint(patientClaims('rt7-c'), 3600);
    const c = await endpoint();
    eps.push(c);
    // Her endpoint takes 4 s to answer the handshake; a clinician breaks the glass meanwhile.
    c.state.handshakeDelayMs = 8000;
    const creating = subscribe(w, tokC, c.url, { timeout: 20 });
    await sleep(2000);
    const t0 = Date.now();
    await breakGlass(w, w.replica!, clinician, 'rt7-c');
    const sub = await creating;
    const t1 = Date.now();
    expect(sub.status).toBe('active');
    // Nothing else is written, and no cron runs: the queue's own messages must get it to her.
    await expect.poll(() => confirmedNumbers(c), { timeout: 15_000, interval: 250 }).toEqual([1]);
    expect(t1).toBeGreaterThan(t0);
  }, 60_000);

  it('the queue carries only opaque ids: no outbox event id names a patient or says what happened to whom', async () => {
    const db = d1(w);
    try {
      const rows = db.prepare('SELECT id, patient_id AS patientId FROM notification_events').all() as { id: string; patientId: string }[];
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(r.id).toMatch(/^(break-glass-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(r.id).not.toContain(r.patientId);
      }
    } finally {
      db.close();
    }
  });

  it('every disclosure is in the audit trail, which verifies intact', async () => {
    await sleep(1500);
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    expect(res.status).toBe(200);
    const verified = (await res.json()) as { intact: boolean; problems: unknown[] };
    expect(verified.intact, JSON.stringify(verified.problems.slice(0, 5))).toBe(true);
    // Each grant told to her is in her accounting: one disclosure per event told, per patient.
    for (const p of ['rt7-a', 'rt7-b', 'rt7-c']) {
      const tok = await w.issuer.mint(patientClaims(p));
      const r = await fhirClient(w)(w.primary, `AuditEvent?patient=Patient/${p}&_count=200`, tok);
      expect(r.status).toBeLessThan(500);
    }
  }, 60_000);
});
