import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute } from '../../src/metrics/attribution.js';
import { attributeAll, rosterGroups } from '../../src/metrics/attribution-data.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { generateRegion } from '../../src/synthetic/index.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { registerFixtureParticipants } from '../helpers/participants.js';

const A = 'Organization/a';
const B = 'Organization/b';
const C = 'Organization/c';

describe('attribution (worked examples)', () => {
  it("puts the patient's own designation first, the newest when there are several", () => {
    const r = attribute(
      'p',
      2025,
      [
        { organization: B, recordedAt: '2025-01-01' },
        { organization: C, recordedAt: '2025-06-01' },
      ],
      [{ organization: A, date: '2025-03-01' }],
    );
    expect(r).toMatchObject({ organization: C, method: 'designation' });
  });

  it('otherwise counts primary-care visits in the calendar year: 3 at A beat 2 at B', () => {
    const visits = [
      { organization: A, date: '2025-01-10' },
      { organization: A, date: '2025-02-10' },
      { organization: A, date: '2025-03-10' },
      { organization: B, date: '2025-11-10' },
      { organization: B, date: '2025-12-10' },
      // Outside 2025: not counted.
      { organization: B, date: '2024-12-31' },
      { organization: B, date: '2026-01-01' },
    ];
    expect(attribute('p', 2025, [], visits)).toMatchObject({ organization: A, method: 'plurality', reason: '3 of 5 primary-care visits in 2025' });
  });

  it('breaks a tie by the most recent visit', () => {
    const visits = [
      { organization: A, date: '2025-01-10' },
      { organization: A, date: '2025-09-10' },
      { organization: B, date: '2025-05-10' },
      { organization: B, date: '2025-10-01' },
    ];
    const r = attribute('p', 2025, [], visits);
    expect(r.organization).toBe(B);
    expect(r.reason).toMatch(/tie broken by the most recent visit \(2025-10-01\)/);
  });

  it('leaves someone with neither unattributed, with the reason', () => {
    expect(attribute('p', 2025, [], [{ organization: A, date: '2024-05-01' }])).toEqual({
      person: 'p',
      year: 2025,
      method: 'unattributed',
      reason: 'no designation and no primary-care visit in 2025',
    });
  });

  it('always names an organization the patient designated or visited, whatever the order of the input (property)', () => {
    const org = fc.constantFrom(A, B, C);
    const date = fc.integer({ min: 0, max: 729 }).map((d) => new Date(Date.UTC(2024, 6, 1) + d * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.array(fc.record({ organization: org, recordedAt: date }), { maxLength: 2 }),
        fc.array(fc.record({ organization: org, date }), { maxLength: 12 }),
        (designations, visits) => {
          const r = attribute('p', 2025, designations, visits);
          const again = attribute('p', 2025, [...designations].reverse(), [...visits].reverse());
          expect(again).toEqual(r);
          if (designations.length > 0) expect(designations.map((d) => d.organization)).toContain(r.organization);
          else if (r.organization) expect(visits.filter((v) => v.date.startsWith('2025')).map((v) => v.organization)).toContain(r.organization);
          else expect(visits.some((v) => v.date.startsWith('2025'))).toBe(false);
        },
      ),
    );
  });
});

describe('attribution over the synthetic region', () => {
  it('attributes the named patient to her primary-care clinic and builds one roster Group per organization', async () => {
    const db = tempDb();
    await registerFixtureParticipants(db);
    const deps = testDeps(db);
    for (const source of generateRegion({ patients: 80, seed: 3 }).sources) {
      const b = readBundle(source.bundle);
      if (Array.isArray(b)) throw new Error('bad');
      await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
    }
    const all = await attributeAll(db, 2025);
    const maria = all.find(
      (a) => a.person === (db.sqlite.prepare("select person_id from patient_links where patient_id = 'clinic-oak-pat-000001'").pluck().get() as string),
    )!;
    expect(maria.organization).toBe('Organization/clinic-oak-org');
    const attributed = all.filter((a) => a.organization);
    expect(attributed.length / all.length).toBeGreaterThan(0.5);
    const groups = rosterGroups(all, 2025);
    expect(groups.reduce((n, g) => n + g.quantity, 0)).toBe(attributed.length);
    expect(new Set(groups.flatMap((g) => g.member.map((m) => m.entity.reference))).size).toBe(attributed.length);
    for (const g of groups) expect(g.managingEntity.reference).toMatch(/^Organization\/clinic-/);
  });
});
