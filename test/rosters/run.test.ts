import { describe, expect, it } from 'vitest';
import { runRosters } from '../../src/rosters/run.js';
import { rosterGroupId, rosterMembersOf, rosterVersionsOf } from '../../src/rosters/store.js';
import { putEntry } from '../helpers/fhir.js';
import { scenario } from '../helpers/scenario.js';

const PAYER_SOURCE = 'https://payer-lakeshore.example.org/fhir';
const LAKESHORE = 'Organization/payer-lakeshore-org';
const OAK = 'Organization/clinic-oak-org';
const RIVERSIDE = 'Organization/hosp-riverside-org';

const visit = (id: string, patientId: string, org: string, date: string, code = '99213') =>
  putEntry({
    resourceType: 'Encounter',
    id,
    meta: { source: PAYER_SOURCE },
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    type: [{ coding: [{ system: 'http://www.ama-assn.org/go/cpt', code }] }],
    subject: { reference: `Patient/${patientId}` },
    serviceProvider: { reference: org },
    period: { start: date, end: date },
  });

describe('runRosters over the store', () => {
  it("attributes by the window's primary-care visits, records the tie-break, and ignores visits that are no E&M or out of the window", async () => {
    const s = await scenario();
    // Maria (pay-1) is Lakeshore's member: one E&M visit at each organization, Riverside's later; more at Oakwood that do not count.
    await s.seed(PAYER_SOURCE, [
      visit('e1', 'pay-1', OAK, '2025-05-01T10:00:00Z'),
      visit('e2', 'pay-1', RIVERSIDE, '2025-11-01T10:00:00Z'),
      visit('e3', 'pay-1', OAK, '2025-06-01T10:00:00Z', '99285'),
      visit('e4', 'pay-1', OAK, '2025-02-27T10:00:00Z'),
      visit('e5', 'pay-1', OAK, '2026-03-05T10:00:00Z'),
    ]);
    const run = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    expect(run.made.map((m) => [m.organization, m.payer, m.members])).toEqual([[RIVERSIDE, LAKESHORE, 1]]);
    const [member] = await rosterMembersOf(s.db, run.made[0]!.groupId, 1);
    expect(member).toMatchObject({ person: s.personOf('pay-1'), method: 'plurality', changeType: 'new', periodStart: '2026-03-01', periodEnd: '2026-03-31' });
    expect(member!.reason).toBe('1 of 2 primary-care visits in the 12 months 2025-03-01 to 2026-02-28; tie broken by the most recent visit (2025-11-01)');

    // A designation outranks the visits: the next draft moves her to Oakwood, and Riverside's lists her as dropped.
    await s.seed(PAYER_SOURCE, [
      putEntry({
        resourceType: 'Patient',
        id: 'pay-1',
        meta: { source: PAYER_SOURCE },
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }],
        generalPractitioner: [{ reference: OAK }],
      }),
    ]);
    const next = await runRosters(s.db, { period: '2026-03', status: 'final', now: new Date().toISOString() });
    expect(next.made.map((m) => [m.organization, m.version, m.status])).toEqual([
      [OAK, 1, 'final'],
      [RIVERSIDE, 2, 'final'],
    ]);
    expect(await rosterMembersOf(s.db, await rosterGroupId(RIVERSIDE, LAKESHORE, '2026-03'), 2)).toMatchObject([{ changeType: 'dropped' }]);
    expect(await rosterMembersOf(s.db, await rosterGroupId(OAK, LAKESHORE, '2026-03'), 1)).toMatchObject([{ method: 'designation', changeType: 'new' }]);

    // The next month follows March's versions: nochange at Oakwood, and Riverside's roster is not made again.
    const april = await runRosters(s.db, { period: '2026-04', status: 'draft', now: new Date().toISOString() });
    expect(april.made.map((m) => m.organization)).toEqual([OAK]);
    expect(await rosterMembersOf(s.db, april.made[0]!.groupId, 1)).toMatchObject([{ changeType: 'nochange' }]);
    expect(await rosterVersionsOf(s.db, await rosterGroupId(RIVERSIDE, LAKESHORE, '2026-04'))).toEqual([]);
  });

  it("a practice's own record naming itself is not her designation: only her plan's record of her choice outranks the visits", async () => {
    const s = await scenario();
    const RIVERSIDE_SOURCE = 'https://hosp-riverside.example.org/fhir';
    await s.seed(PAYER_SOURCE, [visit('e1', 'pay-1', OAK, '2025-05-01T10:00:00Z'), visit('e2', 'pay-1', OAK, '2025-06-01T10:00:00Z')]);
    // The dishonest source: Riverside's EHR writes her record with itself as her primary care.
    await s.seed(RIVERSIDE_SOURCE, [
      putEntry({
        resourceType: 'Patient',
        id: 'riv-maria',
        meta: { source: RIVERSIDE_SOURCE },
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }],
        generalPractitioner: [{ reference: RIVERSIDE }],
      }),
    ]);
    expect(s.personOf('riv-maria')).toBe(s.personOf('pay-1'));
    const run = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    expect(run.made.map((m) => m.organization)).toEqual([OAK]);
    expect(await rosterMembersOf(s.db, run.made[0]!.groupId, 1)).toMatchObject([{ method: 'plurality' }]);
  });

  it("another plan's record cannot move a plan's member: each plan's roster counts only its own record of her choice", async () => {
    const s = await scenario();
    const GREATLAKES_SOURCE = 'https://payer-greatlakes-ma.example.org/fhir';
    await s.seed(PAYER_SOURCE, [visit('e1', 'pay-1', OAK, '2025-05-01T10:00:00Z')]);
    await s.seed(GREATLAKES_SOURCE, [
      putEntry({
        resourceType: 'Patient',
        id: 'gl-maria',
        meta: { source: GREATLAKES_SOURCE },
        identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }],
        generalPractitioner: [{ reference: RIVERSIDE }],
      }),
    ]);
    expect(s.personOf('gl-maria')).toBe(s.personOf('pay-1'));
    const run = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    expect(run.made.map((m) => [m.organization, m.payer])).toEqual([[OAK, LAKESHORE]]);
  });

  it('an accepted dispute is not undone by an update of her record that keeps the same choice; a new choice of the organization undoes it', async () => {
    const s = await scenario();
    const designate = (org: string, phone: string) =>
      s.seed(PAYER_SOURCE, [
        putEntry({
          resourceType: 'Patient',
          id: 'pay-1',
          meta: { source: PAYER_SOURCE },
          identifier: [{ system: 'http://hl7.org/fhir/sid/us-ssn', value: '900-00-0001' }],
          telecom: [{ system: 'phone', value: phone }],
          generalPractitioner: [{ reference: org }],
        }),
      ]);
    await designate(OAK, '555-0100');
    const first = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    expect(first.made.map((m) => m.organization)).toEqual([OAK]);
    const person = s.personOf('pay-1');
    s.db.sqlite
      .prepare(
        `insert into attribution_disputes (id, group_id, version, person, organization, payer, requester, reason, evidence, status, created_at, deadline, decided_at, decided_by)
         values ('d1', ?, 1, ?, ?, ?, 'oak', 'not-our-patient', '{}', 'accepted', ?, ?, ?, 'payer-lakeshore')`,
      )
      .run(first.made[0]!.groupId, person, OAK, LAKESHORE, new Date().toISOString(), new Date(Date.now() + 86_400_000).toISOString(), new Date().toISOString());
    await new Promise((r) => setTimeout(r, 5));
    await designate(OAK, '555-0199');
    const after = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    expect(await rosterMembersOf(s.db, after.made[0]!.groupId, 2)).toMatchObject([{ person, changeType: 'dropped' }]);
    // She chooses elsewhere, then Oakwood again: that is a new choice, after the dispute.
    await designate(RIVERSIDE, '555-0199');
    await designate(OAK, '555-0199');
    const back = await runRosters(s.db, { period: '2026-03', status: 'draft', now: new Date().toISOString() });
    const oak = back.made.find((m) => m.organization === OAK)!;
    expect(await rosterMembersOf(s.db, oak.groupId, oak.version)).toMatchObject([{ person, changeType: 'new', method: 'designation' }]);
  });

  it('refuses a period that is not a month', async () => {
    const s = await scenario();
    await expect(runRosters(s.db, { period: '2026-3', status: 'draft', now: new Date().toISOString() })).rejects.toThrow(/YYYY-MM/);
  });
});
