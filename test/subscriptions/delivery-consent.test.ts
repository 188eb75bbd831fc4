import { describe, expect, it } from 'vitest';
import { attributions, releases } from '../../src/db/schema.js';
import { resolvePerson } from '../../src/store/read.js';
import { deliverNext } from '../../src/subscriptions/deliver.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { attributedOrganization } from '../../src/metrics/attribution-data.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { getSubscription } from '../../src/subscriptions/store.js';
import { consentToOakwood, encounter, hoursAgo, putEntry, send, startReceiver, subscribe, world } from './delivery-world.js';

const start = () => hoursAgo(new Date(), 1);
const admit = (id: string, pid: string) => putEntry(encounter(id, pid, { status: 'in-progress', start: start() }));

async function drain(delivery: Parameters<typeof deliverNext>[0], id: string) {
  await dispatchPending(delivery);
  while ((await deliverNext(delivery, (await getSubscription(delivery.db, id))!)) === 'sent');
}

describe('consent decides every notification, at numbering and again before sending', () => {
  it('after the patient blocks the organization her next admission sends nothing, and the numbers show no gap', async () => {
    const { db, deps, delivery, consents } = await world({ patients: ['pa-1', 'pa-2'] });
    const secret = newSecret();
    const rx = await startReceiver(secret);
    try {
      // The row is written with store.ts (the Subscription API is another part of issue 15).
      await subscribe(db, { id: 's', endpoint: rx.url, secret });
      await send(deps, [admit('first', 'pa-1')]);
      await drain(delivery, 's');
      await consentToOakwood(deps, 'pa-1', 'deny', consents.get('pa-1'));
      await send(deps, [admit('blocked', 'pa-1')]);
      await send(deps, [admit('other', 'pa-2')]);
      await drain(delivery, 's');
      expect(rx.confirmed()).toEqual([1, 2]);
      expect(rx.received.flatMap((r) => r.focus)).toEqual(['Encounter/first', 'Encounter/other']);
      expect(rx.received.every((r) => !JSON.stringify(r.bundle).includes('blocked'))).toBe(true);
      expect((await getSubscription(db, 's'))!.eventsSinceStart).toBe(2);
    } finally {
      await rx.close();
    }
  });

  it('a revocation between numbering and sending delivers the number with nothing else: no focus, no timestamp, no entry', async () => {
    const { db, deps, delivery, consents } = await world();
    const secret = newSecret();
    const rx = await startReceiver(secret);
    try {
      await subscribe(db, { id: 's', endpoint: rx.url, secret, payload: 'full-resource' });
      await send(deps, [admit('numbered', 'pa-1')]);
      await dispatchPending(delivery);
      await consentToOakwood(deps, 'pa-1', 'deny', consents.get('pa-1'));
      expect(await deliverNext(delivery, (await getSubscription(db, 's'))!)).toBe('sent');
      const [note] = rx.received;
      expect(note!.numbers).toEqual([1]);
      expect(note!.focus).toEqual([undefined]);
      expect(note!.bundle.entry).toHaveLength(1);
      const text = JSON.stringify(note!.bundle);
      expect(text).not.toContain('numbered');
      const event = (note!.bundle.entry[0]!.resource as unknown as { parameter: { name: string; part?: { name: string }[] }[] }).parameter.find(
        (p) => p.name === 'notification-event',
      )!;
      expect(event.part!.map((p) => p.name)).toEqual(['event-number']);
    } finally {
      await rx.close();
    }
  });

  it('attributed-organization: the person on that organization roster for the event year, else the latest earlier year', async () => {
    const { db, deps, delivery } = await world({ patients: ['pa-1', 'pa-2'] });
    const p1 = (await resolvePerson(db, 'pa-1'))!;
    const p2 = (await resolvePerson(db, 'pa-2'))!;
    const year = new Date().getUTCFullYear();
    await db.orm
      .insert(releases)
      .values({ id: 'v1', version: 1, issued: '2026-01-02T00:00:00Z', mode: 'suppression', years: String(year - 1), epsilon: null, manifestJws: 'x' });
    const line = (person: string, y: number, organization: string) => ({
      releaseId: 'v1',
      year: y,
      person,
      organization,
      method: 'designation',
      reason: 'test',
    });
    await db.orm.insert(attributions).values([line(p1, year - 1, 'Organization/clinic-oak-org'), line(p2, year - 1, 'Organization/clinic-maple-org')]);
    // No roster for this year yet: last year's decides.
    expect(await attributedOrganization(db, p1, year)).toBe('Organization/clinic-oak-org');
    expect(await attributedOrganization(db, p2, year)).toBe('Organization/clinic-maple-org');
    expect(await attributedOrganization(db, p1, year - 2)).toBeUndefined();

    const secret = newSecret();
    const rx = await startReceiver(secret);
    try {
      await subscribe(db, { id: 's', endpoint: rx.url, secret, filters: [{ name: 'attributed-organization', values: ['Organization/clinic-oak-org'] }] });
      await send(deps, [admit('oak-patient', 'pa-1')]);
      await send(deps, [admit('maple-patient', 'pa-2')]);
      await drain(delivery, 's');
      expect(rx.received.flatMap((r) => r.focus)).toEqual(['Encounter/oak-patient']);
    } finally {
      await rx.close();
    }
  });
});
