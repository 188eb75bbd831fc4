import { TABLES, type TableDef } from '../../metrics/tables.js';
import type { ReleaseUniverse } from '../universe.js';
import { sdOf, type Design } from './design.js';
import { Z95 } from './intervals.js';
import { designsFor } from './release.js';
import type { QueryPlan } from './workload.js';

/** The expected error of one quantity in one table: the same for every population. */
export interface ExpectedError {
  table: string;
  period: 'year' | 'quarter';
  quantity: string;
  /** Standard deviation of the published value after reconciliation, smallest and largest over the table's cells. */
  sdMin: number;
  sdMax: number;
  /** Half-width of the 95% interval (of the widest cell). */
  halfWidth: number;
}

/**
 * What each table's figures will be off by, from the plan (epsilon, δ, workload, clipping) and
 * the declared universe alone: no data is read, so this is what a dry run prints before anything
 * is spent, and what the methodology states. Rounding and the non-negative adjustment come after
 * and are not counted (they move a value by less than 1, or only where it is near 0).
 */
export function expectedErrors(plan: QueryPlan, universe: ReleaseUniverse, tables: readonly TableDef[] = TABLES, designs?: readonly Design[]): ExpectedError[] {
  const out = new Map<string, ExpectedError>();
  for (const design of designs ?? designsFor(plan, universe, tables))
    for (const cell of design.cells)
      for (const quantity of Object.keys(design.group.published)) {
        const period = cell.quarter ? 'quarter' : 'year';
        const key = `${cell.table.id}|${period}|${quantity}`;
        const sd = sdOf(design, cell, quantity);
        const e = out.get(key);
        if (!e) out.set(key, { table: cell.table.id, period, quantity, sdMin: sd, sdMax: sd, halfWidth: Z95 * sd });
        else {
          e.sdMin = Math.min(e.sdMin, sd);
          e.sdMax = Math.max(e.sdMax, sd);
          e.halfWidth = Z95 * e.sdMax;
        }
      }
  return [...out.values()];
}
