import type { Config } from '../config/config.js';
import type { Database } from '../db/database.js';
import { reportRuns } from '../db/schema.js';
import type { GateDeps } from '../gate/context.js';
import { reportJobs } from '../reports/jobs.js';
import { runReports } from '../reports/run.js';
import type { Run } from '../reports/schedule.js';
import { WINDOW_END } from '../synthetic/dates.js';
import type { ProgressSink } from './progress.js';

const HOUR = 3_600_000;

/**
 * The provider reports' schedule in this process. In production, what is due is made in the
 * background from start and checked again hourly (src/reports/schedule.ts; a failed run is
 * recorded in report_runs and tried at the next check). In development the synthetic region's
 * data ends on 31 December 2025, so a schedule on today's date would report on months without
 * data: the first start instead makes them as of December 2025 (final rosters to November,
 * December's draft so a dispute can be tried, 2025's gaps and the third quarter's performance),
 * and `npm run reports -- --at` or `--only` makes any others.
 */
export async function startReportSchedule(
  config: Pick<Config, 'mode' | 'baseUrl'>,
  deps: GateDeps & { db: Database },
  notes: string[],
  progress: ProgressSink,
): Promise<{ stop(): void }> {
  const jobs = reportJobs({ ...deps, baseUrl: config.baseUrl });
  if (config.mode === 'development') {
    const [any] = await deps.db.orm.select({ key: reportRuns.key }).from(reportRuns).limit(1);
    if (!any) {
      // The region's coverage ends with its data, so the latest month with members is December
      // 2025: its draft is left open for a dispute to be tried (npm run reports -- --only
      // roster-final:2025-12,performance:2025-Q4 closes it), the quarter before is complete.
      const asOf = new Date(`${WINDOW_END}T12:00:00Z`);
      const runs: Run[] = [
        ...['2025-07', '2025-08', '2025-09', '2025-10', '2025-11'].map((period) => ({ kind: 'roster-final' as const, period })),
        { kind: 'roster-draft', period: '2025-12' },
        { kind: 'care-gaps', period: '2025-12' },
        { kind: 'performance', period: '2025-Q3' },
      ];
      progress('making the provider reports of the synthetic region (as of December 2025): attribution rosters, gaps in care, performance...');
      const started = Date.now();
      const outcomes = await runReports(deps.db, jobs, asOf, runs);
      for (const o of outcomes) if (o.error) notes.push(`Report run ${o.run.kind} ${o.run.period} failed: ${o.error} (npm run reports to try again)`);
      notes.push(
        `Provider reports as of December 2025 (${outcomes.map((o) => `${o.run.kind} ${o.run.period}: ${o.made ?? 0}`).join('; ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    return { stop: () => undefined };
  }
  // In the background, never two at once: a large region's reports must not hold up serving.
  let running: Promise<unknown> | undefined;
  const tick = () => {
    running ??= runReports(deps.db, jobs, new Date())
      .catch(() => undefined)
      .finally(() => (running = undefined));
  };
  tick();
  const timer = setInterval(tick, HOUR);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
