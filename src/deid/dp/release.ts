import type { Clipping } from '../../metrics/contributions.js';
import { cellKey, type Cell } from '../../metrics/tabulate.js';
import { RATES, TABLES, type TableDef } from '../../metrics/tables.js';
import { discreteGaussian, type RandomWords } from '../noise.js';
import { fitToUniverse, type ReleaseUniverse } from '../universe.js';
import { buildDesign, sdOf, unknownsOf, type Design, type DesignCell } from './design.js';
import { estimate, varianceOfSum } from './gls.js';
import { QUANTITY_GROUPS } from './groups.js';
import { publishable } from './postprocess.js';
import { planQueries, type QueryPlan, type Workload } from './workload.js';

/** What a differentially private release needs besides the cells: all of it public, none of it data. */
export interface DpSettings {
  /** Epsilon of this release, as (ε, δ)-DP with the workload's δ. */
  epsilon: number;
  clipping: Clipping;
  workload: Workload;
  universe: ReleaseUniverse;
  tables?: readonly TableDef[];
}

export interface NoisyRelease {
  /** Every declared cell, with noisy, reconciled values; declared plans; no contributor counts. */
  cells: Cell[];
  /**
   * Standard deviation of every noisy value after reconciliation, by `${cell key}#${quantity}`,
   * and of the rest of a proportion's denominator by `${cell key}#${rate id}:rest`.
   * Data-independent.
   */
  sd: Map<string, number>;
  plan: QueryPlan;
  designs: readonly Design[];
  population?: { people: number; excludedByConsent: number; sd: { people: number; excludedByConsent: number } };
}

export const keyOf = (cell: DesignCell, year: number) =>
  cellKey(cell.quarter ? `${year}-Q${cell.quarter}` : String(year), cell.table.id, cell.stratum, cell.table.dims);

/**
 * The designs of every quantity group for a plan: the same for every year, since the years share
 * the budget evenly. They depend only on the universe, the tables and the noise, so the last few
 * are kept: a benchmark or a test that noises the same layout again skips the matrix inversions.
 */
export function designsFor(plan: QueryPlan, universe: ReleaseUniverse, tables: readonly TableDef[] = TABLES): Design[] {
  const first = universe.years[0]!;
  const key = JSON.stringify([
    universe,
    tables.map((t) => t.id),
    plan.queries.filter((q) => q.year === first).map((q) => [q.group, q.histogram, q.kind, String(q.sigma2.num), String(q.sigma2.den)]),
  ]);
  const cached = DESIGNS.get(key);
  if (cached) return cached;
  const designs = build(plan, universe, tables, first);
  DESIGNS.set(key, designs);
  if (DESIGNS.size > 8) DESIGNS.delete(DESIGNS.keys().next().value!);
  return designs;
}

const DESIGNS = new Map<string, Design[]>();

function build(plan: QueryPlan, universe: ReleaseUniverse, tables: readonly TableDef[], first: number): Design[] {
  return QUANTITY_GROUPS.map((g) =>
    buildDesign(
      g,
      universe,
      plan.queries.filter((q) => q.group === g.id && q.year === first),
      tables,
    ),
  );
}

/**
 * Noises a release under zero-concentrated DP and post-processes it:
 * 1. the cells are put on the declared universe (every stratum, declared plans);
 * 2. every query of the plan (group × histogram × year) gets discrete Gaussian noise on each of
 *    its integer values (dollars rounded to whole dollars first);
 * 3. per group and year, generalised least squares combines every measurement of a cell, its
 *    margins and its total, with the identities between tables holding;
 * 4. each partition is made non-negative and whole, adding up to the (rounded, non-negative)
 *    total, and every published value is a sum of those: margins, quarters, categories and
 *    proportions stay consistent.
 * Nothing after step 2 reads the data. Pure apart from the random words.
 */
