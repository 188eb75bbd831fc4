import { asc } from 'drizzle-orm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notificationEvents, resources } from '../../src/db/schema.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { encounterEvents, type EncounterShape } from '../../src/subscriptions/topics.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';

const ACT = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const NOW = new Date().toISOString();
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

function encounter(id: string, fields: { status: string; cls?: string; start?: string; end?: string; disposition?: string }) {
  return {
    resourceType: 'Encounter',
    id,
    meta: { source: SOURCE_A },
    status: fields.status,
    class: { system: ACT, code: fields.cls ?? 'EMER' },
    subject: { reference: 'Patient/pa-1' },
    period: { start: fields.start ?? hoursAgo(3), ...(fields.end ? { end: fields.end } : {}) },
    ...(fields.disposition
      ? {
          hospitalization: {
            dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: fields.disposition }] },
          },
        }
      : {}),
  };
}

async function send(deps: ReturnType<typeof testDeps>, entries: unknown[]) {
  const b = readBundle(bundle('transaction', entries));
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  return ingest(deps, { source: SOURCE_A, channel: 'transaction', mode: 'transaction', entries: b.entries });
}

const outbox = (db: ReturnType<typeof tempDb>) => db.orm.select().from(notificationEvents).orderBy(asc(notificationEvents.seq));

describe('the outbox: events are written with the Encounter that raises them', () => {
  it('an ED arrival, then its discharge, raise a start and then an end, in commit order', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await send(deps, [putEntry(patient('pa-1')), putEntry(encounter('e-1', { status: 'in-progress' }))]);
    await send(deps, [putEntry(encounter('e-1', { status: 'finished', end: hoursAgo(1), disposition: 'home' }))]);
    const events = await outbox(db);
    expect(events.map((e) => [e.topic, e.focus, e.versionId, e.encounterClass])).toEqual([
      ['encounter-start', 'Encounter/e-1', 1, 'EMER'],
      ['encounter-end', 'Encounter/e-1', 2, 'EMER'],
    ]);
    expect(events[0]!.patientId).toBe('pa-1');
  });

  it('a source that re-sends the same update, or an unchanged status, notifies nothing more', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const start = hoursAgo(2);
    await send(deps, [putEntry(patient('pa-1')), putEntry(encounter('e-1', { status: 'in-progress', start }))]);
    await send(deps, [putEntry(encounter('e-1', { status: 'in-progress', start }))]);
    // A change that keeps the stay in progress (a new field) is not a new admission.
    await send(deps, [putEntry({ ...encounter('e-1', { status: 'in-progress', start }), priority: { text: 'urgent' } })]);
    expect((await outbox(db)).map((e) => e.topic)).toEqual(['encounter-start']);
  });

  it('a rejected transaction leaves neither its Encounter nor its event', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const bad = { resourceType: 'Observation', id: 'o-bad', meta: { source: SOURCE_A }, status: 'no-such-status', code: { text: 'x' } };
    await expect(send(deps, [putEntry(patient('pa-1')), putEntry(encounter('e-1', { status: 'in-progress' })), putEntry(bad)])).rejects.toThrow();
    expect(await outbox(db)).toEqual([]);
    expect(await db.orm.select().from(resources)).toEqual([]);
  });

  it('a source back-loading last year’s stays is sending history, not news: no event', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await send(deps, [
      putEntry(patient('pa-1')),
      putEntry(encounter('e-old', { status: 'finished', start: '2025-03-01T10:00:00Z', end: '2025-03-02T10:00:00Z' })),
    ]);
    expect(await outbox(db)).toEqual([]);
  });

  it('ED to inpatient is a transfer; an ambulatory visit raises nothing', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await send(deps, [
      putEntry(patient('pa-1')),
      putEntry(encounter('e-1', { status: 'in-progress' })),
      putEntry(encounter('e-amb', { status: 'in-progress', cls: 'AMB' })),
    ]);
    await send(deps, [putEntry(encounter('e-1', { status: 'in-progress', cls: 'IMP' }))]);
    expect((await outbox(db)).map((e) => [e.topic, e.encounterClass])).toEqual([
      ['encounter-start', 'EMER'],
      ['encounter-transfer', 'IMP'],
    ]);
  });
});

describe('encounterEvents (the trigger)', () => {
  const statuses = ['planned', 'arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'cancelled', 'entered-in-error', 'unknown'];
  const classes = ['AMB', 'EMER', 'IMP', 'OBSENC', 'VR', 'HH'];
  const shape = fc
    .record({ status: fc.constantFrom(...statuses), cls: fc.constantFrom(...classes) })
    .map(({ status, cls }): EncounterShape => ({ status, class: { system: ACT, code: cls }, period: { start: NOW } }));

  it('along any sequence of versions a source sends, a stay starts at most once and ends at most once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(shape, { minLength: 1, maxLength: 8 }), async (versions) => {
        const db = tempDb();
        const deps = testDeps(db);
        await send(deps, [putEntry(patient('pa-1'))]);
        for (const v of versions) await send(deps, [putEntry({ ...encounter('e-1', { status: v.status!, cls: v.class!.code!, start: hoursAgo(2) }) })]);
        const topics = (await outbox(db)).map((e) => e.topic);
        expect(topics.filter((t) => t === 'encounter-start').length).toBeLessThanOrEqual(1);
        expect(topics.filter((t) => t === 'encounter-end').length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 40 },
    );
  });

  it('never raises anything for ambulatory, virtual or home visits', () => {
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 6 }), fc.constantFrom('AMB', 'VR', 'HH'), (versions, cls) => {
        const same = versions.map((v) => ({ ...v, class: { system: ACT, code: cls } }));
        expect(same.flatMap((v, i) => encounterEvents(same[i - 1], v, NOW))).toEqual([]);
      }),
    );
  });
});
