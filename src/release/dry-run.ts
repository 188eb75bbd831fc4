import { expectedErrors, planQueries, type ExpectedError, type QueryPlan, type ReleaseUniverse, type Workload } from '../deid/index.js';
import type { Clipping } from '../metrics/contributions.js';

export interface DryRun {
  plan: QueryPlan;
  expected: ExpectedError[];
}

/**
 * What a differentially private release would cost and how accurate it would be, before anything
 * is read or spent: the plan of queries and the expected error of every table and quantity, from
 * epsilon, the workload, the clipping and the declared universe alone. Pure.
 */
export function dryRun(input: { epsilon: number; years: readonly number[]; universe: ReleaseUniverse; workload: Workload; clipping: Clipping }): DryRun {
  const plan = planQueries({ epsilon: input.epsilon, workload: input.workload, years: input.years, clipping: input.clipping });
  return { plan, expected: expectedErrors(plan, input.universe) };
}

/** The dry run as plain text, one line per table and quantity. */
export function formatDryRun(run: DryRun, years: readonly number[]): string {
  const { plan } = run;
  const lines = [
    `Dry run: nothing is read from patient data, written or spent.`,
    `epsilon ${plan.epsilon}, delta ${plan.delta}: zCDP rho ${sig(plan.rho)} for ${years.join(', ')} (${plan.queries.length} noised histograms, ${sig(plan.rhoSpent)} spent, epsilon ${sig(plan.epsilonSpent)})`,
    '',
    'Expected error of each published figure (standard deviation after reconciliation, and the half-width of its 95% interval):',
    `${'table'.padEnd(22)}${'period'.padEnd(9)}${'quantity'.padEnd(42)}${'sd'.padStart(14)}${'95% ±'.padStart(14)}`,
  ];
  for (const e of run.expected)
    lines.push(`${e.table.padEnd(22)}${e.period.padEnd(9)}${e.quantity.padEnd(42)}${num(e.sdMax).padStart(14)}${num(e.halfWidth).padStart(14)}`);
  lines.push('', 'Counts are people, months or events; paid and allowed are USD. A rate’s error follows from its parts: PMPM ± ≈ paid ± ÷ member-months.');
  return lines.join('\n');
}

const sig = (x: number) => Number(x.toPrecision(4)).toString();
const num = (x: number) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
