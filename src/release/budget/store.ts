import { asc } from 'drizzle-orm';
import type { Database, Statement } from '../../db/database.js';
import { privacyBudget, privacyLedger } from '../../db/schema.js';
import { round } from './rules.js';

export type BudgetRow = typeof privacyBudget.$inferSelect;
export type LedgerRow = typeof privacyLedger.$inferSelect;

export interface BudgetState {
  /** The budget in force: the last row of its history; absent until the first release binds it. */
  current: BudgetRow | undefined;
  history: BudgetRow[];
  /** Epsilon spent by every release so far. */
  spent: number;
  entries: LedgerRow[];
}

/** The budget, its history and every spend, read from the database: the only place they live. */
export async function readBudget(db: Database): Promise<BudgetState> {
  const history = await db.orm.select().from(privacyBudget).orderBy(asc(privacyBudget.seq));
  const entries = await db.orm.select().from(privacyLedger).orderBy(asc(privacyLedger.seq));
  return { current: history.at(-1), history, spent: entries.reduce((n, l) => n + l.epsilon, 0), entries };
}

/** A new row of the budget's history (the first, bound from the policy, or an operator's change). */
export function budgetStatement(db: Database, row: Omit<BudgetRow, 'seq'>): Statement {
  return db.orm.insert(privacyBudget).values(row);
}

/**
 * The public view of the ledger: the budget in force, spend, every spend and every change of the
 * budget with its reason. Operators' names stay in the audit trail, not on the public page.
 */
export async function ledgerSummary(db: Database) {
  const state = await readBudget(db);
  const lifetimeBudget = state.current?.epsilon ?? null;
  return {
    lifetimeBudget,
    spent: round(state.spent),
    remaining: lifetimeBudget === null ? null : round(lifetimeBudget - state.spent),
    entries: state.entries.map((e) => ({
      releaseId: e.releaseId,
      epsilon: e.epsilon,
      lifetimeBudget: e.lifetimeBudget,
      recorded: e.recorded,
      mechanism: e.mechanism,
    })),
    changes: state.history.map((h) => ({ epsilon: h.epsilon, previous: h.previous, spent: h.spent, source: h.source, reason: h.reason, recorded: h.recorded })),
  };
}

export type LedgerSummary = Awaited<ReturnType<typeof ledgerSummary>>;
