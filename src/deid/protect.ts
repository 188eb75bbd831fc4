import { RATES } from '../metrics/tables.js';
import type { AuditFinding, ProtectionPolicy } from './audit/index.js';
import { confidentialDigits, type RateState, type Var } from './suppression-state.js';

export interface ProtectContext {
  vars: ReadonlyMap<string, Var>;
  identities: readonly Map<string, number>[];
  rateOnly: ReadonlyMap<string, Map<string, RateState>>;
  policy: ProtectionPolicy;
}

/** How far below its usual decimals a confidential rate may be coarsened before it is withheld. */
export const MAX_COARSENING = 2;

/**
 * What to withhold next, for the values the audit found exposed. For each finding, in order:
 * 1. an identity whose other withheld terms cannot move far enough to cover the protection
 *    needed gets a partner withheld: the published term with the capacity to cover the shortfall
 *    (a term that must fall can fall only by its value; one that must rise, without limit),
 *    detail before headline figures, the smallest such, and never a zero that cannot move;
 * 2. otherwise, in a rates-only cell, the finest rate involving the value is shown one decimal
 *    coarser, or withheld once coarse enough;
 * 3. otherwise a partner in the identity with the least room.
 * One action per identity and per cell each round, so a round does not over-protect. Mutates
 * `vars` and `rateOnly`; returns whether it did anything.
 */
export function chooseActions(findings: readonly AuditFinding[], ctx: ProtectContext): boolean {
  const identitiesOf = indexIdentities(ctx.identities);
  const usedIdentities = new Set<unknown>();
  const usedCells = new Set<string>();
  let acted = false;
  const ordered = [...findings].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.side < b.side ? -1 : 1));
  const withheldBefore = new Set([...ctx.vars.values()].filter((v) => v.status === 'suppressed').map((v) => v.id));
  // A fact that lost a published term this round already gives the attacker less: what it
  // still exposes, the next audit will say. Acting again on it is how partners pile up.
  const changed = (f: AuditFinding) =>
    f.binding.some(
      (b) => (b.rate && usedCells.has(b.rate.cell)) || b.terms.some(([id]) => ctx.vars.get(id)?.status === 'suppressed' && !withheldBefore.has(id)),
    );
  for (const f of ordered) {
    const x = ctx.vars.get(f.id)!;
    if (acted && changed(f)) continue;
    const need = f.side === 'high' ? f.required.high - x.value : x.value - f.required.low;
    // What the solver says binds the attacker's bound: a rate of a rates-only cell is coarsened,
    // else a published value in a binding fact is withheld.
    const rateRow = f.binding.find((b) => b.rate && ctx.rateOnly.has(b.rate.cell) && !usedCells.has(b.rate.cell));
    if (rateRow && coarsen(ctx.rateOnly.get(rateRow.rate!.cell)!, rateRow.rate!.rate, ctx.policy)) {
      usedCells.add(rateRow.rate!.cell);
      acted = true;
      continue;
    }
    let pick: Var | undefined;
    for (const b of f.binding) {
      if (usedIdentities.has(b)) continue;
      for (const [id] of b.terms) {
        const w = ctx.vars.get(id);
        if (!w || w.status !== 'published' || w.id === x.id || w.value <= 0 || keep(w) || hopeless(w, ctx, identitiesOf)) continue;
        if (!pick || betterPartner(w, w.value, pick, pick.value, need)) pick = w;
      }
    }
    if (pick) {
      pick.status = 'suppressed';
      pick.cause = 'complementary';
      acted = true;
      continue;
    }
    const rows = (identitiesOf.get(f.id) ?? []).filter((r) => !usedIdentities.has(r));
    let worst: { row: Map<string, number>; shortfall: number } | undefined;
    let tightest: { row: Map<string, number>; room: number } | undefined;
    for (const row of rows) {
      const room = roomIn(row, x, f.side, ctx.vars);
      if (room < need - 1e-9 && (!worst || need - room > worst.shortfall)) worst = { row, shortfall: need - room };
      if (!tightest || room < tightest.room) tightest = { row, room };
    }
    if (worst && withholdPartner(worst.row, x, f.side, worst.shortfall, ctx, identitiesOf)) {
      usedIdentities.add(worst.row);
      acted = true;
      continue;
    }
    if (!usedCells.has(x.cell.key) && coarsenRate(x, ctx)) {
      usedCells.add(x.cell.key);
      acted = true;
      continue;
    }
    if (tightest && withholdPartner(tightest.row, x, f.side, need, ctx, identitiesOf)) {
      usedIdentities.add(tightest.row);
      acted = true;
      continue;
    }
    if (lastResort(x, f, ctx)) acted = true;
  }
  return acted;
}

/**
 * When nothing cheaper is left: every rate of the value's cell that involves it is withheld, and
 * every published value of the facts that bind it, zeros included.
 */
function lastResort(x: Var, f: AuditFinding, ctx: ProtectContext): boolean {
  let acted = false;
  const states = ctx.rateOnly.get(x.cell.key);
  if (states)
    for (const rate of RATES) {
      const state = states.get(rate.id)!;
      if (state.withheld || (rate.numerator !== x.quantity && rate.denominator !== x.quantity)) continue;
      state.withheld = true;
      acted = true;
    }
  for (const b of f.binding) {
    if (b.rate && ctx.rateOnly.get(b.rate.cell)?.get(b.rate.rate)?.withheld === false) {
      ctx.rateOnly.get(b.rate.cell)!.get(b.rate.rate)!.withheld = true;
      acted = true;
    }
    for (const [id] of b.terms) {
      const w = ctx.vars.get(id);
      if (!w || w.status !== 'published' || keep(w)) continue;
      w.status = 'suppressed';
      w.cause = 'complementary';
      acted = true;
    }
  }
  // A population so small that the year's total is the only cover left (one organization, one
  // segment, one of everything): the total goes too, rather than the release exposing someone.
  if (!acted)
    for (const b of f.binding)
      for (const [id] of b.terms) {
        const w = ctx.vars.get(id);
        if (!w || w.status !== 'published') continue;
        w.status = 'suppressed';
        w.cause = 'complementary';
        acted = true;
      }
  return acted;
}

