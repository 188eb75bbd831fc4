import type { Database, Statement } from '../db/database.js';
import { computeRosters, rosterKey } from './compute.js';
import { readRosterInputs } from './data.js';
import { rosterGroupId, rosterStatements } from './store.js';
import type { RosterStatus, RosterVersion } from './types.js';

export interface RosterRun {
  /** The versions made, with how many members each lists. */
  made: (RosterVersion & { members: number })[];
  /** Rosters of the month that already have a final version: no further version is made. */
  skipped: { groupId: string; organization: string; payer: string; version: number }[];
}

/**
 * Computes and stores a new version of every organization × payer roster of a month, all in one
 * transaction, read and written inside the writers' queue so two runs never number the same
 * version. A month's roster with a final version is closed: it is skipped, never re-versioned.
 */
export async function runRosters(db: Database, opts: { period: string; status: RosterStatus; now: string }): Promise<RosterRun> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(opts.period)) throw new RangeError(`period must be YYYY-MM: ${opts.period}`);
  return db.exclusive(async () => {
    const inputs = await readRosterInputs(db, opts.period, opts.now);
    const run: RosterRun = { made: [], skipped: [] };
    const statements: Statement[] = [];
    for (const r of computeRosters(inputs)) {
      const groupId = await rosterGroupId(r.organization, r.payer, opts.period);
      const last = inputs.before.versions.get(rosterKey(r.organization, r.payer));
      const sameMonth = last?.period === opts.period ? last : undefined;
      if (sameMonth?.status === 'final') {
        run.skipped.push({ groupId, organization: r.organization, payer: r.payer, version: sameMonth.version });
        continue;
      }
      const version: RosterVersion = {
        groupId,
        version: (sameMonth?.version ?? 0) + 1,
        organization: r.organization,
        payer: r.payer,
        period: opts.period,
        status: opts.status,
        createdAt: opts.now,
      };
      statements.push(...rosterStatements(db, version, r.members));
      run.made.push({ ...version, members: r.members.length });
    }
    if (statements.length > 0) await db.atomic(statements);
    return run;
  });
}
