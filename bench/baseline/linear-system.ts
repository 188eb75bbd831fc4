/**
 * Which unknowns of a linear system are pinned down by it. Pure.
 *
 * An unknown x_j is determined exactly when the unit vector e_j lies in the row space of the
 * coefficient matrix; in reduced row echelon form that means some row has its only non-zero
 * entry in column j. Only the coefficients matter, never the right-hand sides: this is what an
 * attacker with every published number can solve for.
 */
export interface Equation {
  /** Unknown id → coefficient. Known values have been moved to the right-hand side already. */
  terms: Map<string, number>;
}

const TOLERANCE = 1e-9;

export function determinedUnknowns(equations: readonly Equation[]): Set<string> {
  const determined = new Set<string>();
  for (const component of components(equations)) {
    const ids = [...new Set(component.flatMap((e) => [...e.terms.keys()]))];
    const col = new Map(ids.map((id, i) => [id, i]));
    const n = ids.length;
    const rows = component.map((e) => {
      const r = new Float64Array(n);
      for (const [id, a] of e.terms) {
        const i = col.get(id)!;
        r[i] = r[i]! + a;
      }
      return r;
    });
    let pivotRow = 0;
    for (let c = 0; c < n && pivotRow < rows.length; c++) {
      let best = pivotRow;
      for (let r = pivotRow + 1; r < rows.length; r++) if (Math.abs(rows[r]![c]!) > Math.abs(rows[best]![c]!)) best = r;
      if (Math.abs(rows[best]![c]!) <= TOLERANCE) continue;
      [rows[pivotRow], rows[best]] = [rows[best]!, rows[pivotRow]!];
      const p = rows[pivotRow]!;
      const inv = 1 / p[c]!;
      for (let k = c; k < n; k++) p[k]! *= inv;
      for (let r = 0; r < rows.length; r++) {
        if (r === pivotRow) continue;
        const f = rows[r]![c]!;
        if (Math.abs(f) <= TOLERANCE) continue;
        const row = rows[r]!;
        for (let k = c; k < n; k++) row[k]! -= f * p[k]!;
        row[c] = 0;
      }
      pivotRow++;
    }
    for (let r = 0; r < pivotRow; r++) {
      let only = -1;
      let count = 0;
      const row = rows[r]!;
      for (let k = 0; k < n && count < 2; k++)
        if (Math.abs(row[k]!) > TOLERANCE) {
          only = k;
          count++;
        }
      if (count === 1) determined.add(ids[only]!);
    }
  }
  return determined;
}

/** Equations that share no unknown are independent systems: solving them apart keeps matrices small. */
function components(equations: readonly Equation[]): Equation[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const e of equations) for (const id of e.terms.keys()) if (!parent.has(id)) parent.set(id, id);
  for (const e of equations) {
    const [first, ...rest] = [...e.terms.keys()];
    if (first === undefined) continue;
    for (const id of rest) parent.set(find(id), find(first));
  }
  const out = new Map<string, Equation[]>();
  for (const e of equations) {
    const first = e.terms.keys().next().value;
    if (first === undefined) continue;
    const root = find(first);
    const list = out.get(root);
    if (list) list.push(e);
    else out.set(root, [e]);
  }
  return [...out.values()];
}
