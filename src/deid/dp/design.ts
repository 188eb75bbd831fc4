import { TABLES, type Dimension, type TableDef } from '../../metrics/tables.js';
import { strataOf, type ReleaseUniverse } from '../universe.js';
import { rationalValue } from '../noise.js';
import type { QuantityGroup } from './groups.js';
import { covariance, varianceOfSum, type Constraint, type Measurement } from './gls.js';
import type { PlannedQuery } from './workload.js';

/**
 * The linear design of one quantity group, the same every year and for every population: which
 * cells are the unknowns ("atoms"), which sums of them each noised histogram measures, which
 * identities hold between them, and the resulting covariance of every published value.
 *
 * Atoms are the cells of the finest tables: a cross table (segment × organization) with its
 * one-way margins and the total derived from it; every one-way table not covered by a cross
 * table; the quarters. Each of those partitions of the population adds up to the same total, one
 * identity per partition and part. So one-way tables add up to the total, the cross table to both
 * margins, and the quarters to the year, by construction.
 */
export interface DesignCell {
  table: TableDef;
  /** 1–4 for a quarter cell of a quarterly table; absent for the year. */
  quarter?: number;
  stratum: Partial<Record<Dimension, string>>;
  /** Atom cells this cell adds up. */
  atoms: readonly number[];
}

/**
 * One partition of a population into atom cells: the year's (the first is the reference, whose
 * sum is the total), or a year cell's by quarter (`whole`: the atoms of that year cell). A cross
 * table also has its two one-way margins, each row of `cells[i]` being atom `atoms[i]`.
 */
export interface Partition {
  atoms: readonly number[];
  whole?: readonly number[];
  margins?: { rows: readonly DesignCell[]; cols: readonly DesignCell[]; rowOf: readonly number[]; colOf: readonly number[] };
}

export interface Design {
  group: QuantityGroup;
  /** Atom cells; the unknowns are (atom cell, part), index cell · parts + part. */
  atomCells: readonly DesignCell[];
  partitions: readonly Partition[];
  /** Every published cell of the group (year and quarter cells). */
  cells: readonly DesignCell[];
  measurements: readonly { query: PlannedQuery; cell: DesignCell; part?: number; m: Measurement }[];
  unknowns: number;
  cov: Float64Array;
}

const stratumId = (s: Partial<Record<Dimension, string>>) => JSON.stringify(s);

