import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.js';
import { releaseAudits } from '../db/schema.js';
import { readBudget } from '../release/budget/store.js';
import { listReleases, type ReleaseRow } from '../release/store.js';
import type { Operator } from './operator.js';

export interface ReleaseAuditSummary {
  checked: number;
  programs: number;
  /** How many values were withheld, by cause (primary, complementary, …); never the values. */
  withheld: Record<string, number>;
}

export interface ReleaseOverview {
  releases: (ReleaseRow & { audit?: ReleaseAuditSummary })[];
  budget: { lifetime: number | null; spent: number; remaining: number | null; changes: number };
}

/** The releases, newest first, each with the summary of the disclosure audit it passed, and the privacy budget. */
export async function releaseOverview(db: Database, _operator: Operator): Promise<ReleaseOverview> {
  const rows = await listReleases(db);
  const withAudit = await Promise.all(
    rows.map(async (r) => {
      const [a] = await db.orm.select({ report: releaseAudits.report }).from(releaseAudits).where(eq(releaseAudits.releaseId, r.id));
      return a ? { ...r, audit: summarise(a.report) } : r;
    }),
  );
  const budget = await readBudget(db);
  const lifetime = budget.current?.epsilon ?? null;
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    releases: withAudit,
    budget: { lifetime, spent: round(budget.spent), remaining: lifetime === null ? null : round(lifetime - budget.spent), changes: budget.history.length },
  };
}

function summarise(json: string): ReleaseAuditSummary {
  const r = JSON.parse(json) as { checked?: number; programs?: number; withheld?: { cause?: string }[] };
  const withheld: Record<string, number> = {};
  for (const w of r.withheld ?? []) withheld[w.cause ?? 'unknown'] = (withheld[w.cause ?? 'unknown'] ?? 0) + 1;
  return { checked: r.checked ?? 0, programs: r.programs ?? 0, withheld };
}
