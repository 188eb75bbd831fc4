import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_CLAIMS, patientClaims, sourceClaims } from '../helpers/tokens.js';
import { compactAccess } from '../../src/audit/event.js';
import { accessRow } from '../../src/audit/rows.js';
import { confirmedNumbers, endpoint } from '../helpers/subscriber.js';
import { breakGlass as grant, fhirClient, seed, subscribe } from '../helpers/worker-subscriptions.js';
import { AUDIT_QUEUE, NOTIFY_QUEUE, startWorkers, type LocalWorkers } from '../helpers/wrangler.js';

/**
 * Notifications on the Worker go through a Cloudflare Queue, which delivers at least once and
 * in no particular order. Black box: a patient registers her endpoint for break-the-glass with
 * her own token, clinicians break the glass through two workers (two isolates), and her endpoint
 * must be told of each grant once, in event-number order, signed; duplicated and reordered
 * messages handed straight to the consumer (playing Cloudflare's delivery, which the local queue
 * does not misbehave by itself) must change nothing; an endpoint that is down must be told once
 * it is back; and every disclosure must be in an audit chain that verifies.
 *
 * Bulk jobs' audit events go through a second queue, a message per patient's chain: each must
 * appear in her accounting once however often it is delivered, and a message cannot put an
 * event in a chain it is not about.
 */
