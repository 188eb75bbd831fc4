import { MONTH_QUANTITIES, SERVICE_CATEGORIES, TABLES } from '../metrics/tables.js';

/** A value's identity in the linear system: which cell, which quantity. */
export const varId = (cellKey: string, quantity: string) => `${cellKey}#${quantity}`;

interface CellLike {
  period: string;
  table: string;
  key: string;
  stratum: Record<string, string | undefined>;
}

/**
 * Every linear identity between published values that anyone can know from the table design
 * alone, as lists of (variable, coefficient) summing to zero. A missing cell is a known zero and
 * is left out. Pure.
 * - Each one-way table adds up to the total of its period.
 * - The segment-by-organization table adds up to the segment table and to the organization table.
 * - Quarters add up to their year, for month-level quantities.
 * - Paid is the sum of paid by service category.
 */
export function relations(cells: readonly CellLike[], quantities: readonly string[]): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  const byPeriodTable = new Map<string, CellLike[]>();
  for (const c of cells) {
    const k = `${c.period}|${c.table}`;
    const list = byPeriodTable.get(k);
    if (list) list.push(c);
    else byPeriodTable.set(k, [c]);
  }
  const sumEquals = (parts: readonly CellLike[], whole: CellLike | undefined, q: string) => {
    if (parts.length === 0) return;
    const terms = new Map<string, number>();
    for (const p of parts) terms.set(varId(p.key, q), 1);
    if (whole) terms.set(varId(whole.key, q), -1);
    out.push(terms);
  };
  const single = (period: string, table: string, match: (c: CellLike) => boolean) => byPeriodTable.get(`${period}|${table}`)?.find(match);
  const oneWay = (dim: string) => TABLES.find((t) => t.dims.length === 1 && t.dims[0] === dim)!.id;
  const periods = [...new Set(cells.map((c) => c.period))];
  for (const period of periods) {
    const total = single(period, 'total', () => true);
    const monthOnly = period.includes('-Q');
    for (const q of quantities) {
      if (monthOnly && !MONTH_QUANTITIES.includes(q)) continue;
      for (const table of TABLES) {
        const list = byPeriodTable.get(`${period}|${table.id}`) ?? [];
        if (table.dims.length === 1) sumEquals(list, total, q);
        if (table.dims.length === 2) {
          for (const dim of table.dims) {
            const groups = new Map<string, CellLike[]>();
            for (const c of list) groups.set(c.stratum[dim]!, [...(groups.get(c.stratum[dim]!) ?? []), c]);
            for (const [value, parts] of groups)
              sumEquals(
                parts,
                single(period, oneWay(dim), (c) => c.stratum[dim] === value),
                q,
              );
          }
        }
      }
    }
  }
  // Quarters add up to the year.
  const years = new Map<string, { year?: CellLike; quarters: CellLike[] }>();
  for (const c of cells) {
    const k = `${c.period.slice(0, 4)}|${c.key.slice(c.key.indexOf('|') + 1)}`;
    const entry = years.get(k) ?? { quarters: [] };
    if (c.period.includes('-Q')) entry.quarters.push(c);
    else entry.year = c;
    years.set(k, entry);
  }
  for (const { year, quarters } of years.values()) for (const q of MONTH_QUANTITIES) if (quantities.includes(q)) sumEquals(quarters, year, q);
  for (const c of cells) {
    const terms = new Map<string, number>([[varId(c.key, 'paid'), -1]]);
    for (const cat of SERVICE_CATEGORIES) terms.set(varId(c.key, `paid.${cat}`), 1);
    out.push(terms);
  }
  return out;
}
