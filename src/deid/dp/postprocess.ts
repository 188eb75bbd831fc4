import { consistentIntegers } from './consistency.js';
import type { Design, DesignCell, Partition } from './design.js';
import { varianceOfSum } from './gls.js';
import { consistentTable } from './transport.js';

/**
 * From the least-squares estimate of a group's unknowns to publishable figures: non-negative
 * whole numbers (whole dollars) with every identity exact. Top-down, so that the figures read
 * most are disturbed least by the adjustment of small ones:
 * 1. the total, rounded and floored at 0;
 * 2. each partition of the year adding up to it: a cross table's two margins first, then its
 *    cells to fit both (transport.ts); a one-way table directly; quarters to their year;
 * 3. for a group with a total (paid), steps 1–2 run on the total of each cell, and the parts
 *    (service categories) then fill each cell's total: a table of cells × parts whose rows add up
 *    to the cells' totals and whose columns add up to the parts' totals. So clipping a small
 *    category at 0 moves dollars between categories of one cell, never between organizations.
 * Post-processing of noisy values only: it costs no privacy. Pure.
 */
export function publishable(design: Design, x: Float64Array): Float64Array {
  const k = design.group.parts.length;
  const n = design.unknowns;
  const final = new Float64Array(n);
  const variance = (unknowns: readonly number[]) => varianceOfSum(design.cov, n, unknowns);
  const partsOf = (a: number, parts: readonly number[]) => parts.map((p) => a * k + p);
  const all = design.group.parts.map((_, p) => p);
  if (!design.group.total || k === 1) {
    for (const p of all) {
      const ints = layer(
        design,
        (a) => x[a * k + p]!,
        (atoms) => variance(atoms.flatMap((a) => partsOf(a, [p]))),
      );
      ints.forEach((v, a) => (final[a * k + p] = v));
    }
    return final;
  }
  const totals = layer(
    design,
    (a) => all.reduce((s, p) => s + x[a * k + p]!, 0),
    (atoms) => variance(atoms.flatMap((a) => partsOf(a, all))),
  );
  const reference = design.partitions[0]!.atoms;
  const partTotals = consistentIntegers(
    all.map((p) => reference.reduce((s, a) => s + x[a * k + p]!, 0)),
    all.map((p) => variance(reference.flatMap((a) => partsOf(a, [p])))),
    reference.reduce((s, a) => s + totals[a]!, 0),
  );
  for (const partition of design.partitions) {
    const cols = partition.whole ? all.map((p) => partition.whole!.reduce((s, a) => s + final[a * k + p]!, 0)) : partTotals;
    const table = consistentTable(
      partition.atoms.map((a) => all.map((p) => x[a * k + p]!)),
      partition.atoms.map((a) => totals[a]!),
      cols,
    );
    partition.atoms.forEach((a, i) => all.forEach((p) => (final[a * k + p] = table[i]![p]!)));
  }
  return final;
}

/** One layer (a part, or a cell's total): whole numbers per atom cell, every partition adding up. */
function layer(design: Design, value: (atom: number) => number, variance: (atoms: readonly number[]) => number): number[] {
  const out: number[] = new Array(design.atomCells.length).fill(0);
  const reference = design.partitions[0]!.atoms;
  const total = Math.max(0, Math.round(reference.reduce((s, a) => s + value(a), 0)));
  for (const partition of design.partitions) {
    const target = partition.whole ? partition.whole.reduce((s, a) => s + out[a]!, 0) : total;
    const ints = partition.margins
      ? crossTable(partition, value, variance, target)
      : consistentIntegers(
          partition.atoms.map(value),
          partition.atoms.map((a) => variance([a])),
          target,
        );
    partition.atoms.forEach((a, i) => (out[a] = ints[i]!));
  }
  return out;
}

/**
 * A cross table: its two margins first (each non-negative and whole, adding up to the total, by
 * its own variance), then the cells to fit both. Fixing the margins first matters: made non-
 * negative on their own, cells whose noise went below 0 are lifted and the excess taken evenly
 * from all, which moves mass from rows of large cells to rows of small ones.
 */
function crossTable(partition: Partition, value: (atom: number) => number, variance: (atoms: readonly number[]) => number, total: number): number[] {
  const { rows, cols, rowOf, colOf } = partition.margins!;
  const margin = (cells: readonly DesignCell[]) =>
    consistentIntegers(
      cells.map((m) => m.atoms.reduce((s, a) => s + value(a), 0)),
      cells.map((m) => variance(m.atoms)),
      total,
    );
  const grid = (f: (a: number) => number) => {
    const g = rows.map(() => cols.map(() => 0));
    partition.atoms.forEach((a, i) => (g[rowOf[i]!]![colOf[i]!] = f(a)));
    return g;
  };
  const table = consistentTable(grid(value), margin(rows), margin(cols));
  return partition.atoms.map((_, i) => table[rowOf[i]!]![colOf[i]!]!);
}
