import { ageBand, generaliseState, generaliseZip, type Zip3Table } from '../deid/safe-harbor.js';
import type { Contribution } from './contributions.js';
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

export const cellKey = (period: string, table: string, stratum: Partial<Record<Dimension, string>>, dims: readonly Dimension[]) => `${period}|${table}|${dims.map((d) => stratum[d]).join('|')}`;

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
      c = { period, table: table.id, stratum: Object.fromEntries(table.dims.map((d) => [d, stratum[d]!])), key, values: {}, contributors: {}, payers: new Set() };
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
    for (const table of tables) {
      add(cell(String(year), table, { ...base, segment: p.segment }), p.once, [p.payer]);
      // Month-level quantities: summed per (period, cell) first so each person counts once as a contributor.
      const parts = new Map<string, { stratum: Partial<Record<Dimension, string>>; period: string; payers: Set<string>; q: Record<string, number> }>();
      const periods = (m: number) => (table.quarterly ? [String(year), `${year}-Q${Math.ceil(m / 3)}`] : [String(year)]);
      for (const [m, month] of p.months) {
        for (const period of periods(m)) {
          const stratum = { ...base, segment: month.segment };
          const k = cellKey(period, table.id, stratum, table.dims);
          const part = parts.get(k) ?? { stratum, period, payers: new Set<string>(), q: {} };
          part.payers.add(month.payer);
          for (const [q, v] of Object.entries(month.q)) part.q[q] = (part.q[q] ?? 0) + v;
          parts.set(k, part);
        }
      }
      for (const part of parts.values()) add(cell(part.period, table, part.stratum), part.q, part.payers);
    }
  };
  return { add: addOne, cells: () => [...cells.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}