/**
 * A partner that would itself be pinned at once: one of its identities has nothing else in it
 * but the year's headline totals (a one-way table with a single cell, a segment that is the whole
 * population), which are never withheld as partners. Withholding it protects nothing.
 */
function hopeless(w: Var, ctx: ProtectContext, identitiesOf: ReadonlyMap<string, Map<string, number>[]>): boolean {
  for (const row of identitiesOf.get(w.id) ?? []) {
    let other = false;
    for (const id of row.keys()) {
      if (id === w.id) continue;
      const v = ctx.vars.get(id);
      if (v && !(keep(v) && v.status === 'published')) {
        other = true;
        break;
      }
    }
    if (!other) return true;
  }
  return false;
}

/**
 * How far the other withheld terms of one identity let x move to the given side: to raise x, a
 * term on x's side of the identity must fall (by at most its value) or a term on the other side
 * must rise (without limit in this identity); to lower x, the reverse.
 */
function roomIn(row: ReadonlyMap<string, number>, x: Var, side: 'low' | 'high', vars: ReadonlyMap<string, Var>): number {
  const ax = row.get(x.id)!;
  let room = 0;
  for (const [id, a] of row) {
    if (id === x.id) continue;
    const w = vars.get(id);
    if (!w || w.status !== 'suppressed') continue;
    const mustFall = Math.sign(a) === Math.sign(ax) ? side === 'high' : side === 'low';
    if (!mustFall) return Infinity;
    room += w.value;
  }
  return room;
}

function withholdPartner(
  row: ReadonlyMap<string, number>,
  x: Var,
  side: 'low' | 'high',
  shortfall: number,
  ctx: ProtectContext,
  identitiesOf: ReadonlyMap<string, Map<string, number>[]>,
): boolean {
  const vars = ctx.vars;
  const ax = row.get(x.id)!;
  let best: { w: Var; capacity: number } | undefined;
  for (const [id, a] of row) {
    if (id === x.id) continue;
    const w = vars.get(id);
    if (!w || w.status !== 'published' || keep(w) || hopeless(w, ctx, identitiesOf)) continue;
    const mustFall = Math.sign(a) === Math.sign(ax) ? side === 'high' : side === 'low';
    const capacity = mustFall ? w.value : Infinity;
    if (capacity <= 0) continue;
    if (!best || betterPartner(w, capacity, best.w, best.capacity, shortfall)) best = { w, capacity };
  }
  if (!best) return false;
  best.w.status = 'suppressed';
  best.w.cause = 'complementary';
  return true;
}

/**
 * Capacity first (a partner that covers the shortfall alone), then detail before what readers
 * use most (quarters and cross-table cells before one-way cells, one-way cells before the total,
 * service categories before headline quantities), then the least value lost.
 */
function betterPartner(a: Var, capA: number, b: Var, capB: number, shortfall: number): boolean {
  const score = (v: Var, cap: number) => [
    cap >= shortfall ? 0 : 1,
    v.cell.table === 'total' ? 1 : 0,
    HEADLINE.has(v.quantity) ? 1 : 0,
    v.cell.period.includes('-Q') ? 0 : 1,
    v.cell.table === 'segment_organization' ? 0 : 1,
    cap >= shortfall ? v.value : -v.value,
  ];
  const [x, y] = [score(a, capA), score(b, capB)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return a.id < b.id;
}

const HEADLINE = new Set(['members', 'member_months', 'paid', 'allowed']);

/** The year's all-payer headline figures are what every reader starts from: never withheld as partners. */
const keep = (v: Var) => v.cell.table === 'total' && !v.cell.period.includes('-Q') && HEADLINE.has(v.quantity);

function coarsen(states: Map<string, RateState>, rateId: string, policy: ProtectionPolicy): boolean {
  const state = states.get(rateId);
  const rate = RATES.find((r) => r.id === rateId);
  if (!state || !rate || state.withheld) return false;
  if (state.digits > confidentialDigits(rate, policy) - MAX_COARSENING) state.digits--;
  else state.withheld = true;
  return true;
}

function coarsenRate(x: Var, ctx: ProtectContext): boolean {
  const states = ctx.rateOnly.get(x.cell.key);
  if (!states) return false;
  let pick: { state: RateState; floor: number } | undefined;
  for (const rate of RATES) {
    if (rate.numerator !== x.quantity && rate.denominator !== x.quantity) continue;
    const state = states.get(rate.id)!;
    if (state.withheld) continue;
    const floor = confidentialDigits(rate, ctx.policy) - MAX_COARSENING;
    if (!pick || state.digits - floor > pick.state.digits - pick.floor) pick = { state, floor };
  }
  if (!pick) return false;
  if (pick.state.digits > pick.floor) pick.state.digits--;
  else pick.state.withheld = true;
  return true;
}

const cache = new WeakMap<readonly Map<string, number>[], Map<string, Map<string, number>[]>>();
function indexIdentities(identities: readonly Map<string, number>[]) {
  let index = cache.get(identities);
  if (!index) {
    index = new Map();
    for (const row of identities)
      for (const id of row.keys()) {
        const list = index.get(id);
        if (list) list.push(row);
        else index.set(id, [row]);
      }
    cache.set(identities, index);
  }
  return index;
}
