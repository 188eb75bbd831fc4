import { eq, isNotNull } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { reportRuns } from '../db/schema.js';
import { dueRuns, runKey, type Run } from './schedule.js';

/** What each kind of run does; each returns how many rosters or reports it made. */
export interface ReportJobs {
  rosters(period: string, status: 'draft' | 'final', now: Date): Promise<number>;
  careGaps(period: string, now: Date): Promise<number>;
  performance(quarter: string, now: Date): Promise<number>;
}

export interface RunOutcome {
  run: Run;
  made?: number;
  /** One sentence, no PHI. */
  error?: string;
}

/**
 * Runs what the schedule says is due at `now` and records each run. A run that fails is
 * recorded with its reason and tried again at the next call; the runs after it still go (a
 * failed gaps run does not hold back the performance report). With `only`, exactly the runs
 * given, due or not: `npm run reports -- --at` for a past period, or again on demand.
 */
export async function runReports(db: Database, jobs: ReportJobs, now: Date, only?: readonly Run[]): Promise<RunOutcome[]> {
  const finished = await db.orm.select({ key: reportRuns.key }).from(reportRuns).where(isNotNull(reportRuns.finishedAt));
  const runs = only ?? dueRuns(now, new Set(finished.map((r) => r.key)));
  const outcomes: RunOutcome[] = [];
  for (const run of runs) {
    const key = runKey(run);
    const startedAt = new Date().toISOString();
    await db.orm
      .insert(reportRuns)
      .values({ key, startedAt })
      .onConflictDoUpdate({ target: reportRuns.key, set: { startedAt, finishedAt: null, error: null } });
    try {
      const made = await perform(jobs, run, now);
      await db.orm.update(reportRuns).set({ finishedAt: new Date().toISOString(), made }).where(eq(reportRuns.key, key));
      outcomes.push({ run, made });
    } catch (err) {
      const error = err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'failed';
      await db.orm.update(reportRuns).set({ error }).where(eq(reportRuns.key, key));
      outcomes.push({ run, error });
    }
  }
  return outcomes;
}

function perform(jobs: ReportJobs, run: Run, now: Date): Promise<number> {
  switch (run.kind) {
    case 'roster-draft':
      return jobs.rosters(run.period, 'draft', now);
    case 'roster-final':
      return jobs.rosters(run.period, 'final', now);
    case 'care-gaps':
      return jobs.careGaps(run.period, now);
    case 'performance':
      return jobs.performance(run.period, now);
  }
}

/** The runs made or tried, newest first: for operators. */
export async function listRuns(db: Database) {
  return db.orm.select().from(reportRuns).orderBy(reportRuns.startedAt);
}
