import { CONTINUOUS_ENROLLMENT_MONTHS } from '../../metrics/quality/index.js';
import { isSum, QUALITY_QUANTITY_PARTS, RATES } from '../../metrics/tables.js';
import type { PublishedCell } from '../published.js';
import { relations, varId } from '../relations.js';
import { complementId } from '../withholding-rules.js';

/**
 * The system of facts an attacker can build from a release and its methodology, with every
 * value of every cell as a variable: what is published is bounded by its rounding, what is
 * withheld is free within what the methodology states. Pure; no solver here.
 *
 * What the attacker knows, and so what is here:
 * - every identity between tables (relations.ts): margins, quarters against the year, service
 *   categories against the total paid;
 * - every value is non-negative, and counts are whole numbers;
 * - a member has 1 to 12 member-months a year; a person counted as a member of a segment has at
 *   least one month in it (the primary segment is where most of their months are);
 * - continuous enrollment: a person in a quality measure's denominator or exclusions was covered
 *   at least 11 months;
 * - readmissions never exceed index admissions; a quality numerator never exceeds its
 *   denominator; denominator and exclusions are disjoint subsets of the members;
 * - every published value is the truth rounded to its published step (a rate r with step s means
 *   r − s/2 ≤ per·n/d ≤ r + s/2, which is linear in n and d: (r − s/2)·d ≤ per·n ≤ (r + s/2)·d);
 * - a rate "not applicable" means its denominator is zero, and a published one that it is not;
 * - the public reasons say nothing about size ('disclosure-control' covers both the small cell
 *   and its partners), so they add no constraint.
 */
export interface AttackSystem {
  ids: string[];
  index: Map<string, number>;
  lower: Float64Array;
  upper: Float64Array;
  integer: Uint8Array;
  /** Each row: Σ coef·x within [lower, upper], and which fact it states (a rate's, by cell and rate). */
  rows: Row[];
  /** Ids of the withheld values: what the attacker solves for. */
  withheld: string[];
  /**
   * Derived values, defined by a row from the others and adding no fact: the complement
   * (denominator − numerator) of every withheld numerator, whose own protection a small
   * complement needs (an attacker who learns 30 of 32 were screened learns 2 were not).
   */
  derived: string[];
}

export interface Row {
  cols: number[];
  coefs: number[];
  lower: number;
  upper: number;
  rate?: { cell: string; rate: string };
  /** In a component: the row of the whole system it was reduced from. */
  origin?: number;
}

const INF = Infinity;

