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

  it('refuses a period that is not a month', async () => {
    const s = await scenario();
    await expect(runRosters(s.db, { period: '2026-3', status: 'draft', now: new Date().toISOString() })).rejects.toThrow(/YYYY-MM/);
  });
});