/** Builds the design of a group from the universe, the tables and the group's queries of one year. */
export function buildDesign(group: QuantityGroup, universe: ReleaseUniverse, queries: readonly PlannedQuery[], tables: readonly TableDef[] = TABLES): Design {
  const crossTables = tables.filter((t) => t.dims.length >= 2);
  const covered = new Set(crossTables.flatMap((t) => t.dims));
  const atomTables = [...crossTables, ...tables.filter((t) => t.dims.length === 1 && !covered.has(t.dims[0]!))];
  const quarterly = group.monthly ? tables.filter((t) => t.quarterly) : [];
  const atomCells: DesignCell[] = [];
  const partitions: Partition[] = [];
  const index = new Map<string, number>();
  const addPartition = (table: TableDef, quarter?: number) => {
    const part: number[] = [];
    for (const stratum of strataOf(universe, table)) {
      const i = atomCells.length;
      atomCells.push({ table, ...(quarter ? { quarter } : {}), stratum, atoms: [i] });
      index.set(`${table.id}|${quarter ?? ''}|${stratumId(stratum)}`, i);
      part.push(i);
    }
    return part;
  };
  for (const t of atomTables.length > 0 ? atomTables : tables.filter((t) => t.dims.length === 0).slice(0, 1)) partitions.push({ atoms: addPartition(t) });
  if (partitions.length === 0) throw new Error('no table to measure');
  const reference = partitions[0]!.atoms;
  // A quarterly table's quarters: per stratum, a partition by quarter of that year cell.
  const quarterParts = quarterly.map((t) => ({ t, byQuarter: [1, 2, 3, 4].map((q) => addPartition(t, q)) }));
  const cells: DesignCell[] = [];
  for (const table of tables) {
    for (const stratum of strataOf(universe, table)) {
      const own = index.get(`${table.id}||${stratumId(stratum)}`);
      let atoms: readonly number[];
      if (own !== undefined) atoms = [own];
      else if (table.dims.length === 0) atoms = reference;
      else {
        const cross = crossTables.find((t) => table.dims.every((d) => t.dims.includes(d)));
        if (!cross) throw new Error(`table ${table.id} is neither an atom table nor a margin of one`);
        atoms = atomCells.flatMap((c, i) => (c.table === cross && !c.quarter && table.dims.every((d) => c.stratum[d] === stratum[d]) ? [i] : []));
      }
      cells.push({ table, stratum, atoms });
    }
    if (quarterly.includes(table))
      for (const q of [1, 2, 3, 4])
        for (const stratum of strataOf(universe, table))
          cells.push({ table, quarter: q, stratum, atoms: [index.get(`${table.id}|${q}|${stratumId(stratum)}`)!] });
  }
  // A cross table's margins, when both one-way tables are published: fixed before its cells.
  for (const partition of partitions) {
    const table = atomCells[partition.atoms[0]!]!.table;
    if (table.dims.length !== 2) continue;
    const marginOf = (dim: Dimension) => cells.filter((c) => !c.quarter && c.table.dims.length === 1 && c.table.dims[0] === dim);
    const [rows, cols] = [marginOf(table.dims[0]!), marginOf(table.dims[1]!)];
    if (rows.length === 0 || cols.length === 0) continue;
    const indexIn = (margin: readonly DesignCell[], atom: number) => margin.findIndex((m) => m.atoms.includes(atom));
    partition.margins = { rows, cols, rowOf: partition.atoms.map((a) => indexIn(rows, a)), colOf: partition.atoms.map((a) => indexIn(cols, a)) };
  }
  for (const { t, byQuarter } of quarterParts)
    byQuarter[0]!.forEach((_, s) => {
      const year = cells.find((c) => !c.quarter && c.table === t && stratumId(c.stratum) === stratumId(atomCells[byQuarter[0]![s]!]!.stratum))!;
      partitions.push({ atoms: byQuarter.map((p) => p[s]!), whole: [...year.atoms] });
    });
  const k = group.parts.length;
  const unknownsOf = (atoms: readonly number[], parts: readonly number[]) => atoms.flatMap((a) => parts.map((p) => a * k + p));
  const allParts = group.parts.map((_, p) => p);
  const measurements: Design['measurements'][number][] = [];
  for (const query of queries) {
    const variance = rationalValue(query.sigma2);
    const measured = cells.filter((c) =>
      query.histogram.endsWith('_by_quarter')
        ? c.quarter !== undefined && `${c.table.id}_by_quarter` === query.histogram
        : !c.quarter && c.table.id === query.histogram,
    );
    for (const cell of measured) {
      if (query.kind === 'total') measurements.push({ query, cell, m: { terms: unknownsOf(cell.atoms, allParts), variance } });
      else for (const p of allParts) measurements.push({ query, cell, part: p, m: { terms: unknownsOf(cell.atoms, [p]), variance } });
    }
  }
  const constraints: Constraint[] = [];
  for (const partition of partitions.slice(1))
    for (const p of allParts) constraints.push({ plus: unknownsOf(partition.atoms, [p]), minus: unknownsOf(partition.whole ?? reference, [p]) });
  const unknowns = atomCells.length * k;
  return {
    group,
    atomCells,
    partitions,
    cells,
    measurements,
    unknowns,
    cov: covariance(
      unknowns,
      measurements.map((m) => m.m),
      constraints,
    ),
  };
}

/** The unknowns of a published quantity (a sum of parts) in a cell. */
export function unknownsOf(design: Design, cell: DesignCell, quantity: string): number[] {
  const k = design.group.parts.length;
  const parts = (design.group.published[quantity] ?? (design.group.parts.includes(quantity) ? [quantity] : [])).map((p) => design.group.parts.indexOf(p));
  return cell.atoms.flatMap((a) => parts.map((p) => a * k + p));
}

/** Standard deviation of a published quantity (or part) in a cell, after reconciliation: data-independent. */
export const sdOf = (design: Design, cell: DesignCell, quantity: string) =>
  Math.sqrt(varianceOfSum(design.cov, design.unknowns, unknownsOf(design, cell, quantity)));
