import type { Cell } from '../metrics/tabulate.js';
import type { RandomWords } from './noise.js';
import { addNoise, type PrivacySettings } from './privacy.js';
import type { PublishedCell } from './published.js';
import { DEFAULT_RULES, suppress, type SuppressionRules } from './suppress.js';

export type { PublishedCell, PublishedValue, SuppressionReason } from './published.js';
export { ageBand, AGE_BANDS, generaliseZip, generaliseState, type Zip3Table } from './safe-harbor.js';
export { checkBudget, DEFAULT_CLIPPING, type LedgerEntry, type PrivacySettings } from './privacy.js';
export { cryptoWords } from './noise.js';
export { DEFAULT_RULES, type SuppressionRules } from './suppress.js';

export interface DeidentifiedRelease {
  cells: PublishedCell[];
  privacy?: { epsilon: number; histograms: number; epsilonPerHistogram: number; mechanism: 'discrete-laplace' };
}

/**
 * The de-identification of a release's cells, after Safe Harbor generalisation of the strata
 * (done while tabulating): optional noise, then primary, payer-confidential and complementary
 * suppression. Pure apart from the random words.
 */
export function deidentify(
  cells: readonly Cell[],
  options: { rules?: Partial<SuppressionRules>; privacy?: PrivacySettings; words?: RandomWords } = {},
): DeidentifiedRelease {
  if (!options.privacy) return { cells: suppress(cells, { ...DEFAULT_RULES, ...options.rules, noisy: false }) };
  if (!options.words) throw new Error('noise needs a random source');
  const noisy = addNoise(cells, options.privacy, options.words);
  const published = suppress(noisy.cells, { ...DEFAULT_RULES, ...options.rules, noisy: true });
  for (const cell of published)
    for (const [q, v] of Object.entries(cell.quantities)) {
      const scale = noisy.scales.get(`${cell.period}|${q}`);
      if (scale !== undefined) v.noiseScale = scale;
    }
  return {
    cells: published,
    privacy: { epsilon: options.privacy.epsilon, histograms: noisy.histograms, epsilonPerHistogram: noisy.epsilonPerHistogram, mechanism: 'discrete-laplace' },
  };
}
