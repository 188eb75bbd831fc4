import { z } from 'zod';
import type { Clipping } from '../../metrics/contributions.js';
import { TABLES, type TableDef } from '../../metrics/tables.js';
import { rationalAtLeast, rationalValue, type Rational } from '../noise.js';
import { QUANTITY_GROUPS, sensitivity, type QuantityGroup } from './groups.js';
import { epsilonOfRho, rhoOf, rhoOfEpsilon, sigma2For } from './zcdp.js';

/**
 * The declared workload (policies/dp-release.json): which histograms are noised and how much of
 * the budget each gets. The weight of a histogram is its quantity group's weight times its
 * table's weight (times the share of the group's total, for a group also measured as a total),
 * so the tables researchers need most get the least noise.
 */
export interface Workload {
  /** δ of the (ε, δ) guarantee, per release. */
  delta: number;
  groups: Readonly<Record<string, number>>;
  /** Table ids, and `<table>_by_quarter` for a quarterly table's quarters. */
  tables: Readonly<Record<string, number>>;
  /** For a group measured also as a total (paid): the share of its weight on that total. */
  totalShare: Readonly<Record<string, number>>;
  /** Share of the release's ρ for the population counts of the manifest. */
  population: number;
}

const weight = z.number().finite().nonnegative();
const schema = z
  .object({
    delta: z.number().gt(0).lt(1),
    groups: z.record(z.string(), weight),
    tables: z.record(z.string(), weight),
    totalShare: z.record(z.string(), z.number().gt(0).lt(1)),
    population: z.number().gt(0).lt(1),
  })
  .strict();

/** Reads and checks a workload policy; every problem in one message. */
export function parseWorkload(json: unknown, tables: readonly TableDef[] = TABLES): Workload {
  const { $comment: _c, deltaReason: _d, ...rest } = (json ?? {}) as Record<string, unknown>;
  const parsed = schema.safeParse(rest);
  if (!parsed.success) throw new Error(`workload policy: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const w = parsed.data;
  const problems: string[] = [];
  const groupIds = new Set(QUANTITY_GROUPS.map((g) => g.id));
  for (const g of QUANTITY_GROUPS) if (!(w.groups[g.id]! > 0)) problems.push(`group ${g.id} needs a positive weight`);
  for (const id of Object.keys(w.groups)) if (!groupIds.has(id)) problems.push(`unknown group ${id}`);
  const names = new Set(histogramsOf(tables).map((h) => h.name));
  for (const id of Object.keys(w.tables)) if (!names.has(id)) problems.push(`unknown table ${id}`);
  for (const id of Object.keys(w.totalShare)) if (!QUANTITY_GROUPS.find((g) => g.id === id)?.total) problems.push(`group ${id} has no total`);
  if (problems.length > 0) throw new Error(`workload policy: ${problems.join('; ')}`);
  return w;
}

/** One noised histogram shape: a table for a year, or a quarterly table's quarters. */
export interface Histogram {
  name: string;
  table: TableDef;
  quarterly: boolean;
}

export function histogramsOf(tables: readonly TableDef[]): Histogram[] {
  return tables.flatMap((table) => [
    { name: table.id, table, quarterly: false },
    ...(table.quarterly ? [{ name: `${table.id}_by_quarter`, table, quarterly: true }] : []),
  ]);
}

/** One noised query: every value of one histogram of one group in one year, with one σ². */
export interface PlannedQuery {
  year: number;
  group: string;
  histogram: string;
  /** `parts`: each part of each cell; `total`: the sum of the parts of each cell. */
  kind: 'parts' | 'total';
  /** L2 sensitivity after clipping. */
  sensitivity: number;
  /** The discrete Gaussian's parameter, as the sampler gets it, and its square root. */
  sigma2: Rational;
  sigma: number;
  /** ρ this query spends: Δ² / (2σ²) at the σ² actually used. */
  rho: number;
}

export interface QueryPlan {
  epsilon: number;
  delta: number;
  /** The release's ρ: the largest whose (ε, δ) conversion is at most epsilon. */
  rho: number;
  queries: PlannedQuery[];
  /** People in the data, in two parts (not excluded, excluded by consent): one person is in one part. */
  population: { sensitivity: number; sigma2: Rational; sigma: number; rho: number };
  /** Σ ρ of every query and ε of that at δ: at most the release's ρ and epsilon. */
  rhoSpent: number;
  epsilonSpent: number;
}

/**
 * The release's queries and their noise, from epsilon, δ and the workload alone (no data):
 * ρ = ρ(ε, δ), a share for the population counts, the rest split by weight over every
 * (year, group, histogram, kind). A person is in every year, so the years share the budget.
 */
export function planQueries(input: {
  epsilon: number;
  workload: Workload;
  years: readonly number[];
  clipping: Clipping;
  tables?: readonly TableDef[];
}): QueryPlan {
  const { workload, clipping } = input;
  if (input.years.length === 0) throw new RangeError('a release needs at least one year');
  const rho = rhoOfEpsilon(input.epsilon, workload.delta);
  const histograms = histogramsOf(input.tables ?? TABLES);
  const wanted: { year: number; group: QuantityGroup; histogram: Histogram; kind: 'parts' | 'total'; weight: number }[] = [];
  for (const year of input.years)
    for (const group of QUANTITY_GROUPS)
      for (const histogram of histograms) {
        if (histogram.quarterly && !group.monthly) continue;
        const base = (workload.groups[group.id] ?? 0) * (workload.tables[histogram.name] ?? 0);
        if (!(base > 0)) continue;
        if (!group.total) wanted.push({ year, group, histogram, kind: 'parts', weight: base });
        else {
          const share = workload.totalShare[group.id] ?? 0.5;
          wanted.push({ year, group, histogram, kind: 'total', weight: base * share }, { year, group, histogram, kind: 'parts', weight: base * (1 - share) });
        }
      }
  const total = wanted.reduce((n, w) => n + w.weight, 0);
  const forTables = rho * (1 - workload.population);
  const queries = wanted.map((w): PlannedQuery => {
    const shape = { quarterly: w.histogram.quarterly, segments: w.histogram.table.dims.includes('segment') };
    const delta = sensitivity(w.group, clipping, shape, w.kind);
    const sigma2 = rationalAtLeast(sigma2For(delta, (forTables * w.weight) / total));
    return {
      year: w.year,
      group: w.group.id,
      histogram: w.histogram.name,
      kind: w.kind,
      sensitivity: delta,
      sigma2,
      sigma: Math.sqrt(rationalValue(sigma2)),
      rho: rhoOf(delta, rationalValue(sigma2)),
    };
  });
  const popSigma2 = rationalAtLeast(sigma2For(1, rho * workload.population));
  const population = { sensitivity: 1, sigma2: popSigma2, sigma: Math.sqrt(rationalValue(popSigma2)), rho: rhoOf(1, rationalValue(popSigma2)) };
  const rhoSpent = queries.reduce((n, q) => n + q.rho, 0) + population.rho;
  return { epsilon: input.epsilon, delta: workload.delta, rho, queries, population, rhoSpent, epsilonSpent: epsilonOfRho(rhoSpent, workload.delta) };
}
