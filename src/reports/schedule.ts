/**
 * When the provider reports are made (seed 002, Table 2): attribution rosters monthly (a draft
 * on the 15th for the next month, the final version on the 1st), gaps in care monthly (on the
 * 1st, after the month's final rosters), performance quarterly (on the 1st of the month after
 * the quarter). Pure: what is due at an instant, given what has been made.
 */
export type RunKind = 'roster-draft' | 'roster-final' | 'care-gaps' | 'performance';

export interface Run {
  kind: RunKind;
  /** YYYY-MM for rosters and gaps, YYYY-Qn for performance. */
  period: string;
}

export const runKey = (r: Run) => `${r.kind}:${r.period}`;

const month = (y: number, m: number) => {
  const d = new Date(Date.UTC(y, m - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
};

/**
 * The runs due at `now` that `done` (runKey of each run made) does not hold. Only the latest
 * period of each kind is due: a gateway started after a long stop makes this month's reports,
 * not every missed month's (older ones are made on demand, `npm run reports -- --at`).
 */
export function dueRuns(now: Date, done: ReadonlySet<string>): Run[] {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth() + 1;
  const runs: Run[] = [{ kind: 'roster-final', period: month(y, m) }];
  if (now.getUTCDate() >= 15) runs.push({ kind: 'roster-draft', period: month(y, m + 1) });
  runs.push({ kind: 'care-gaps', period: month(y, m) });
  // The quarter that ended before this month: on 1 January, the fourth quarter of last year.
  const q = Math.floor((m - 1) / 3);
  runs.push({ kind: 'performance', period: q === 0 ? `${y - 1}-Q4` : `${y}-Q${q}` });
  return runs.filter((r) => !done.has(runKey(r)));
}

/** The measurement period a month's gaps run covers: the calendar year of the month before (so January closes out last year). */
export function gapsPeriod(runMonth: string): { start: string; end: string } {
  const [y, m] = runMonth.split('-').map(Number) as [number, number];
  const year = m === 1 ? y - 1 : y;
  return { start: `${year}-01-01`, end: `${year}-12-31` };
}

/** A quarter's first and last day and its months. */
export function quarterOf(period: string): { start: string; end: string; months: string[] } {
  const match = /^(\d{4})-Q([1-4])$/.exec(period);
  if (!match) throw new RangeError(`${period} is not a quarter (YYYY-Qn)`);
  const y = Number(match[1]);
  const q = Number(match[2]);
  const months = [1, 2, 3].map((i) => month(y, (q - 1) * 3 + i));
  const end = new Date(Date.UTC(y, q * 3, 0)).toISOString().slice(0, 10);
  return { start: `${months[0]}-01`, end, months };
}
