import type { Cell } from '../metrics/tabulate.js';
import { accountingOf, type DpAccounting } from './dp/accounting.js';
import { annotate } from './dp/annotate.js';
import { expectedErrors } from './dp/expected-error.js';
import { addNoise } from './dp/release.js';
import type { RandomWords } from './noise.js';
import type { PrivacySettings } from './privacy.js';
import type { PublishedCell } from './published.js';
import type { AuditReport, Solver } from './audit/index.js';
import { DEFAULT_RULES, suppress, type SuppressionRules } from './suppress.js';

export type { PublishedCell, PublishedValue, SuppressionReason } from './published.js';
export { ageBand, AGE_BANDS, generaliseZip, generaliseState, type Zip3Table } from './safe-harbor.js';
export { checkBudget, DEFAULT_CLIPPING, type LedgerEntry, type PrivacySettings } from './privacy.js';
export { cryptoWords } from './noise.js';
export { DEFAULT_RULES, type SuppressionRules } from './suppress.js';
export { declareUniverse, fitToUniverse, strataOf, type ReleaseUniverse, type UniversePolicy } from './universe.js';
export { parseWorkload, planQueries, type QueryPlan, type Workload } from './dp/workload.js';
export { expectedErrors, type ExpectedError } from './dp/expected-error.js';
export type { DpAccounting } from './dp/accounting.js';
export type { AuditReport, Solver } from './audit/index.js';
export { loadSolver, PROTECTION, type ProtectionPolicy } from './audit/index.js';
export { MAX_COARSENING } from './protect.js';
export { gateRelease, type GateVerdict } from './gate.js';

export interface DeidentifiedRelease {
  cells: PublishedCell[];
  /** Exact releases: the disclosure audit the cells passed, for the operators (never published). */
  audit?: AuditReport;
  privacy?: DpAccounting;
  /** Differential privacy only: the population counts, noised like everything else. */
  population?: { people: number; excludedByConsent: number; sd: { people: number; excludedByConsent: number } };
}

/**
 * The de-identification of a release's cells, after Safe Harbor generalisation of the strata
 * (done while tabulating). Without privacy settings: primary, payer-confidential and
 * complementary suppression of the exact cells, decided by the disclosure audit run with `solver`. With them: the declared universe, noise,
 * reconciliation (dp/release.ts), then suppression that may read only noisy values and declared
 * plans, then each value's interval. Pure apart from the random words and the solver.
 */
export function deidentify(
  cells: readonly Cell[],
  options: {
    /** The LP/MIP solver of the disclosure audit: needed without privacy settings. */
    solver?: Solver;
    rules?: Partial<SuppressionRules>;
    privacy?: PrivacySettings;
    words?: RandomWords;
    population?: { people: number; excludedByConsent: number };
  } = {},
): DeidentifiedRelease {
  if (!options.privacy) {
    if (!options.solver) throw new Error("an exact release needs the disclosure audit's solver");
    const s = suppress(cells, options.solver, { ...DEFAULT_RULES, ...options.rules, noisy: false });
    return { cells: s.cells, audit: s.audit };
  }
  if (!options.words) throw new Error('noise needs a random source');
  const noisy = addNoise(cells, options.privacy, options.words, options.population);
  const published = annotate(suppress(noisy.cells, undefined, { ...DEFAULT_RULES, ...options.rules, noisy: true }).cells, noisy.sd);
  return {
    cells: published,
    privacy: accountingOf(
      noisy.plan,
      expectedErrors(noisy.plan, options.privacy.universe, options.privacy.tables, noisy.designs),
      options.privacy.universe,
      options.privacy.workload,
    ),
    ...(noisy.population ? { population: noisy.population } : {}),
  };
}
