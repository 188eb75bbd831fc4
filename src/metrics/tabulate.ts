import { ageBand, generaliseState, generaliseZip, type Zip3Table } from '../deid/safe-harbor.js';
import type { Contribution } from './contributions.js';
import type { Segment } from './cost-utilization.js';
import { TABLES, type Dimension, type TableDef } from './tables.js';

/** One row of one table for one period: the sums of every quantity over the people in it. */
export interface Cell {
  /** '2025', or '2025-Q3' for quarterly tables. */
  period: string;
  table: string;
  stratum: Partial<Record<Dimension, string>>;
  key: string;
  values: Record<string, number>;
  /** People with a non-zero part in each quantity: suppression is decided on people, not dollars. */
  contributors: Record<string, number>;
  /** Plans whose members are in the cell. */
  payers: Set<string>;
}

export const cellKey = (period: string, table: string, stratum: Partial<Record<Dimension, string>>, dims: readonly Dimension[]) =>
  `${period}|${table}|${dims.map((d) => stratum[d]).join('|')}`;

/**
 * Sums contributions into the cells of every table, with the strata already generalised under
 * Safe Harbor (ZIP3 or 000, age bands with 90+, years or quarters only). Pure.
 */
export function tabulate(contributions: Iterable<Contribution>, year: number, zip3: Zip3Table, tables: readonly TableDef[] = TABLES): Cell[] {
  const t = tabulator(year, zip3, tables);
  for (const p of contributions) t.add(p);
  return t.cells();
}

/** The same, one contribution at a time, so a population can be streamed through in slices. */
export function tabulator(year: number, zip3: Zip3Table, tables: readonly TableDef[] = TABLES): { add(p: Contribution): void; cells(): Cell[] } {
  const cells = new Map<string, Cell>();
  const cell = (period: string, table: TableDef, stratum: Partial<Record<Dimension, string>>) => {
    const key = cellKey(period, table.id, stratum, table.dims);
    let c = cells.get(key);
    if (!c) {
      c = {
        period,
        table: table.id,
        stratum: Object.fromEntries(table.dims.map((d) => [d, stratum[d]!])),
        key,
        values: {},
        contributors: {},
        payers: new Set(),
      };
      cells.set(key, c);
    }
    return c;
  };
  const add = (c: Cell, q: Record<string, number>, payers: Iterable<string>) => {
    for (const payer of payers) c.payers.add(payer);
    for (const [k, v] of Object.entries(q)) {
      c.values[k] = (c.values[k] ?? 0) + v;
      if (v !== 0) c.contributors[k] = (c.contributors[k] ?? 0) + 1;
    }
  };
  const addOne = (p: Contribution) => {
    const base = {
      organization: p.organization,
      geography: `${generaliseState(p.state)}-${generaliseZip(p.zip, zip3)}`,
      age_band: ageBand(p.age),
      sex: p.sex,
    };
    // Month-level sums per segment (the one stratum that can change within a year) and for
    // all segments together, per year and per quarter: built once per person, not per table.
    const sums = (month: (m: number) => boolean, ms: readonly [number, { q: Record<string, number> }][]) => {
      const q: Record<string, number> = {};
      let any = false;
      for (const [m, entry] of ms)
        if (month(m)) {
          any = true;
          for (const k in entry.q) q[k] = (q[k] ?? 0) + entry.q[k]!;
        }
      return any ? q : undefined;
    };
    const segments = new Map<Segment, [number, { segment: Segment; payer: string; q: Record<string, number> }][]>();
    const all: [number, { segment: Segment; payer: string; q: Record<string, number> }][] = [];
    for (const entry of p.months) {
      all.push(entry);
      const list = segments.get(entry[1].segment);
      if (list) list.push(entry);
      else segments.set(entry[1].segment, [entry]);
    }
    const payersOf = (ms: readonly [number, { payer: string }][]) => new Set(ms.map(([, e]) => e.payer));
    const periods: [string, (m: number) => boolean][] = [[String(year), () => true]];
    const quarters: [string, (m: number) => boolean][] = [1, 2, 3, 4].map((n) => [`${year}-Q${n}`, (m: number) => Math.ceil(m / 3) === n]);
    const groups: { segment?: Segment; ms: typeof all }[] = [{ ms: all }, ...[...segments].map(([segment, ms]) => ({ segment, ms }))];
    const summed = groups.map((g) => ({
      ...g,
      payers: payersOf(g.ms),
      byPeriod: [...periods, ...quarters].map(([period, inPeriod]) => [period, sums(inPeriod, g.ms)] as const),
    }));
    for (const table of tables) {
      add(cell(String(year), table, { ...base, segment: p.segment }), p.once, [p.payer]);
      const bySegment = table.dims.includes('segment');
      for (const g of summed) {
        if (bySegment === (g.segment === undefined)) continue;
        for (const [period, q] of g.byPeriod) {
          if (!q || (period.includes('-Q') && !table.quarterly)) continue;
          add(cell(period, table, { ...base, segment: g.segment ?? p.segment }), q, g.payers);
        }
      }
    }
  };
  return { add: addOne, cells: () => [...cells.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}
