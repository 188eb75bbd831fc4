import type { ReleaseUniverse } from '../universe.js';
import type { ExpectedError } from './expected-error.js';
import type { QueryPlan, Workload } from './workload.js';

/** What a differentially private release states about its privacy: plain JSON, for the manifest and methodology. */
export interface DpAccounting {
  mechanism: 'discrete-gaussian';
  accounting: 'zCDP';
  /** Requested: (ε, δ)-DP for this release. */
  epsilon: number;
  delta: number;
  /** ρ of this release: the largest with ρ + 2√(ρ ln(1/δ)) ≤ ε. */
  rho: number;
  /** Σ ρ over every noised query (never more than rho), and its ε at δ (never more than epsilon). */
  rhoSpent: number;
  epsilonSpent: number;
  queries: { year: number; group: string; histogram: string; kind: 'parts' | 'total'; sensitivity: number; sigma: number; rho: number }[];
  population: { sensitivity: number; sigma: number; rho: number };
  expected: ExpectedError[];
  /** The declared strata and the workload: what the table layout and the allocation follow. */
  universe: ReleaseUniverse;
  workload: Workload;
}

export function accountingOf(plan: QueryPlan, expected: ExpectedError[], universe: ReleaseUniverse, workload: Workload): DpAccounting {
  return {
    mechanism: 'discrete-gaussian',
    accounting: 'zCDP',
    epsilon: plan.epsilon,
    delta: plan.delta,
    rho: plan.rho,
    rhoSpent: plan.rhoSpent,
    epsilonSpent: plan.epsilonSpent,
    queries: plan.queries.map(({ year, group, histogram, kind, sensitivity, sigma, rho }) => ({ year, group, histogram, kind, sensitivity, sigma, rho })),
    population: { sensitivity: plan.population.sensitivity, sigma: plan.population.sigma, rho: plan.population.rho },
    expected,
    universe,
    workload,
  };
}