export function addNoise(
  cells: readonly Cell[],
  settings: DpSettings,
  words: RandomWords,
  population?: { people: number; excludedByConsent: number },
): NoisyRelease {
  const tables = settings.tables ?? TABLES;
  const { universe } = settings;
  const fitted = fitToUniverse(cells, universe, { payers: 'declared', tables });
  const plan = planQueries({ epsilon: settings.epsilon, workload: settings.workload, years: universe.years, clipping: settings.clipping, tables });
  const designs = designsFor(plan, universe, tables);
  const exact = new Map(fitted.map((c) => [c.key, c]));
  const out = fitted.map((c): Cell => ({ ...c, values: {}, contributors: {} }));
  const noisy = new Map(out.map((c) => [c.key, c]));
  const sd = new Map<string, number>();
  for (const design of designs) {
    const { group } = design;
    const k = group.parts.length;
    for (const year of universe.years) {
      const sameNoise = plan.queries.filter((q) => q.group === group.id && q.year === year);
      // 2. Measure.
      const values = measuredValues(design, exact, year);
      const y = design.measurements.map(({ query }, i) => {
        const mine = sameNoise.find((q) => q.histogram === query.histogram && q.kind === query.kind)!;
        if (mine.sigma2.num !== query.sigma2.num || mine.sigma2.den !== query.sigma2.den) throw new Error('years must share the noise of one design');
        return values[i]! + discreteGaussian(query.sigma2, words);
      });
      // 3. Reconcile.
      const x = estimate(
        design.cov,
        design.unknowns,
        design.measurements.map((m) => m.m),
        y,
      );
      // 4. Non-negative whole numbers, every identity exact.
      const final = publishable(design, x);
      for (const cell of design.cells) {
        const key = keyOf(cell, year);
        const target = noisy.get(key)!;
        for (const quantity of Object.keys(group.published)) {
          target.values[quantity] = unknownsOf(design, cell, quantity).reduce((n, i) => n + final[i]!, 0);
          sd.set(`${key}#${quantity}`, sdOf(design, cell, quantity));
        }
        for (const rate of RATES) {
          const rest = restOf(design, rate.numerator, rate.denominator);
          if (rest)
            sd.set(
              `${key}#${rate.id}:rest`,
              Math.sqrt(
                varianceOfSum(
                  design.cov,
                  design.unknowns,
                  cell.atoms.flatMap((a) => rest.map((r) => a * k + r)),
                ),
              ),
            );
        }
      }
    }
  }
  return { cells: out, sd, plan, designs, ...(population ? { population: noisyPopulation(population, plan, words) } : {}) };
}

/**
 * The exact integer value behind each measurement of a design in a year, before noise: the
 * part of a cell, or its total; dollars rounded to whole dollars (the sensitivity allows for it).
 */
export function measuredValues(design: Design, cells: ReadonlyMap<string, Cell>, year: number): number[] {
  const { group } = design;
  return design.measurements.map(({ cell, part }) => {
    const values = cells.get(keyOf(cell, year))?.values ?? {};
    const parts = group.partsOf(values).map((v) => Math.round(v));
    return part !== undefined ? parts[part]! : group.total ? Math.round(values[group.total] ?? 0) : parts.reduce((n, v) => n + v, 0);
  });
}

/** The parts of a proportion's denominator that are not in its numerator, when both are in one group. */
function restOf(design: Design, numerator: string, denominator: string): number[] | undefined {
  const { published, parts } = design.group;
  const n = published[numerator];
  const d = published[denominator];
  if (!n || !d || !n.every((p) => d.includes(p))) return undefined;
  return d.filter((p) => !n.includes(p)).map((p) => parts.indexOf(p));
}

/** The manifest's population counts, in two parts (people not excluded, excluded by consent) so that one person moves one part by 1. */
function noisyPopulation(population: { people: number; excludedByConsent: number }, plan: QueryPlan, words: RandomWords) {
  const kept = Math.max(0, population.people - population.excludedByConsent + discreteGaussian(plan.population.sigma2, words));
  const excluded = Math.max(0, population.excludedByConsent + discreteGaussian(plan.population.sigma2, words));
  return { people: kept + excluded, excludedByConsent: excluded, sd: { people: plan.population.sigma * Math.SQRT2, excludedByConsent: plan.population.sigma } };
}
