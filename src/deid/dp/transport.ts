/**
 * Post-processing of a two-way table (segment × organization, or cells × service categories)
 * whose margins are already fixed: non-negative whole numbers adding up exactly to every row and
 * column margin, close to the noisy estimates. Fixing the margins first matters: made non-
 * negative on their own, cells whose noise went below 0 are lifted and the excess is taken from
 * all cells alike, which moves mass from rows of large cells to rows of small ones (a bias of
 * several percent in the segment margins at a realistic budget). Pure.
 */
export function consistentTable(x: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[]): number[][] {
  const total = rows.reduce((n, s) => n + s, 0);
  if (cols.reduce((n, s) => n + s, 0) !== total) throw new RangeError('row and column margins must have the same total');
  if ([...rows, ...cols].some((s) => !Number.isInteger(s) || s < 0)) throw new RangeError('margins must be non-negative whole numbers');
  return controlledRounding(rake(x, rows, cols), rows, cols);
}

/**
 * Iterative proportional fitting (raking, Deming and Stephan 1940) from the estimates floored
 * just above 0: rows and columns scaled in turn to their margins, so cells keep their
 * proportions and a cell the noise put below 0 stays near 0 unless its row and column need it.
 * Raking can crawl when a margin needs a cell that starts near 0, so it stops after a few hundred
 * rounds with the rows exact, and the columns' remaining gaps are closed by moving mass within
 * rows (`closeColumns`): the result has every margin exactly.
 */
function rake(x: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[]): number[][] {
  const c = x[0]!.length;
  const t = x.map((row, i) => row.map((value, j) => (rows[i]! > 0 && cols[j]! > 0 ? Math.max(1e-6, value) : 0)));
  const scaleRows = () =>
    t.forEach((row, i) => {
      const sum = row.reduce((n, value) => n + value, 0);
      if (sum > 0) for (let j = 0; j < c; j++) row[j]! *= rows[i]! / sum;
    });
  const columnGaps = () => cols.map((target, j) => target - t.reduce((n, row) => n + row[j]!, 0));
  for (let it = 0; it < 500; it++) {
    for (let j = 0; j < c; j++) {
      const sum = t.reduce((n, row) => n + row[j]!, 0);
      if (sum > 0) for (const row of t) row[j]! *= cols[j]! / sum;
    }
    scaleRows();
    if (Math.max(...columnGaps().map(Math.abs)) <= 1e-9 * Math.max(1, ...cols)) break;
  }
  closeColumns(t, columnGaps());
  return t;
}

/**
 * Moves mass between columns inside rows, so row sums stay as they are, until every column gap
 * is 0: from a column with too much (gap < 0) to one with too little (gap > 0), taking from the
 * rows with most in the first. A column with too much holds at least that much, so this always
 * finishes, and never makes a cell negative.
 */
function closeColumns(t: number[][], gaps: number[]) {
  for (;;) {
    const from = gaps.findIndex((g) => g < -1e-12);
    const to = gaps.findIndex((g) => g > 1e-12);
    if (from < 0 || to < 0) return;
    let amount = Math.min(-gaps[from]!, gaps[to]!);
    const rowsByMass = t.map((_, i) => i).sort((a, b) => t[b]![from]! - t[a]![from]!);
    for (const i of rowsByMass) {
      if (amount <= 0) break;
      const move = Math.min(amount, t[i]![from]!);
      t[i]![from]! -= move;
      t[i]![to]! += move;
      gaps[from]! += move;
      gaps[to]! -= move;
      amount -= move;
    }
    // Floating-point dust: a column whose gap is below a millionth is closed.
    if (amount > 0) {
      if (amount > 1e-6 * Math.max(1, ...t.map((row) => row[from]!))) throw new Error('column margins cannot be met');
      gaps[from] = 0;
      gaps[to] = Math.abs(gaps[to]!) < 1e-6 ? 0 : gaps[to]!;
    }
  }
}

/**
 * Whole numbers with exactly these margins: each cell rounded down or up. The floors leave whole
 * residuals per row and column; which cells go up is a bipartite flow (rows to columns, one unit
 * per cell), solved by augmenting paths after a greedy start from the largest remainders. A
 * solution always exists (the fractional parts themselves are a feasible flow).
 */
function controlledRounding(x: readonly (readonly number[])[], rows: readonly number[], cols: readonly number[]): number[][] {
  const r = x.length;
  const c = x[0]!.length;
  const out = x.map((row) => row.map((value) => Math.floor(Math.max(0, value) + 1e-9)));
  const needRow = rows.map((s, i) => s - out[i]!.reduce((n, value) => n + value, 0));
  const needCol = cols.map((s, j) => s - out.reduce((n, row) => n + row[j]!, 0));
  const up = x.map((row) => row.map(() => false));
  const order = x
    .flatMap((row, i) => row.map((value, j) => ({ i, j, frac: value - Math.floor(value + 1e-9) })))
    .sort((a, b) => b.frac - a.frac || a.i - b.i || a.j - b.j);
  for (const { i, j } of order)
    if (needRow[i]! > 0 && needCol[j]! > 0) {
      up[i]![j] = true;
      needRow[i]!--;
      needCol[j]!--;
    }
  // Augment: from a row still short, alternate unused cells (row → column) and used ones (column → row).
  for (let i0 = 0; i0 < r; i0++)
    while (needRow[i0]! > 0) {
      const path = augmentingPath(i0, up, needCol, r, c);
      if (!path) throw new Error('controlled rounding found no solution');
      for (const [i, j, add] of path) up[i]![j] = add;
      needRow[i0]!--;
      needCol[path[path.length - 1]![1]]!--;
    }
  return out.map((row, i) => row.map((value, j) => value + (up[i]![j] ? 1 : 0)));
}

/** A shortest alternating path from row i0 to a column still short, as the cells to flip. */
function augmentingPath(
  i0: number,
  up: readonly (readonly boolean[])[],
  needCol: readonly number[],
  r: number,
  c: number,
): [number, number, boolean][] | undefined {
  const fromCol = new Map<number, number>();
  const fromRow = new Map<number, number>([[i0, -1]]);
  let frontier = [i0];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const i of frontier)
      for (let j = 0; j < c; j++) {
        if (up[i]![j] || fromCol.has(j)) continue;
        fromCol.set(j, i);
        if (needCol[j]! > 0) {
          const path: [number, number, boolean][] = [];
          let col = j;
          for (;;) {
            const row = fromCol.get(col)!;
            path.unshift([row, col, true]);
            const back = fromRow.get(row)!;
            if (back === -1) break;
            path.unshift([row, back, false]);
            col = back;
          }
          // The path goes row → col (set) … col → row (unset); order it from i0.
          return path;
        }
        for (let k = 0; k < r; k++)
          if (up[k]![j] && !fromRow.has(k)) {
            fromRow.set(k, j);
            next.push(k);
          }
      }
    frontier = next;
  }
  return undefined;
}
