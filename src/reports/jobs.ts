import type { GateDeps } from '../gate/context.js';
import { createGate } from '../gate/gate.js';
import { scheduledPerformance } from '../gate/performance.js';
import { parseQuarter } from '../performance/quarter.js';
import { QUALITY_MEASURES } from '../metrics/quality/index.js';
import { runRosters } from '../rosters/run.js';
import { latestFinalRosters } from '../rosters/store.js';
import { reportRequester } from './requester.js';
import type { ReportJobs } from './run.js';
import { gapsPeriod } from './schedule.js';

/** What the scheduled jobs need: the gate's parts and the public base URL documents name. */
export interface ReportDeps extends GateDeps {
  baseUrl: string;
}

/**
 * The scheduled runs, each through the same code as the on-demand requests:
 * - rosters: every organization × payer roster of the month (src/rosters/run.ts);
 * - gaps: for each final roster of the month, `$care-gaps` on that Group, decided as its
 *   provider organization would be (treatment), so the report holds what the organization may
 *   see and each disclosure is in the patient's accounting;
 * - performance: each contract's quarterly report (src/performance), as its payer would be decided.
 */
export function reportJobs(deps: ReportDeps): ReportJobs {
  return {
    async rosters(period, status) {
      // Made now, whatever date the run is for: a designation counts if recorded before the roster is made.
      return (await runRosters(deps.db, { period, status, now: deps.clock().toISOString() })).made.length;
    },
    async careGaps(month) {
      let made = 0;
      const period = gapsPeriod(month);
      // The rosters in force: this month's finals, or (January, closing out last year) December's;
      // a pair without one that month keeps its latest earlier final.
      const asOf = [month, period.end.slice(0, 7)].sort()[0]!;
      for (const roster of await latestFinalRosters(deps.db, undefined, asOf)) {
        const gate = createGate(deps, reportRequester({ organization: roster.organization, kind: 'provider', run: `care-gaps:${month}` }));
        await gate.careGaps(
          {
            period,
            subject: { type: 'Group', id: roster.groupId, version: roster.version },
            statuses: new Set(['open-gap', 'closed-gap', 'prospective-gap']),
            measures: QUALITY_MEASURES,
          },
          deps.baseUrl,
          `scheduled Measure/$care-gaps?subject=Group/${roster.groupId}/_history/${roster.version}`,
        );
        made++;
      }
      return made;
    },
    async performance(quarter) {
      const x = parseQuarter(quarter);
      if (!x) throw new RangeError(`${quarter} is not a quarter (YYYY-Qn)`);
      return (await scheduledPerformance(deps, x, deps.baseUrl)).length;
    },
  };
}
