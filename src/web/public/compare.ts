import type { MetricRow } from '../../release/files/rows.js';
import { shownOf, type Shown } from './chart-data.js';

/** One cell both releases carry: what each published, and the change only where both published a value. */
export interface ComparedCell {
  cellId: string;
  period: string;
  stratum: string;
  measure: string;
  a: Shown;
  b: Shown;
  /** b − a when both are published values; null otherwise, never a figure derived for a withheld cell. */
  change: number | null;
}

export interface Comparison {
  cells: ComparedCell[];
  /** Cells of this table only one release carries (another year, a measure added later). */
  onlyA: number;
  onlyB: number;
}

const DIMENSIONS = ['segment', 'organization', 'geography', 'age_band', 'sex'] as const;

/**
 * Two releases side by side, cell by cell (joined on the stable cell id), for one table. The
 * differencing attack it refuses: a cell withheld in one release is shown as withheld there, and
 * no change is given for it, so nothing is computed that either release did not publish itself.
 * Values are read only through `shownOf`, which never reads a withheld row's value. Pure.
 */
export function compareReleases(a: readonly MetricRow[], b: readonly MetricRow[], table: string): Comparison {
  const inTable = (rows: readonly MetricRow[]) => new Map(rows.filter((r) => r.table === table).map((r) => [r.cell_id, r]));
  const left = inTable(a);
  const right = inTable(b);
  const cells: ComparedCell[] = [];
  for (const [id, ra] of left) {
    const rb = right.get(id);
    if (!rb) continue;
    const sa = shownOf(ra, 1, 4);
    const sb = shownOf(rb, 1, 4);
    cells.push({
      cellId: id,
      period: ra.period,
      stratum: stratumOf(ra),
      measure: ra.measure,
      a: sa,
      b: sb,
      change: 'value' in sa && 'value' in sb ? Math.round((sb.value - sa.value) * 1e4) / 1e4 : null,
    });
  }
  cells.sort((x, y) => x.period.localeCompare(y.period) || x.stratum.localeCompare(y.stratum) || x.measure.localeCompare(y.measure));
  return { cells, onlyA: [...left.keys()].filter((id) => !right.has(id)).length, onlyB: [...right.keys()].filter((id) => !left.has(id)).length };
}

const stratumOf = (r: MetricRow) =>
  DIMENSIONS.filter((d) => r[d] !== '')
    .map((d) => `${d.replace('_', ' ')} ${r[d].replace(/^Organization\//, '')}`)
    .join(', ') || 'everyone';
