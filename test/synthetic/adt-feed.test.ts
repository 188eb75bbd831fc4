import { describe, expect, it } from 'vitest';
import { attributions, releases } from '../../src/db/schema.js';
import { feedPatients, startAdtFeed } from '../../src/synthetic/adt-feed.js';
import { MARIA_IDS } from '../../src/synthetic/named.js';
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

  it("picks the hospitals' records of people a demo clinic is attributed in the latest release, never the named fixture people", async () => {
    const db = tempDb();
    await loadRegion(db, 60, 3);
    const hospitalPatients = db.sqlite
      .prepare(
        "select r.id, l.person_id as person from resources r join patient_links l on l.patient_id = r.id where r.type = 'Patient' and r.id like 'hosp-%' order by r.id",
      )
      .all() as { id: string; person: string }[];
    const chosen = hospitalPatients.find((p) => !Object.values(MARIA_IDS).includes(p.id))!;
    const maria = hospitalPatients.find((p) => Object.values(MARIA_IDS).includes(p.id))!;
    await db.orm
      .insert(releases)
      .values({ id: 'v1', version: 1, issued: '2026-01-02T00:00:00Z', mode: 'suppression', years: '2025', epsilon: null, manifestJws: 'x' });
    await db.orm.insert(attributions).values(
      [chosen, maria].map((p) => ({
        releaseId: 'v1',
        year: 2025,
        person: p.person,
        organization: 'Organization/clinic-oak-org',
        method: 'designation',
        reason: 'test',
      })),
    );
    const picked = await feedPatients(db);
    expect(picked.map((p) => p.patientId)).toEqual(hospitalPatients.filter((p) => p.person === chosen.person).map((p) => p.id));
    expect(picked.every((p) => p.source === `https://${p.organizationId.replace(/-org$/, '')}.example.org/fhir`)).toBe(true);
  });
});
