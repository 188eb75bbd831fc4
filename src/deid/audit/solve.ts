import type { Highs } from 'highs';
import { components, type AttackSystem, type Component } from './system.js';

/** The solver the audit runs: HiGHS (WebAssembly), loaded by the caller, so this stays pure of I/O. */
export type Solver = Highs;

export interface Interval {
  low: number;
  high: number;
}

export interface Check {
  id: string;
  side: 'up' | 'down';
  at: number;
  /** For a value the linear attack narrows: the rows of the system that bind it (non-zero duals). */
  binding?: number[];
}

/**
 * The attacker's reach for each withheld value with a protection interval, by linear
 * programming over each independent part of the system (one model per part, its objective
 * changed per solve, so every solve starts from the last basis); counts are tightened by integer
 * rounding. Then, for each count the linear attack leaves protected, whether a whole-number
 * solution reaches the ends of its protection interval: a precise rate of two whole numbers can
 * leave only one pair that fits, which the linear bounds cannot see.
 *
 * Checking is quicker than bounding: one solution that pushes every open value of a part up at
 * once (a witness) shows all those it takes far enough can get there. With `exact`, every value
 * also gets its exact interval, for the operators' report.
 */
export function attackerReach(
  solver: Solver,
  system: AttackSystem,
  required: ReadonlyMap<string, Interval>,
  options: { exact: boolean; integer: boolean },
): { intervals: Map<string, Interval>; narrowed: Check[]; unreached: Check[]; millis: { linear: number; integer: number }; programs: number } {
  const intervals = new Map<string, Interval>();
  const narrowed: Check[] = [];
  const unreached: Check[] = [];
  const millis = { linear: 0, integer: 0 };
  let programs = 0;
  const { minimize, maximize } = solver.constants.objectiveSense;
  const { optimal, unbounded, infeasible, unboundedOrInfeasible, timeLimit, solutionLimit } = solver.constants.modelStatus;
  // Whole numbers matter where a published rate ties two withheld counts: there a precise rate
  // can leave one pair that fits. Elsewhere the facts are sums with unit coefficients and the
  // 12-month cap, where the rounded linear bounds are what the attacker gets.
  const inRate = new Set(system.rows.filter((r) => r.rate).flatMap((r) => r.cols.filter((c) => system.integer[c])));
  const wanted = new Set((options.exact ? system.withheld : [...required.keys()]).map((id) => system.index.get(id)!));
  for (const comp of components(system)) {
    const targets = comp.cols.map((c, local) => ({ col: c, local, id: system.ids[c]! })).filter((t) => wanted.has(t.col));
    if (targets.length === 0) continue;
    const t0 = performance.now();
    const model = solver.createModel(modelData(solver, system, comp, false));
    /** Checks the linear attack cannot refute but whose whole-number reach is not yet shown. */
    const pending: { check: Check; local: number }[] = [];
    let lastDuals: ArrayLike<number> = [];
    /** The solution; undefined when unbounded; null when the solver could not tell. */
    const run = (): ArrayLike<number> | undefined | null => {
      programs++;
      const good = (st: number) => st === optimal || st === unbounded || st === unboundedOrInfeasible;
      let status = model.run().modelStatus;
      // Numerical trouble from a warm start (seen as 'unknown', and as a spurious 'infeasible'):
      // solve again from scratch, then by interior point, before believing it.
      if (!good(status)) {
        model.clearSolver();
        status = model.run().modelStatus;
      }
      if (!good(status)) {
        model.options.set({ solver: 'ipm' });
        model.clearSolver();
        status = model.run().modelStatus;
        model.options.set({ solver: 'choose' });
      }
      if (!good(status)) return null;
      if (status !== optimal) return undefined;
      const solution = model.getSolution();
      lastDuals = solution.rowDual;
      return solution.colValue;
    };
    const isWhole = (x: ArrayLike<number>) => comp.cols.every((c, i) => !system.integer[c] || Math.abs(x[i]! - Math.round(x[i]!)) < 1e-7);
    try {
      model.options.set({ output_flag: false, presolve: 'off' });
      for (const side of ['up', 'down'] as const) {
        const sense = side === 'up' ? maximize : minimize;
        const end = (t: (typeof targets)[number]) => (side === 'up' ? required.get(t.id)?.high : required.get(t.id)?.low);
        const reaches = (v: number, at: number) => (side === 'up' ? v >= at - 1e-6 : v <= at + 1e-6);
        let open = targets.filter((t) => end(t) !== undefined && (side === 'up' || end(t)! > system.lower[t.col]!));
        const settledWhole = new Set<number>();
        model.changeObjectiveSense(sense);
        // Witnesses, until they stop settling anything.
        for (let tries = 0; !options.exact && open.length > 1 && tries < 6; tries++) {
          for (const t of open) model.changeColCost(t.local, 1 / Math.max(1, Math.abs(end(t)!)));
          const x = run();
          for (const t of open) model.changeColCost(t.local, 0);
          if (!x) break;
          const whole = isWhole(x);
          const before = open.length;
          open = open.filter((t) => {
            if (!reaches(x[t.local]!, end(t)!)) return true;
            if (whole) settledWhole.add(t.local);
            return false;
          });
          if (open.length === before) break;
        }
        const stillOpen = new Set(open);
        /** Checked by a witness: the attacker reaches at least this value's protection end. */
        const byWitness = targets.filter((t) => end(t) !== undefined && !stillOpen.has(t));
        const settled = new Set(byWitness.map((t) => t.local));
        for (const t of options.exact ? targets : open) {
          model.changeColCost(t.local, 1);
          const x = run();
          model.changeColCost(t.local, 0);
          // What the solver cannot settle counts against the release.
          let v = x ? x[t.local]! : (x === null) === (side === 'up') ? -Infinity : Infinity;
          if (system.integer[t.col]) v = side === 'up' ? Math.floor(v + 1e-6) : Math.ceil(v - 1e-6);
          if (side === 'down') v = Math.max(system.lower[t.col]!, v);
          const iv = intervals.get(t.id) ?? { low: -Infinity, high: Infinity };
          intervals.set(t.id, side === 'up' ? { ...iv, high: v } : { ...iv, low: v });
          const at = end(t);
          if (at === undefined) continue;
          if (!reaches(v, at)) {
            const duals = x ? lastDuals : [];
            const binding: number[] = [];
            for (let i = 0; i < comp.rows.length; i++) if (Math.abs(duals[i] ?? 0) > 1e-9) binding.push(comp.rows[i]!.origin!);
            narrowed.push({ id: t.id, side, at, binding });
          } else if (!settled.has(t.local)) {
            settled.add(t.local);
            if (x && isWhole(x)) settledWhole.add(t.local);
          }
        }
        if (!options.exact)
          for (const t of byWitness) {
            const iv = intervals.get(t.id) ?? { low: -Infinity, high: Infinity };
            intervals.set(t.id, side === 'up' ? { ...iv, high: end(t)! } : { ...iv, low: end(t)! });
          }
        for (const t of targets)
          if (options.integer && inRate.has(t.col) && settled.has(t.local) && !settledWhole.has(t.local))
            pending.push({ check: { id: t.id, side, at: end(t)! }, local: t.local });
      }
    } finally {
      model.dispose();
    }
    const t1 = performance.now();
    millis.linear += t1 - t0;
    if (pending.length === 0) continue;
    const mip = solver.createModel(modelData(solver, system, comp, true));
    try {
      mip.options.set({ output_flag: false, mip_rel_gap: 1, mip_max_nodes: 1000 });
      // Witnesses again: one whole-number solution pushing every open check of a side at once.
      let open = pending;
      for (const side of ['up', 'down'] as const) {
        for (let tries = 0; tries < 4; tries++) {
          const mine = open.filter((p) => p.check.side === side);
          if (mine.length < 2) break;
          for (const p of mine) mip.changeColCost(p.local, 1 / Math.max(1, p.check.at));
          mip.changeObjectiveSense(side === 'up' ? maximize : minimize);
          programs++;
          const status = mip.run().modelStatus;
          const x = status === optimal || status === timeLimit || status === solutionLimit ? solutionOrNone(mip) : [];
          for (const p of mine) mip.changeColCost(p.local, 0);
          if (x.length === 0) break;
          const before = open.length;
          open = open.filter((p) => p.check.side !== side || !(side === 'up' ? x[p.local]! >= p.check.at - 1e-6 : x[p.local]! <= p.check.at + 1e-6));
          if (open.length === before) break;
        }
      }
      mip.changeObjectiveSense(minimize);
      for (const { check, local } of open) {
        programs++;
        const col = comp.cols[local]!;
        const [lo, hi] = [system.lower[col]!, system.upper[col]!];
        mip.changeColBounds(local, check.side === 'up' ? Math.max(lo, check.at) : lo, check.side === 'up' ? solver.infinity : Math.min(hi, check.at));
        const status = mip.run().modelStatus;
        mip.changeColBounds(local, lo, hi === Infinity ? solver.infinity : hi);
        // Not proven reachable is not reachable: a search that stops at its node limit counts
        // against the release.
        if (status !== optimal) unreached.push(check);
      }
    } finally {
      mip.dispose();
    }
    millis.integer += performance.now() - t1;
  }
  return { intervals, narrowed, unreached, millis, programs };
}

