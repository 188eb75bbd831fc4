import type { Segment } from '../metrics/cost-utilization.js';
import { cellKey, type Cell } from '../metrics/tabulate.js';
import { TABLES, type Dimension, type TableDef } from '../metrics/tables.js';
import { AGE_BANDS } from './safe-harbor.js';

/**
 * The cell universe of a release: every stratum the methodology declares in advance, whether or
 * not anyone is in it. A table built only from occupied strata shows, by a row's mere existence,
 * that someone is there: one person alone in a ZIP3 or an age band is a row that no noise can
 * hide. With a declared universe the set of rows is the same for every population. Pure.
 */
export interface ReleaseUniverse {
  years: readonly number[];
  segments: readonly Segment[];
  /** Registered provider organizations, then `unattributed` and `other`. */
  organizations: readonly string[];
  /** Declared state-ZIP3 areas, then `other`. */
  geographies: readonly string[];
  ageBands: readonly string[];
  sexes: readonly string[];
  /** Registered plans per segment: what the payer-confidential rule counts, never the people. */
  plans: Readonly<Record<Segment, readonly string[]>>;
}

/** Where a value outside the declared list goes: anyone outside the service area, or attributed to an organization not registered. */
export const OTHER = 'other';
export const UNATTRIBUTED = 'unattributed';
export const SEGMENTS: readonly Segment[] = ['commercial', 'medicare', 'medicaid'];
/** Administrative sex as the metrics read it (PersonFacts.sex). */
export const SEXES: readonly string[] = ['female', 'male', 'other', 'unknown'];

/** The service area and plans, as policies/release-universe.json states them. */
export interface UniversePolicy {
  geography: { areas: readonly string[] };
  plans: Readonly<Record<Segment, readonly string[]>>;
}

/**
 * The universe from the policy and the participant registry (public operator data, not patient
 * data): provider organizations are the ones attribution can name; a declared plan counts only if
 * it is registered as a payer, so an unregistered plan can only make the payer rule stricter.
 */
export function declareUniverse(input: {
  policy: UniversePolicy;
  providers: readonly string[];
  payers: readonly string[];
  years: readonly number[];
}): ReleaseUniverse {
  const registered = new Set(input.payers);
  const plans = Object.fromEntries(SEGMENTS.map((s) => [s, (input.policy.plans[s] ?? []).filter((p) => registered.has(p))])) as unknown as Record<
    Segment,
    readonly string[]
  >;
  const areas = [...new Set(input.policy.geography.areas)];
  if (areas.includes(OTHER)) throw new Error(`"${OTHER}" is the catch-all area; do not declare it`);
  return {
    years: [...input.years].sort(),
    segments: SEGMENTS,
    organizations: [...[...new Set(input.providers)].filter((o) => o !== UNATTRIBUTED && o !== OTHER).sort(), UNATTRIBUTED, OTHER],
    geographies: [...areas, OTHER],
    ageBands: [...AGE_BANDS, 'unknown'],
    sexes: SEXES,
    plans,
  };
}

/** The declared values of one dimension. */
export function valuesOf(universe: ReleaseUniverse, dim: Dimension): readonly string[] {
  switch (dim) {
    case 'segment':
      return universe.segments;
    case 'organization':
      return universe.organizations;
    case 'geography':
      return universe.geographies;
    case 'age_band':
      return universe.ageBands;
    case 'sex':
      return universe.sexes;
  }
}

/** Where an undeclared value of a dimension is counted. Segments have no catch-all: every counted plan has one. */
function catchAll(dim: Dimension): string | undefined {
  if (dim === 'organization' || dim === 'geography') return OTHER;
  if (dim === 'age_band' || dim === 'sex') return 'unknown';
  return undefined;
}

/** Every stratum of a table: the cross product of its dimensions' declared values. */
export function strataOf(universe: ReleaseUniverse, table: TableDef): Partial<Record<Dimension, string>>[] {
  let out: Partial<Record<Dimension, string>>[] = [{}];
  for (const dim of table.dims) out = out.flatMap((s) => valuesOf(universe, dim).map((v) => ({ ...s, [dim]: v })));
  return out;
}

/** The periods of a table in a year: the year, and its quarters for quarterly tables. */
export const periodsOf = (year: number, table: TableDef) => [String(year), ...(table.quarterly ? [1, 2, 3, 4].map((q) => `${year}-Q${q}`) : [])];

/**
 * The cells of a release on the declared universe: every declared (period, table, stratum), with
 * the tabulated cells' values summed in (an undeclared value lands in its dimension's catch-all)
 * and zeros where nobody is.
 * - `payers: 'declared'` (differential privacy): each cell's plans are the registered plans of
 *   its segment, or of every segment, never the plans of the people in it; contributor counts are
 *   dropped, since after noise nothing may look at exact data.
 * - `payers: 'data'` (suppression): plans and contributor counts from the data, summed.
 */
export function fitToUniverse(
  cells: readonly Cell[],
  universe: ReleaseUniverse,
  options: { payers: 'declared' | 'data'; tables?: readonly TableDef[] },
): Cell[] {
  const tables = options.tables ?? TABLES;
  const out = new Map<string, Cell>();
  const allPlans = universe.segments.flatMap((s) => universe.plans[s]);
  for (const year of universe.years)
    for (const table of tables)
      for (const period of periodsOf(year, table))
        for (const stratum of strataOf(universe, table)) {
          const key = cellKey(period, table.id, stratum, table.dims);
          const payers = options.payers === 'declared' ? new Set(stratum.segment ? universe.plans[stratum.segment as Segment] : allPlans) : new Set<string>();
          out.set(key, { period, table: table.id, stratum, key, values: {}, contributors: {}, payers });
        }
  const byId = new Map(tables.map((t) => [t.id, t]));
  for (const cell of cells) {
    const table = byId.get(cell.table);
    if (!table) continue;
    const stratum: Partial<Record<Dimension, string>> = {};
    for (const dim of table.dims) {
      const value = cell.stratum[dim]!;
      const fallback = catchAll(dim);
      stratum[dim] = valuesOf(universe, dim).includes(value) ? value : (fallback ?? value);
    }
    const target = out.get(cellKey(cell.period, table.id, stratum, table.dims));
    if (!target) throw new Error(`cell ${cell.key} is outside the declared universe`);
    for (const [q, v] of Object.entries(cell.values)) target.values[q] = (target.values[q] ?? 0) + v;
    if (options.payers === 'data') {
      for (const [q, v] of Object.entries(cell.contributors)) target.contributors[q] = (target.contributors[q] ?? 0) + v;
      for (const p of cell.payers) target.payers.add(p);
    }
  }
  return [...out.values()].sort((a, b) => a.key.localeCompare(b.key));
}
