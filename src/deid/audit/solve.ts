import type { Highs } from 'highs';
import { components, type AttackSystem, type Component, type Row } from './system.js';

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
  options: {
    exact: boolean;
    integer: boolean;
    targets?: readonly string[];
    /**
     * The true values (withheld, and published but rounded), known to the publisher: a whole-number solution that moves only
     * the values near the checked one and keeps the rest at their truth is a solution of the
     * whole system, so it settles a check without the whole mixed-integer program.
     */
    anchor?: ReadonlyMap<string, number>;
  },
): { intervals: Map<string, Interval>; narrowed: Check[]; unreached: Check[]; millis: { linear: number; integer: number }; programs: number } {
  const intervals = new Map<string, Interval>();
  const narrowed: Check[] = [];
  const unreached: Check[] = [];
  const millis = { linear: 0, integer: 0 };
  let programs = 0;
  const { minimize, maximize } = solver.constants.objectiveSense;
  const { optimal, unbounded, unboundedOrInfeasible, solutionLimit } = solver.constants.modelStatus;
  // Whole numbers matter where a published rate ties two withheld counts: there a precise rate
  // can leave one pair that fits. Elsewhere the facts are sums with unit coefficients and the
  // 12-month cap, where the rounded linear bounds are what the attacker gets.
  const inRate = new Set(system.rows.filter((r) => r.rate).flatMap((r) => r.cols.filter((c) => system.integer[c])));
  const wanted = new Set(
    (options.exact ? [...(options.targets ?? system.withheld), ...required.keys()] : [...required.keys()]).map((id) => system.index.get(id)!),
  );
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
      const attempt = () => {
        try {
          return model.run().modelStatus;
        } catch {
          return -1;
        }
      };
      let status = attempt();
      // Numerical trouble from a warm start (seen as 'unknown', and as a spurious 'infeasible'):
      // solve again from scratch, then by interior point, before believing it.
      if (!good(status)) {
        model.clearSolver();
        status = attempt();
      }
      if (!good(status)) {
        model.options.set({ solver: 'ipm' });
        model.clearSolver();
        status = attempt();
        model.options.set({ solver: 'choose' });
      }
      if (!good(status)) return null;
      if (status !== optimal) return undefined;
      const solution = model.getSolution();
      lastDuals = solution.rowDual;
      return solution.colValue;
    };
    const isWhole = (x: ArrayLike<number>) => comp.cols.every((c, i) => !system.integer[c] || Math.abs(x[i]! - Math.round(x[i]!)) < 1e-7);
    const local = new Map(comp.cols.map((c, i) => [c, i]));
    /** A whole-number solution of every row and bound of this part, within the solver's tolerance. */
    const isWholeFeasible = (x: ArrayLike<number>) =>
      isWhole(x) &&
      comp.cols.every((c, i) => x[i]! >= system.lower[c]! - 1e-6 && x[i]! <= system.upper[c]! + 1e-6) &&
      comp.rows.every((r) => {
        let a = 0;
        r.cols.forEach((c, j) => (a += r.coefs[j]! * x[local.get(c)!]!));
        const tol = 1e-6 * Math.max(1, Math.abs(r.lower), Math.abs(r.upper === Infinity ? 0 : r.upper));
        return a >= r.lower - tol && a <= r.upper + tol;
      });
    try {
      model.options.set({ output_flag: false, presolve: 'off' });
      const inf = (x: number) => (x === Infinity ? solver.infinity : x === -Infinity ? -solver.infinity : x);
      const bounds = (t: { col: number }) => [system.lower[t.col]!, inf(system.upper[t.col]!)] as const;
      for (const side of ['up', 'down'] as const) {
        const sense = side === 'up' ? maximize : minimize;
        const end = (t: (typeof targets)[number]) => (side === 'up' ? required.get(t.id)?.high : required.get(t.id)?.low);
        const reaches = (v: number, at: number) => (side === 'up' ? v >= at - 1e-6 : v <= at + 1e-6);
        // A check asks only whether a value can reach the end of its protection interval, so a
        // value may be capped there: a solution of the capped program is one of the whole, the
        // objective stays bounded, and a value that cannot reach its end has the same optimum
        // (and binding rows) capped or not. The exact report needs true optima: no caps there.
        const cap = (t: (typeof targets)[number]) => {
          const [lo, hi] = bounds(t);
          if (!options.exact) model.changeColBounds(t.local, side === 'up' ? lo : Math.max(lo, end(t)!), side === 'up' ? Math.min(hi, end(t)!) : hi);
        };
        const uncap = (t: (typeof targets)[number]) => {
          if (!options.exact) model.changeColBounds(t.local, ...bounds(t));
        };
        // Every end is checked, even one at the value's own lower bound: that a count may be 0 is
        // what the system must allow, not what its bounds say.
        let open = targets.filter((t) => end(t) !== undefined);
        const settledWhole = new Set<number>();
        /** Settles every open value a solution takes far enough (it is a solution of the whole program). */
        const settleBy = (x: ArrayLike<number>) => {
          const whole = isWhole(x);
          open = open.filter((t) => {
            if (!reaches(x[t.local]!, end(t)!)) return true;
            if (whole) settledWhole.add(t.local);
            return false;
          });
        };
        model.changeObjectiveSense(sense);
        // Witnesses, until they stop settling anything: one solution pushing every open value to
        // its end at once.
        for (let tries = 0; !options.exact && open.length > 1 && tries < 8; tries++) {
          const mine = open;
          for (const t of mine) {
            cap(t);
            model.changeColCost(t.local, 1 / Math.max(1, Math.abs(end(t)!)));
          }
          const x = run();
          for (const t of mine) {
            model.changeColCost(t.local, 0);
            uncap(t);
          }
          if (!x) break;
          const before = open.length;
          settleBy(x);
          if (open.length === before) break;
        }
        const settled = new Set(targets.filter((t) => end(t) !== undefined && !open.includes(t)).map((t) => t.local));
        const alone = options.exact ? targets : [...open];
        for (const t of alone) {
          // Settled on the way, by the solution of another value's program.
          if (!options.exact && !open.includes(t)) {
            settled.add(t.local);
            continue;
          }
          cap(t);
          model.changeColCost(t.local, 1);
          const x = run();
          model.changeColCost(t.local, 0);
          uncap(t);
          // What the solver cannot settle counts against the release.
          let v = x ? x[t.local]! : (x === null) === (side === 'up') ? -Infinity : Infinity;
          if (system.integer[t.col]) v = side === 'up' ? Math.floor(v + 1e-6) : Math.ceil(v - 1e-6);
          if (side === 'down') v = Math.max(system.lower[t.col]!, v);
          const iv = intervals.get(t.id) ?? { low: -Infinity, high: Infinity };
          intervals.set(t.id, side === 'up' ? { ...iv, high: v } : { ...iv, low: v });
          const at = end(t);
          if (x && !options.exact) settleBy(x);
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
        for (const t of targets) {
          if (!intervals.has(t.id) && end(t) !== undefined) intervals.set(t.id, { low: -Infinity, high: Infinity });
          const iv = intervals.get(t.id);
          if (iv && !options.exact && settled.has(t.local))
            intervals.set(t.id, side === 'up' ? { ...iv, high: Math.max(iv.high === Infinity ? end(t)! : iv.high, end(t)!) } : { ...iv, low: end(t)! });
          if (options.integer && inRate.has(t.col) && settled.has(t.local) && !settledWhole.has(t.local))
            pending.push({ check: { id: t.id, side, at: end(t)! }, local: t.local });
        }
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
      const open = pending;
      mip.changeObjectiveSense(minimize);
      const reachedBy = (p: (typeof open)[number], v: number) => (p.check.side === 'up' ? v >= p.check.at - 1e-6 : v <= p.check.at + 1e-6);
      const reached = (p: (typeof open)[number], x: ArrayLike<number>) => reachedBy(p, x[p.local]!);
      const done = new Set<(typeof open)[number]>();
      // Whole-number witnesses first: one search for a solution pushing every open check of a
      // side to its end at once (each capped there, so the objective is bounded). Any whole-number
      // solution it finds, optimal or not, is one of the system, and settles what it reaches.
      for (const side of ['up', 'down'] as const) {
        const mine = open.filter((p) => p.check.side === side);
        if (mine.length < 2) continue;
        const boundsOf = (p: (typeof open)[number]) => [system.lower[comp.cols[p.local]!]!, system.upper[comp.cols[p.local]!]!] as const;
        for (const p of mine) {
          const [lo, hi] = boundsOf(p);
          mip.changeColBounds(
            p.local,
            side === 'up' ? lo : Math.max(lo, p.check.at),
            side === 'up' ? Math.min(hi, p.check.at) : hi === Infinity ? solver.infinity : hi,
          );
          mip.changeColCost(p.local, 1 / Math.max(1, Math.abs(p.check.at)));
        }
        mip.changeObjectiveSense(side === 'up' ? maximize : minimize);
        programs++;
        const status = mipRun(mip);
        // Whatever the status (a node limit may stop it with a solution in hand), the solution is
        // believed only once checked against every fact here.
        const x = status >= 0 ? solutionOrNone(mip) : [];
        for (const p of mine) {
          const [lo, hi] = boundsOf(p);
          mip.changeColBounds(p.local, lo, hi === Infinity ? solver.infinity : hi);
          mip.changeColCost(p.local, 0);
        }
        if (x.length === comp.cols.length && isWholeFeasible(x)) for (const p of mine) if (reached(p, x)) done.add(p);
      }
      mip.changeObjectiveSense(minimize);
      const rowsOf = options.anchor ? rowsByCol(comp) : undefined;
      /** Every open check a local solution (values by column) reaches is settled by it. */
      const settleNear = (near: ReadonlyMap<number, number>) => {
        for (const q of open) {
          const v = near.get(comp.cols[q.local]!);
          if (!done.has(q) && v !== undefined && reachedBy(q, v)) done.add(q);
        }
      };
      for (const p of open) {
        if (done.has(p)) continue;
        const { check, local } = p;
        programs++;
        const col = comp.cols[local]!;
        if (options.anchor) {
          const near = nearTruth(solver, system, comp, rowsOf!, col, check, options.anchor);
          if (near) {
            settleNear(near);
            continue;
          }
        }
        const [lo, hi] = [system.lower[col]!, system.upper[col]!];
        mip.changeColBounds(
          local,
          check.side === 'up' ? Math.max(lo, check.at) : lo,
          check.side === 'up' ? (hi === Infinity ? solver.infinity : hi) : Math.min(hi, check.at),
        );
        let status = mipRun(mip);
        // A search stopped at its node limit has proved nothing either way: before it counts
        // against the release, a wider neighbourhood of the truth, then a longer search.
        if (status === solutionLimit && options.anchor) {
          const near = nearTruth(solver, system, comp, rowsOf!, col, check, options.anchor, {
            hops: 8,
            limit: Math.floor(comp.cols.length * 0.9),
            nodes: 5000,
          });
          if (near) {
            mip.changeColBounds(local, lo, hi === Infinity ? solver.infinity : hi);
            settleNear(near);
            continue;
          }
          mip.options.set({ mip_max_nodes: 20_000 });
          status = mipRun(mip);
          mip.options.set({ mip_max_nodes: 1000 });
        }
        mip.changeColBounds(local, lo, hi === Infinity ? solver.infinity : hi);
        // Not proven reachable is not reachable: a search that stops at its node limit counts
        // against the release.
        if (status !== optimal) {
          unreached.push(check);
          continue;
        }
        // The whole-number solution found settles every other check it reaches.
        const x = solutionOrNone(mip);
        if (x.length > 0) for (const q of open) if (!done.has(q) && reached(q, x)) done.add(q);
      }
    } finally {
      mip.dispose();
    }
    millis.integer += performance.now() - t1;
  }
  return { intervals, narrowed, unreached, millis, programs };
}