/** A limit may stop the search with or without a solution in hand. */
function solutionOrNone(model: { getSolution(): { colValue: ArrayLike<number> } }): ArrayLike<number> {
  try {
    return model.getSolution().colValue;
  } catch {
    return [];
  }
}

function modelData(solver: Solver, system: AttackSystem, comp: Component, integral: boolean) {
  const local = new Map(comp.cols.map((c, i) => [c, i]));
  const n = comp.cols.length;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const r of comp.rows) {
    for (const c of r.cols) indices.push(local.get(c)!);
    values.push(...r.coefs);
    starts.push(indices.length);
  }
  const inf = (x: number) => (x === Infinity ? solver.infinity : x === -Infinity ? -solver.infinity : x);
  return {
    numCols: n,
    numRows: comp.rows.length,
    colCost: new Float64Array(n),
    colLower: comp.cols.map((c) => system.lower[c]!),
    colUpper: comp.cols.map((c) => inf(system.upper[c]!)),
    rowLower: comp.rows.map((r) => inf(r.lower)),
    rowUpper: comp.rows.map((r) => inf(r.upper)),
    matrix: { format: 'csr' as const, numRows: comp.rows.length, numCols: n, starts, indices, values },
    ...(integral
      ? { integrality: comp.cols.map((c) => (system.integer[c] ? solver.constants.variableType.integer : solver.constants.variableType.continuous)) }
      : {}),
  };
}
