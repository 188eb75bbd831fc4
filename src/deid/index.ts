import type { Cell } from '../metrics/tabulate.js';
import type { RandomWords } from './noise.js';
import { addNoise, type PrivacySettings } from './privacy.js';
import type { PublishedCell } from './published.js';
import type { AuditReport, Solver } from './audit/index.js';
import { DEFAULT_RULES, suppress, type SuppressionRules } from './suppress.js';

export type { PublishedCell, PublishedValue, SuppressionReason } from './published.js';
export { ageBand, AGE_BANDS, generaliseZip, generaliseState, type Zip3Table } from './safe-harbor.js';
export { checkBudget, DEFAULT_CLIPPING, type LedgerEntry, type PrivacySettings } from './privacy.js';
export { cryptoWords } from './noise.js';
export { DEFAULT_RULES, type SuppressionRules } from './suppress.js';
export type { AuditReport, Solver } from './audit/index.js';
export { loadSolver } from './audit/index.js';

export interface DeidentifiedRelease {
  cells: PublishedCell[];
  /** The disclosure audit the cells passed: for the operators, never published. */
  audit: AuditReport;
  privacy?: { epsilon: number; histograms: number; epsilonPerHistogram: number; mechanism: 'discrete-laplace' };
}

/**
 * The de-identification of a release's cells, after Safe Harbor generalisation of the strata
 * (done while tabulating): optional noise, then primary, payer-confidential and complementary
 * suppression, decided by the disclosure audit. Pure apart from the random words and the solver.
 */
export function deidentify(
  cells: readonly Cell[],
  solver: Solver,
  options: { rules?: Partial<SuppressionRules>; privacy?: PrivacySettings; words?: RandomWords } = {},
): DeidentifiedRelease {
  if (!options.privacy) {
    const s = suppress(cells, solver, { ...DEFAULT_RULES, ...options.rules, noisy: false });
    return { cells: s.cells, audit: s.audit };
  }
  if (!options.words) throw new Error('noise needs a random source');
  const noisy = addNoise(cells, options.privacy, options.words);
  const s = suppress(noisy.cells, solver, { ...DEFAULT_RULES, ...options.rules, noisy: true });
  const published = s.cells;
  for (const cell of published)
    for (const [q, v] of Object.entries(cell.quantities)) {
      const scale = noisy.scales.get(`${cell.period}|${q}`);
      if (scale !== undefined) v.noiseScale = scale;
    }
  return {
    cells: published,
    audit: s.audit,
    privacy: { epsilon: options.privacy.epsilon, histograms: noisy.histograms, epsilonPerHistogram: noisy.epsilonPerHistogram, mechanism: 'discrete-laplace' },
  };
}
