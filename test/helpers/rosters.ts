import type { Database } from '../../src/db/database.js';
import { rosterGroupId, rosterStatements } from '../../src/rosters/store.js';
import type { RosterMember, RosterStatus, RosterVersion } from '../../src/rosters/types.js';

/**
 * Writes one roster version straight into the tables, as the monthly roster run would: for
 * tests of what reads rosters (gaps, performance, the Group API) without running attribution.
 */
export async function seedRoster(
  db: Database,
  r: {
    organization: string;
    payer: string;
    period: string;
    status?: RosterStatus;
    version?: number;
    persons: readonly string[];
    method?: RosterMember['method'];
  },
): Promise<RosterVersion> {
  const groupId = await rosterGroupId(r.organization, r.payer, r.period);
  const [y, m] = r.period.split('-').map(Number) as [number, number];
  const end = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const version: RosterVersion = {
    groupId,
    version: r.version ?? 1,
    organization: r.organization,
    payer: r.payer,
    period: r.period,
    status: r.status ?? 'final',
    createdAt: `${r.period}-01T00:00:00.000Z`,
  };
  const members: RosterMember[] = r.persons.map((person) => ({
    person,
    changeType: 'new',
    method: r.method ?? 'designation',
    reason: r.method === 'plurality' ? '3 of 4 primary-care visits in the 12 months before' : 'designated by the patient',
    periodStart: `${r.period}-01`,
    periodEnd: end,
  }));
  await db.atomic(rosterStatements(db, version, members));
  return version;
}