export function attackSystem(cells: readonly PublishedCell[]): AttackSystem {
  const ids: string[] = [];
  const index = new Map<string, number>();
  const lower: number[] = [];
  const upper: number[] = [];
  const integer: number[] = [];
  const withheld: string[] = [];
  for (const cell of cells)
    for (const [q, v] of Object.entries(cell.quantities)) {
      const id = varId(cell.key, q);
      index.set(id, ids.length);
      ids.push(id);
      const count = !isSum(q);
      integer.push(count ? 1 : 0);
      if (v.status === 'published' && v.value !== null) {
        const half = count ? 0 : (v.step ?? 0.01) / 2;
        // A noised value is not the truth, and its interval is a statement about the noise (95%
        // of draws), not a fact: across hundreds of cells some truths lie outside theirs, and the
        // facts, taken as hard, would contradict each other. What noise tells the attacker is
        // what the privacy accounting bounds; here it tells nothing beyond non-negativity.
        const noised = v.interval !== undefined;
        lower.push(noised ? 0 : Math.max(0, v.value - half!));
        upper.push(noised ? INF : v.value + half!);
      } else {
        lower.push(0);
        upper.push(INF);
        withheld.push(id);
      }
    }
  const derived: string[] = [];
  for (const cell of cells)
    for (const rate of RATES) {
      if (isSum(rate.numerator) || rate.denominator === 'member_months') continue;
      const n = cell.quantities[rate.numerator];
      if (!n || !cell.quantities[rate.denominator] || n.status === 'published') continue;
      const id = complementId(cell.key, rate.numerator);
      if (index.has(id)) continue;
      index.set(id, ids.length);
      ids.push(id);
      integer.push(1);
      lower.push(0);
      upper.push(INF);
      derived.push(id);
    }
  const rows: Row[] = [];
  const row = (terms: [string, number][], lo: number, hi: number, rate?: Row['rate']) => {
    const cols: number[] = [];
    const coefs: number[] = [];
    for (const [id, a] of terms) {
      const i = index.get(id);
      if (i === undefined) continue;
      cols.push(i);
      coefs.push(a);
    }
    if (cols.length > 0) rows.push({ cols, coefs, lower: lo, upper: hi, ...(rate ? { rate } : {}) });
  };
  const quantities = [...new Set(cells.flatMap((c) => Object.keys(c.quantities)))];
  for (const identity of relations(cells, quantities)) row([...identity], 0, 0);
  for (const id of derived) {
    const [key, rest] = [id.slice(0, id.indexOf('#')), id.slice(id.indexOf('#') + 1, -'~complement'.length)];
    const rate = RATES.find((r) => r.numerator === rest)!;
    row(
      [
        [id, 1],
        [varId(key, rate.denominator), -1],
        [varId(key, rate.numerator), 1],
      ],
      0,
      0,
    );
  }
  for (const cell of cells) {
    const k = (q: string) => varId(cell.key, q);
    const has = (q: string) => cell.quantities[q] !== undefined;
    const year = !cell.period.includes('-Q');
    if (year && has('members') && has('member_months')) {
      row(
        [
          [k('member_months'), 1],
          [k('members'), -1],
        ],
        0,
        INF,
      );
      if (cell.stratum.segment === undefined)
        row(
          [
            [k('member_months'), 1],
            [k('members'), -12],
          ],
          -INF,
          0,
        );
    }
    if (has('readmissions') && has('index_admissions'))
      row(
        [
          [k('index_admissions'), 1],
          [k('readmissions'), -1],
        ],
        0,
        INF,
      );
    for (const m of QUALITY_QUANTITY_PARTS) {
      if (!has(m.numerator)) continue;
      row(
        [
          [k(m.denominator), 1],
          [k(m.numerator), -1],
        ],
        0,
        INF,
      );
      if (has('members'))
        row(
          [
            [k('members'), 1],
            [k(m.denominator), -1],
            [k(m.exclusions), -1],
          ],
          0,
          INF,
        );
      // Continuous enrollment: everyone in a measure's denominator or exclusions was covered at
      // least 11 months, everyone else at least 1; in a cell not split by segment all of a
      // member's months are in it. (The red team's fact: sex "other" had 72 member-months left.)
      if (year && has('members') && has('member_months') && cell.stratum.segment === undefined)
        row(
          [
            [k('member_months'), 1],
            [k('members'), -1],
            [k(m.denominator), -(CONTINUOUS_ENROLLMENT_MONTHS - 1)],
            [k(m.exclusions), -(CONTINUOUS_ENROLLMENT_MONTHS - 1)],
          ],
          0,
          INF,
        );
    }
    for (const rate of RATES) {
      const r = cell.rates[rate.id];
      const n = cell.quantities[rate.numerator];
      const d = cell.quantities[rate.denominator];
      if (!r || !n || !d) continue;
      if (r.status === 'not-applicable') row([[k(rate.denominator), 1]], 0, 0);
      if (r.status !== 'published' || r.value === null) continue;
      if (n.status === 'published' && d.status === 'published' && !n.interval && !d.interval) continue;
      // A published rate has a denominator above zero (else it would be "not applicable").
      row([[k(rate.denominator), 1]], isSum(rate.denominator) ? 0.01 : 1, INF);
      // A noised rate, like a noised value, is no fact about the truth (see above).
      if (r.interval) continue;
      const half = (r.step ?? 10 ** -rate.digits) / 2;
      const lo = r.value - half;
      const hi = r.value + half;
      row(
        [
          [k(rate.numerator), rate.per],
          [k(rate.denominator), -hi],
        ],
        -INF,
        0,
        { cell: cell.key, rate: rate.id },
      );
      row(
        [
          [k(rate.numerator), rate.per],
          [k(rate.denominator), -Math.max(0, lo)],
        ],
        0,
        INF,
        { cell: cell.key, rate: rate.id },
      );
    }
  }
  return { ids, index, lower: Float64Array.from(lower), upper: Float64Array.from(upper), integer: Uint8Array.from(integer), rows, withheld, derived };
}

/** One independent part of the system: its columns (indices into the system) and rows. */
export interface Component {
  cols: number[];
  rows: Row[];
}

/**
 * The system cut into independent parts, with every exactly known value moved to the row
 * bounds: what the attacker solves is the same, but in many small problems instead of one
 * large one. Rows left with no unknown are dropped (the truth satisfies them).
 */
export function components(system: AttackSystem): Component[] {
  const n = system.ids.length;
  const fixed = (c: number) => system.lower[c] === system.upper[c];
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  const reduced: Row[] = [];
  for (const [origin, r] of system.rows.entries()) {
    const cols: number[] = [];
    const coefs: number[] = [];
    let known = 0;
    r.cols.forEach((c, i) => {
      if (fixed(c)) known += r.coefs[i]! * system.lower[c]!;
      else {
        cols.push(c);
        coefs.push(r.coefs[i]!);
      }
    });
    if (cols.length === 0) continue;
    reduced.push({ cols, coefs, lower: r.lower - known, upper: r.upper - known, origin });
    for (const c of cols.slice(1)) parent[find(c)] = find(cols[0]!);
  }
  const byRoot = new Map<number, Component>();
  for (let c = 0; c < n; c++) {
    if (fixed(c)) continue;
    const root = find(c);
    const comp = byRoot.get(root) ?? { cols: [], rows: [] };
    comp.cols.push(c);
    byRoot.set(root, comp);
  }
  for (const r of reduced) byRoot.get(find(r.cols[0]!))!.rows.push(r);
  return [...byRoot.values()];
}
