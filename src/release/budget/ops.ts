import type { AuditTrail } from '../../audit/trail.js';
import type { Database } from '../../db/database.js';
import { recordLedgerChange, type Operator } from '../audit.js';
import { LedgerBusy, withLedgerLock, type LockOptions } from '../lock.js';
import type { BudgetPolicy } from './policy.js';
import { changeProblem, round } from './rules.js';
import { budgetStatement, readBudget, type BudgetRow } from './store.js';

export interface BudgetDeps {
  db: Database;
  audit: AuditTrail;
  clock: () => Date;
  operator: Operator;
  newId?: () => string;
  lock?: Partial<Omit<LockOptions, 'purpose'>>;
}

/** A change of the budget that was refused, and why. Nothing was written. */
export class BudgetRefused extends Error {
  readonly code = 'budget-refused';
}

export interface BudgetView {
  current: BudgetRow | undefined;
  /** What the first release will bind, while nothing is bound yet. */
  policy: BudgetPolicy;
  spent: number;
  remaining: number | undefined;
  history: BudgetRow[];
}

export async function showBudget(db: Database, policy: BudgetPolicy): Promise<BudgetView> {
  const state = await readBudget(db);
  return {
    current: state.current,
    policy,
    spent: round(state.spent),
    remaining: state.current ? round(state.current.epsilon - state.spent) : undefined,
    history: state.history,
  };
}

const REASON_MAX = 1000;

/**
 * The one way the lifetime budget changes after it is bound: an operator, a reason, under the
 * release ledger's lock (so no release spends against the old figure meanwhile), one new row of
 * its append-only history, and an audit event. Refused (and audited as refused) when it is not
 * a change, not a valid budget, or below what is already spent.
 */
export async function setBudget(
  deps: BudgetDeps,
  input: { epsilon: number; reason: string },
): Promise<{ previous: number | undefined; epsilon: number; spent: number }> {
  const now = deps.clock().toISOString();
  const reason = input.reason.trim();
  const newId = deps.newId ?? (() => crypto.randomUUID());
  const facts = [`to=${input.epsilon}`, `reason=${reason}`, ...(deps.operator.osUser ? [`os-user=${deps.operator.osUser}`] : [])];
  try {
    if (reason === '') throw new BudgetRefused('a reason is required: say why the budget changes (--reason "…")');
    if (reason.length > REASON_MAX || /[\u0000-\u001f\u007f]/.test(reason))
      throw new BudgetRefused(`the reason must be one line of at most ${REASON_MAX} characters`);
    const changed = await withLedgerLock(deps.db, { holder: `budget set by ${deps.operator.id}`, ...deps.lock, purpose: 'budget' }, async () => {
      const state = await readBudget(deps.db);
      const previous = state.current?.epsilon;
      const problem = changeProblem(previous, state.spent, input.epsilon);
      if (problem) throw new BudgetRefused(problem);
      try {
        await deps.db.atomic([
          budgetStatement(deps.db, {
            epsilon: input.epsilon,
            previous: previous ?? null,
            spent: state.spent,
            source: 'operator',
            operator: `${deps.operator.via}:${deps.operator.id}`,
            reason,
            recorded: now,
          }),
        ]);
      } catch (err) {
        // The trigger's guard, for a writer that raced past the check above.
        if (/privacy budget below what is spent/.test(String(err))) throw new BudgetRefused('the lifetime budget cannot go below what is already spent');
        throw err;
      }
      return { previous, epsilon: input.epsilon, spent: round(state.spent) };
    });
    await recordLedgerChange(deps.audit, newId, {
      action: 'set-budget',
      when: now,
      operator: deps.operator,
      target: 'privacy-budget',
      facts: [`from=${changed.previous ?? 'unbound'}`, ...facts, `spent=${changed.spent}`],
    });
    return changed;
  } catch (err) {
    if (err instanceof BudgetRefused || err instanceof LedgerBusy)
      await recordLedgerChange(deps.audit, newId, {
        action: 'set-budget',
        when: now,
        operator: deps.operator,
        target: 'privacy-budget',
        facts,
        refused: err.message,
      });
    throw err;
  }
}
