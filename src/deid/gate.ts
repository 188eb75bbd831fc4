import type { Cell } from '../metrics/tabulate.js';
import { auditRelease, PROTECTION, type AuditReport, type ProtectionPolicy, type Solver, type Truth, type WithholdingCause } from './audit/index.js';
import type { PublishedCell } from './published.js';
import { varId } from './relations.js';
import { isRateOnly, primaryWithheld, smallComplements, type SuppressionRules } from './withholding-rules.js';

export interface GateVerdict {
  ok: boolean;
  /** What is wrong, in sentences for the operator: no values, only which cells and why. */
  problems: string[];
  audit: AuditReport;
  /** Why each withheld value is withheld, as the gate worked it out. */
  causes: Map<string, WithholdingCause>;
}

/**
 * The check every exact release passes before it is published, whatever method chose what to
 * withhold. It trusts nothing the method says about itself: from the exact cells it works out
 * again which values the rules require withheld (a small count, a plan's share of a panel) and
 * why, checks that none of them is shown, and then runs the whole disclosure audit (linear and
 * whole-number) over the release as published, against the protection each withheld value needs.
 * Pure apart from the solver.
 */
export function gateRelease(
  solver: Solver,
  exact: readonly Cell[],
  published: readonly PublishedCell[],
  rules: Pick<SuppressionRules, 'minCount' | 'minPayers'>,
  policy: ProtectionPolicy = PROTECTION,
): GateVerdict {
  const problems: string[] = [];
  const byKey = new Map(exact.map((c) => [c.key, c]));
  const primary = primaryWithheld(exact, rules);
  const truth = new Map<string, { value: number; cause: WithholdingCause }>();
  const anchor = new Map<string, number>();
  for (const cell of published) {
    const source = byKey.get(cell.key);
    if (!source) {
      problems.push(`the release has a cell the data does not: ${cell.key}`);
      continue;
    }
    const rateOnly = isRateOnly(source, rules);
    for (const [q, v] of Object.entries(cell.quantities)) {
      const id = varId(cell.key, q);
      const value = source.values[q] ?? 0;
      anchor.set(id, value);
      if (v.status !== 'suppressed') {
        if (primary.has(id)) problems.push(`${id} is shown, but is a count (or a sum of people) from 1 to ${rules.minCount - 1}`);
        else if (rateOnly) problems.push(`${id} is shown, but its cell pools fewer than ${rules.minPayers} plans (rates only)`);
        continue;
      }
      // As suppression decides: the small-cell rule first, then the plan's share.
      if (rateOnly && v.reason !== 'payer-confidential')
        problems.push(`${id} is withheld as '${v.reason}' in a rates-only cell, where only 'payer-confidential' may be said: the code would mark it small`);
      const cause: WithholdingCause = primary.has(id) ? 'primary' : rateOnly ? 'payer-confidential' : 'complementary';
      truth.set(id, { value, cause });
    }
  }
  // Exact: each withheld value's own interval, for the operators' report (the quick witness
  // checks would only say the protection is reached, not how far the attacker gets).
  for (const [numerator, c] of smallComplements(exact, rules)) if (truth.has(numerator)) truth.set(c.id, { value: c.value, cause: 'primary' });
  const audit = auditRelease(solver, published, truth as Truth, { policy, integer: true, exact: true, anchor });
  for (const f of audit.findings.slice(0, 20))
    problems.push(`${f.id} (${f.cause}) is narrowed on its ${f.side} side by ${f.by === 'integer' ? 'whole numbers' : 'a linear program'} past its protection`);
  if (audit.findings.length > 20) problems.push(`and ${audit.findings.length - 20} more values are narrowed past their protection`);
  return { ok: problems.length === 0, problems, audit, causes: new Map([...truth].map(([id, t]) => [id, t.cause])) };
}
