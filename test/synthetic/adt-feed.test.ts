import { describe, expect, it } from 'vitest';
import { startAdtFeed } from '../../src/synthetic/adt-feed.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { loadRegion } from '../helpers/region.js';

const until = async (what: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
};

describe('the demo ADT feed', () => {
  it("sends ED visits, admissions and a transfer through the ordinary ingest, as the hospital's source, and they reach the outbox", async () => {
    const db = tempDb();
    await loadRegion(db, 60, 3);
    const before = db.sqlite.prepare('select count(*) from notification_events').pluck().get() as number;
    const deps = testDeps(db, { clock: () => new Date() });
    const feed = startAdtFeed(deps, { everySeconds: 0.6, firstAfterSeconds: 0, transferSeconds: 0.2, dischargeSeconds: 0.4 });
    const events = () =>
      db.sqlite.prepare("select topic, focus, patient_id as patientId from notification_events where focus like 'Encounter/%-live-%' order by seq").all() as {
        topic: string;
        focus: string;
        patientId: string;
      }[];
    await until(() => events().filter((e) => e.topic === 'encounter-end').length >= 3, 20_000);
    await feed.stop();
    const seen = events();
    expect(before).toBe(0);
    expect(new Set(seen.map((e) => e.topic))).toEqual(new Set(['encounter-start', 'encounter-transfer', 'encounter-end']));
    // Each visit starts before it ends, and the writes are the hospital's own: its source, its Patient.
    for (const focus of new Set(seen.map((e) => e.focus))) {
      const topics = seen.filter((e) => e.focus === focus).map((e) => e.topic);
      expect(topics[0]).toBe('encounter-start');
      const id = focus.slice('Encounter/'.length);
      const row = db.sqlite.prepare("select source, patient_id as patientId from resources where type = 'Encounter' and id = ?").get(id) as {
        source: string;
        patientId: string;
      };
      expect(row.source).toMatch(/^https:\/\/hosp-(mercy|riverside)\.example\.org\/fhir$/);
      expect(id.startsWith(new URL(row.source).hostname.split('.')[0]!)).toBe(true);
      expect(seen.find((e) => e.focus === focus)!.patientId).toBe(row.patientId);
    }
    // Stopped: nothing more is written.
    const count = events().length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(events().length).toBe(count);
  }, 60_000);
});
