import { describe, expect, it } from 'vitest';
import { runReports, type ReportJobs } from '../../src/reports/run.js';
import { tempDb } from '../helpers/db.js';

/** Jobs that record what they were asked (the jobs themselves are tested in test/rosters, test/caregaps, test/performance). */
function recording(fail: string[] = []) {
  const asked: string[] = [];
  const job = (kind: string) => async (period: string) => {
    asked.push(`${kind}:${period}`);
    if (fail.includes(kind)) throw new Error(`${kind} failed for ${period}`);
    return 1;
  };
  const jobs: ReportJobs = {
    rosters: (period, status) => job(`roster-${status}`)(period),
    careGaps: job('care-gaps'),
    performance: job('performance'),
  };
  return { jobs, asked };
}

describe('running the report schedule', () => {
  it('runs what is due once, in order: rosters before the gaps and performance that read them', async () => {
    const db = tempDb();
    const { jobs, asked } = recording();
    const at = new Date('2026-01-01T03:00:00Z');
    await runReports(db, jobs, at);
    expect(asked).toEqual(['roster-final:2026-01', 'care-gaps:2026-01', 'performance:2025-Q4']);
    await runReports(db, jobs, new Date('2026-01-01T04:00:00Z'));
    expect(asked).toHaveLength(3);
  });

  it('a failed run is recorded with its reason, does not stop the others, and is tried again', async () => {
    const db = tempDb();
    const failing = recording(['care-gaps']);
    const outcomes = await runReports(db, failing.jobs, new Date('2026-01-01T03:00:00Z'));
    expect(outcomes.map((o) => o.error ?? 'ok')).toEqual(['ok', 'care-gaps failed for 2026-01', 'ok']);
    const retry = recording();
    await runReports(db, retry.jobs, new Date('2026-01-01T04:00:00Z'));
    expect(retry.asked).toEqual(['care-gaps:2026-01']);
  });

  it('on demand, exactly the runs asked for, even if made before', async () => {
    const db = tempDb();
    const { jobs, asked } = recording();
    await runReports(db, jobs, new Date('2026-01-01T03:00:00Z'));
    await runReports(db, jobs, new Date('2026-01-01T03:00:00Z'), [{ kind: 'performance', period: '2025-Q3' }]);
    expect(asked.at(-1)).toBe('performance:2025-Q3');
  });
});
