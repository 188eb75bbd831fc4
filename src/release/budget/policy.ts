import { epsilonProblem } from './rules.js';

/** The committed default the first release binds (policies/privacy-budget.json). */
export interface BudgetPolicy {
  epsilon: number;
  /** Where it came from, recorded with the budget: the policy file's path. */
  file: string;
  /** The policy's reasoning, in one paragraph, recorded with the budget it binds. */
  reason: string;
}

export class BudgetPolicyError extends Error {
  override name = 'BudgetPolicyError';
}

/** Reads the policy file's JSON; a file that does not say a valid budget is refused, never defaulted. */
export function parseBudgetPolicy(json: unknown, file: string): BudgetPolicy {
  const p = json as { lifetimeEpsilon?: unknown; reasoning?: unknown } | null;
  const epsilon = typeof p?.lifetimeEpsilon === 'number' ? p.lifetimeEpsilon : Number.NaN;
  const problem = epsilonProblem(epsilon, `lifetimeEpsilon in ${file}`);
  if (problem) throw new BudgetPolicyError(problem);
  const reasoning = Array.isArray(p?.reasoning) ? p.reasoning.filter((r): r is string => typeof r === 'string') : [];
  if (reasoning.length === 0) throw new BudgetPolicyError(`${file} must give its reasoning (a list of sentences)`);
  return { epsilon, file, reason: reasoning.join(' ') };
}
