import type { Cell } from '../metrics/tabulate.js';
import type { RateDef } from '../metrics/tables.js';
import type { ProtectionPolicy, WithholdingCause } from './audit/index.js';

/** What suppression (suppress.ts) and the choice of what to withhold next (protect.ts) share. */

/** A value of the release while suppression is decided. */
export interface Var {
  id: string;
  cell: Cell;
  quantity: string;
  value: number;
  status: 'published' | 'suppressed';
  cause?: WithholdingCause;
}

/** How a rate of a cell whose parts are withheld is shown: its decimals, or not at all. */
export interface RateState {
  digits: number;
  withheld: boolean;
}

/** The shown decimals of a rate in a cell whose parts are withheld. */
export function confidentialDigits(rate: RateDef, policy: ProtectionPolicy): number {
  const d = policy.confidentialRateDigits;
  return rate.denominator === 'member_months' ? (rate.per === 1 ? d.pmpm : d.per1000) : d.proportion;
}