describe('Worker queues: notifications, and bulk jobs’ audit events', () => {
  let w: LocalWorkers;
  let her: string;
  let clinician: string;
  let operator: string;
  const fhir = (base: string, path: string, token: string, body?: object) => fhirClient(w)(base, path, token, body);
  /** A clinician breaks the glass on her record; the outbox event's id, which the queue's messages carry. */
  const breakGlass = (base: string) => grant(w, base, clinician, 'nq-1');

  beforeAll(async () => {
    // Development mode: the subscriber's endpoint is on loopback, which production refuses (SSRF).
    w = await startWorkers({ replica: true, vars: { GATEWAY_ENV: 'development', AUDIT_REPORT_MS: '200', ANCHOR_EVERY_MS: '500' } });
    ({ clinician } = await seed(w, ['nq-1']));
    her = await w.issuer.mint(patientClaims('nq-1'));
    operator = await w.issuer.mint(OPERATOR_CLAIMS);
  }, 180_000);

  afterAll(async () => {
    await w?.stop();
  });

  it('tells her endpoint of each grant once, in order, through either worker; duplicates and reordering change nothing; a down endpoint is told when back', async () => {
    const hook = await endpoint();
    try {
      const sub = await subscribe(w, her, hook.url);
      expect(sub.status).toBe('active');
      const webhook = sub.webhook;

      // Three grants, through both isolates.
      const events = [await breakGlass(w.primary), await breakGlass(w.replica!), await breakGlass(w.primary)];
      const numbersTold = () => confirmedNumbers(hook);
      await expect.poll(numbersTold, { timeout: 20_000, interval: 200 }).toEqual([1, 2, 3]);
      for (const r of hook.received) webhook.verify(r.body, r.headers as Record<string, string>);

      // Cloudflare delivers each message at least once, in any order: the same events again,
      // reversed and repeated, a message about an event that does not exist, and ones that are
      // not messages of ours at all. All are acknowledged (none is retried forever), and she is
      // told nothing twice.
      const posts = hook.received.length;
      const result = await w.queueBatch(NOTIFY_QUEUE, [
        { events: [events[2]] },
        { events: [events[0], events[1]] },
        { events: [events[2]] },
        { events: ['break-glass-no-such-grant'] },
        { wake: true },
        'not json of ours',
        { events: 'x'.repeat(10_000) },
        null,
      ]);
      expect(result.outcome).toBe('ok');
      expect(result.retried).toBe(false);
      expect(result.explicitAcks).toHaveLength(8);
      for (const body of [{ events }, { events: [events[1]] }]) await w.send('NOTIFY', body);
      expect(await w.scheduled()).toBe('ok');
      await new Promise((r) => setTimeout(r, 2500));
      expect(hook.received.length).toBe(posts);
      expect(numbersTold()).toEqual([1, 2, 3]);

      // Her endpoint goes down: the fourth grant is tried, refused, and told once it is back,
      // by the consumer's own delayed wake-up (no cron, no further message).
      hook.state.status = 503;
      await breakGlass(w.replica!);
      await expect.poll(() => hook.received.filter((r) => r.answered === 503).length, { timeout: 20_000, interval: 200 }).toBeGreaterThan(0);
      hook.state.status = 200;
      await expect.poll(numbersTold, { timeout: 30_000, interval: 250 }).toEqual([1, 2, 3, 4]);
    } finally {
      hook.close();
    }

    // Every disclosure the notifications made is in an audit chain that verifies.
    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    const verified = (await res.json()) as { intact: boolean; problems: unknown[] };
    expect(verified.intact, JSON.stringify(verified.problems.slice(0, 5))).toBe(true);
  }, 120_000);

  it('appends a bulk job’s audit events from the queue once each, however often delivered, and only to the chain they are about', async () => {
    /** The ids of the bulk events in her accounting, as often as each appears. */
    const bulkInHers = async () => {
      const res = await fhir(w.replica!, 'AuditEvent?patient=Patient/nq-1&_count=500', her);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { total: number; entry?: { resource: { id: string } }[] };
      expect(page.entry?.length).toBe(page.total);
      return (page.entry ?? [])
        .map((e) => e.resource.id)
        .filter((id) => id.startsWith('bulk-'))
        .sort();
    };
    // Her person id, as the trail names her: from an event in her accounting.
    const first = (await (await fhir(w.primary, 'AuditEvent?patient=Patient/nq-1&_count=1', her)).json()) as {
      entry: { resource: { entity: { what: { reference: string }; role?: { code: string } }[] } }[];
    };
    const person = first.entry[0]!.resource.entity.find((e) => e.role?.code === '1')!.what.reference.replace('Patient/', '');
    const chain = `patient:${person}`;
    const row = (id: string, who = person) =>
      accessRow(
        compactAccess({
          requester: undefined,
          interaction: 'read',
          query: 'Group/roster-oak',
          person: who,
          outcome: 'permit',
          purpose: 'TREAT',
          when: new Date().toISOString(),
          id,
        }),
      );
    const result = await w.queueBatch(AUDIT_QUEUE, [
      { chain, rows: [row('bulk-a')] },
      { chain, rows: [row('bulk-a'), row('bulk-b')] },
      { chain, rows: [row('bulk-b')] },
      // A row about someone else, sent to her chain: dropped, in neither.
      { chain, rows: [row('bulk-forged', 'someone-else')] },
      { chain: 'patient:someone-else', rows: [row('bulk-forged-2')] },
      'junk',
    ]);
    expect(result.outcome).toBe('ok');
    expect(result.retried).toBe(false);
    expect(await bulkInHers()).toEqual(['bulk-a', 'bulk-b']);

    // Through the real local queue, twice.
    for (let i = 0; i < 2; i++) await w.send('AUDIT', { chain, rows: [row('bulk-c')] });
    await expect.poll(bulkInHers, { timeout: 15_000, interval: 250 }).toContain('bulk-c');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await bulkInHers()).toEqual(['bulk-a', 'bulk-b', 'bulk-c']);

    const res = await w.fetch(`${w.primary}/admin/audit/verify`, { method: 'POST', headers: { authorization: `Bearer ${operator}` } });
    const verified = (await res.json()) as { intact: boolean; problems: unknown[] };
    expect(verified.intact, JSON.stringify(verified.problems.slice(0, 5))).toBe(true);
  }, 60_000);

  it('takes a source’s transaction of 100 admissions (each raising an outbox event) whole', async () => {
    const source = await w.issuer.mint(sourceClaims('urn:test:worker'));
    const entry = Array.from({ length: 100 }, (_, i) => ({
      resource: {
        resourceType: 'Encounter',
        id: `nq-enc-${i}`,
        meta: { source: 'urn:test:worker' },
        status: 'in-progress',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        subject: { reference: 'Patient/nq-1' },
        period: { start: new Date(Date.now() - 3_600_000).toISOString() },
      },
      request: { method: 'PUT', url: `Encounter/nq-enc-${i}` },
    }));
    // Red team 7: a multi-row INSERT bound more than D1's 100 parameters, and this was a 500.
    const res = await w.fetch(`${w.primary}/fhir`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', authorization: `Bearer ${source}` },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', meta: { source: 'urn:test:worker' }, entry }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { entry: { response: { status: string } }[] };
    expect(body.entry.filter((e) => e.response.status.startsWith('201'))).toHaveLength(100);
  }, 60_000);
});