/** The rows of a component by the columns in them. */
function rowsByCol(comp: Component): Map<number, Row[]> {
  const out = new Map<number, Row[]>();
  for (const r of comp.rows)
    for (const c of r.cols) {
      const list = out.get(c);
      if (list) list.push(r);
      else out.set(c, [r]);
    }
  return out;
}

/** How many values a local program may free before the whole program is the cheaper question. */
const LOCAL_LIMIT = 450;

/**
 * A whole-number solution that reaches the check by moving only the values within one, two, three
 * or four facts of the checked one (a plan's count moved in one organization must move back in
 * another segment of it and another organization of that segment: four facts away), every other withheld value held at its truth. The truth satisfies
 * every fact, so what solves this small program solves the whole system: a solution found is a
 * proof the attacker cannot rule the end out. Nothing found proves nothing (the caller then asks
 * the whole program). Returns the freed values' solution by column, or undefined.
 */
function nearTruth(
  solver: Solver,
  system: AttackSystem,
  comp: Component,
  rowsOf: ReadonlyMap<number, Row[]>,
  col: number,
  check: Check,
  anchor: ReadonlyMap<string, number>,
  reach: { hops: number; limit: number; nodes: number } = { hops: 4, limit: LOCAL_LIMIT, nodes: 200 },
): Map<number, number> | undefined {
  const truth = (c: number) => anchor.get(system.ids[c]!);
  let free = new Set([col]);
  for (let hop = 1; hop <= reach.hops; hop++) {
    const next = new Set(free);
    for (const c of free) for (const r of rowsOf.get(c) ?? []) for (const d of r.cols) next.add(d);
    if (next.size > reach.limit || next.size === free.size) return undefined;
    free = next;
    const cols = [...free];
    if (cols.some((c) => truth(c) === undefined)) return undefined;
    const local = new Map(cols.map((c, i) => [c, i]));
    const rows = [...new Set(cols.flatMap((c) => rowsOf.get(c) ?? []))];
    const starts = [0];
    const indices: number[] = [];
    const values: number[] = [];
    const rowLower: number[] = [];
    const rowUpper: number[] = [];
    const inf = (x: number) => (x === Infinity ? solver.infinity : x === -Infinity ? -solver.infinity : x);
    for (const r of rows) {
      let known = 0;
      r.cols.forEach((c, j) => {
        const i = local.get(c);
        if (i === undefined) known += r.coefs[j]! * (truth(c) ?? NaN);
        else {
          indices.push(i);
          values.push(r.coefs[j]!);
        }
      });
      starts.push(indices.length);
      // A value the anchor does not hold: the truth cannot be used here.
      if (Number.isNaN(known)) return undefined;
      rowLower.push(inf(r.lower - known));
      rowUpper.push(inf(r.upper - known));
    }
    const lower = cols.map((c) => system.lower[c]!);
    const upper = cols.map((c) => inf(system.upper[c]!));
    const at = local.get(col)!;
    if (check.side === 'up') lower[at] = Math.max(lower[at]!, check.at);
    else upper[at] = Math.min(upper[at]!, check.at);
    const model = solver.createModel({
      numCols: cols.length,
      numRows: rows.length,
      colCost: new Float64Array(cols.length),
      colLower: lower,
      colUpper: upper,
      rowLower,
      rowUpper,
      matrix: { format: 'csr' as const, numRows: rows.length, numCols: cols.length, starts, indices, values },
      integrality: cols.map((c) => (system.integer[c] ? solver.constants.variableType.integer : solver.constants.variableType.continuous)),
    });
    try {
      model.options.set({ output_flag: false, mip_rel_gap: 1, mip_max_nodes: reach.nodes });
      if (mipRun(model) === solver.constants.modelStatus.optimal) {
        const x = solutionOrNone(model);
        if (x.length === cols.length) return new Map(cols.map((c, i) => [c, x[i]!]));
      }
    } finally {
      model.dispose();
    }
  }
  return undefined;
}

/** A solver error is a status like any other here: not proven, so it counts against the release. */
function mipRun(model: { run(): { modelStatus: number } }): number {
  try {
    return model.run().modelStatus;
  } catch {
    return -1;
  }
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
