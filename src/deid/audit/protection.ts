import policy from '../../../policies/disclosure-protection.json' with { type: 'json' };
import { isSum } from '../../metrics/tables.js';

export type ProtectionPolicy = Pick<typeof policy, 'minCount' | 'panelShare' | 'complementaryShare' | 'sumShare' | 'minPayers' | 'confidentialRateDigits'>;
export const PROTECTION: ProtectionPolicy = policy;

/** Why a value is withheld, as the operators' report knows it (the public files say less). */
export type WithholdingCause = 'primary' | 'complementary' | 'payer-confidential';

/**
 * The interval the attacker must not be able to narrow: the true value must stay consistent with
 * `low` and with `high`. Undefined when nothing needs protecting (a withheld zero: withheld only
 * as a neighbour, and a zero is what a published rate of zero already says). Pure.
 */
export function protectionInterval(
  quantity: string,
  value: number,
  cause: WithholdingCause,
  p: ProtectionPolicy = PROTECTION,
): { low: number; high: number } | undefined {
  if (value <= 0) return undefined;
  const sum = isSum(quantity);
  if (cause === 'primary') {
    if (sum) return { low: value * (1 - p.sumShare), high: value * (1 + p.sumShare) };
    // Down to one person, not to nobody: that someone is there is what any non-zero figure of the
    // cell (its member-months, its dollars, a rate) already says (policies/, minCountWhy).
    return { low: Math.max(1, value - 1), high: Math.max(p.minCount, value + 1) };
  }
  const share = cause === 'payer-confidential' && PANEL.has(quantity) ? p.panelShare : p.complementaryShare;
  const d = Math.max(1, sum ? share * value : Math.ceil(share * value - 1e-9));
  return { low: value - d, high: value + d };
}

/** What a plan's portion of a panel is measured in. */
const PANEL = new Set(['members', 'member_months']);
