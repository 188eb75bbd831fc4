/**
 * Who is told, attacked as the red team did (issue 15): a clinic subscribing to the whole
 * region, a suspended client, an endpoint still proving itself, a handshake that failed.
 */
import { describe, expect, it } from 'vitest';
import { subscriptionEvents } from '../../src/db/schema.js';
import { dispatchPending } from '../../src/subscriptions/dispatch.js';
import { createNotifier } from '../../src/subscriptions/runtime.js';
import { newSecret } from '../../src/subscriptions/sign.js';
import { resolvePerson } from '../../src/store/read.js';
import { attributeTo } from '../helpers/attribution.js';
import { consentToOakwood, encounter, hoursAgo, patientEntry, send, subscribe, world, openedPerTest } from './delivery-world.js';

const { open, receiver } = openedPerTest();

const numbered = async (db: Awaited<ReturnType<typeof world>>['db'], id: string) =>
  (await db.orm.select().from(subscriptionEvents)).filter((r) => r.subscriptionId === id).map((r) => r.eventNumber);

describe('an organization is told only of the people attributed to it', () => {
  it('a clinic subscribing with no filter hears of its own patients’ stays, not of another practice’s', async () => {
    const { db, deps, delivery } = await world({ patients: ['pa-1'] });
    // Another practice's patient, who shares her record with Oakwood too: still not Oakwood's to be told of.
    await send(deps, [patientEntry('pa-2')]);
    await consentToOakwood(deps, 'pa-2');
    await attributeTo(db, 'Organization/clinic-maple-org', [(await resolvePerson(db, 'pa-2'))!]);
    await subscribe(db, { id: 'everything', endpoint: 'http://127.0.0.1:9/unused' });
    const start = hoursAgo(new Date(), 1);
    await send(deps, [putEntryOf('mine', 'pa-1', start), putEntryOf('theirs', 'pa-2', start)]);
    await dispatchPending(delivery);
    const rows = await db.orm.select().from(subscriptionEvents);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.person).toBe(await resolvePerson(db, 'pa-1'));
  });

  it('a suspended client’s subscriptions are numbered nothing, as its tokens are refused', async () => {
    const { db, deps, delivery } = await world();
    await subscribe(db, { id: 'oak', endpoint: 'http://127.0.0.1:9/unused' });
    db.sqlite.prepare("update subscriptions set owner = 'clinic-oak'").run();
    // What `npm run participants -- suspend --client clinic-oak` writes.
    db.sqlite.prepare("update backend_clients set status = 'suspended' where client_id = 'clinic-oak'").run();
    await send(deps, [putEntryOf('e-1', 'pa-1', hoursAgo(new Date(), 1))]);
    await dispatchPending(delivery);
    expect(await numbered(db, 'oak')).toEqual([]);
  });
});

describe('nothing is sent to an endpoint that has not proved itself, and nothing is lost meanwhile', () => {
  it('while a changed endpoint handshakes, events are numbered and wait; after it succeeds they arrive in order', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    await subscribe(db, { id: 'moving', endpoint: rx.url, secret });
    db.sqlite.prepare("update subscriptions set status = 'requested', last_sent_at = null").run();
    open.notifier = createNotifier(delivery, { holder: 'test', pollMs: 20 });
    open.notifier.start();
    const start = hoursAgo(new Date(), 1);
    for (let i = 0; i < 3; i++) await send(deps, [putEntryOf(`e-${i}`, 'pa-1', start)]);
    await expect.poll(() => numbered(db, 'moving'), { timeout: 5000 }).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 300));
    expect(rx.received).toEqual([]);
    // The handshake succeeded (what manage.ts writes).
    db.sqlite.prepare("update subscriptions set status = 'active', last_sent_at = ?").run(new Date().toISOString());
    await expect.poll(() => rx.confirmed(), { timeout: 5000 }).toEqual([1, 2, 3]);
  });

  it('a subscription whose handshake failed is sent nothing until its subscriber fixes it', async () => {
    const { db, deps, delivery } = await world();
    const secret = newSecret();
    const rx = await receiver(secret);
    await subscribe(db, { id: 'unproved', endpoint: rx.url, secret });
    db.sqlite.prepare("update subscriptions set status = 'error', last_sent_at = null, last_error = 'handshake failed: the endpoint answered 500'").run();
    open.notifier = createNotifier(delivery, { holder: 'test', pollMs: 20 });
    open.notifier.start();
    await send(deps, [putEntryOf('e-1', 'pa-1', hoursAgo(new Date(), 1))]);
    await expect.poll(() => numbered(db, 'unproved'), { timeout: 5000 }).toEqual([1]);
    await new Promise((r) => setTimeout(r, 500));
    expect(rx.received).toEqual([]);
  });
});

function putEntryOf(id: string, patientId: string, start: string) {
  const resource = encounter(id, patientId, { status: 'in-progress', start });
  return { resource, request: { method: 'PUT', url: `Encounter/${id}` } };
}
