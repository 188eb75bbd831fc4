/**
 * The privacy budget's rules, pure: what a valid epsilon is, whether a release fits in what is
 * left, and which changes of the budget are allowed. Each answers with the sentence the
 * operator reads, or undefined when all is well.
 */

/** Above this a lifetime epsilon bounds nothing an attacker cares about. */
export const MAX_LIFETIME_EPSILON = 100;

/**
 * A positive decimal number as an operator types it ("1", "0.5", "2e-1"). `Number()` alone is
 * too lenient: it reads "" and " " as 0, "0x10" as 16 and "Infinity" as a number.
 */
export function parseEpsilon(text: string | undefined, what: string): { ok: true; value: number } | { ok: false; message: string } {
  const value = text !== undefined && /^\s*(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  const problem = epsilonProblem(value, what);
  return problem ? { ok: false, message: text === undefined || text.trim() === '' ? `${what} needs a value` : problem } : { ok: true, value };
}

/** The least epsilon accepted, for a release or a budget. */
export const MIN_EPSILON = 0.001;

export function epsilonProblem(value: number, what: string): string | undefined {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) return `${what} must be a positive number, such as 1 or 0.5`;
  // Below this the noise is astronomically large and its variance no longer a finite number.
  if (value < MIN_EPSILON) return `${what} must be at least ${MIN_EPSILON}`;
  if (value > MAX_LIFETIME_EPSILON) return `${what} must be at most ${MAX_LIFETIME_EPSILON}`;
  return undefined;
}

/** Whether a release spending `epsilon` fits: the spend after it may not pass the budget. */
export function spendProblem(budget: number, spent: number, epsilon: number): string | undefined {
  if (spent + epsilon <= budget + TOLERANCE) return undefined;
  return `privacy budget exceeded: ${round(spent)} of ${round(budget)} already spent (${round(Math.max(0, budget - spent))} remaining); a release with epsilon ${epsilon} would make ${round(spent + epsilon)}`;
}

/** Whether the budget may become `next`: a change, and never below what is already spent. */
export function changeProblem(current: number | undefined, spent: number, next: number): string | undefined {
  const invalid = epsilonProblem(next, 'the lifetime budget');
  if (invalid) return invalid;
  if (current !== undefined && Math.abs(current - next) <= TOLERANCE) return `the lifetime budget is already ${round(current)}`;
  if (next + TOLERANCE < spent)
    return `the lifetime budget cannot go below what is already spent: ${round(spent)} (asked for ${next}); spent epsilon cannot be taken back`;
  return undefined;
}

/** Epsilons are summed as floating point (0.1 + 0.2): the database triggers use the same tolerance. */
const TOLERANCE = 1e-9;
export const round = (x: number) => Math.round(x * 1e6) / 1e6;
