import type { PublishedCell } from '../published.js';
import { protectionInterval, PROTECTION, type ProtectionPolicy, type WithholdingCause } from './protection.js';
import { attackerReach, type Interval, type Solver } from './solve.js';
import { attackSystem, type AttackSystem, type Row } from './system.js';

export { PROTECTION, protectionInterval, type ProtectionPolicy, type WithholdingCause } from './protection.js';
export { attackSystem, type AttackSystem } from './system.js';
export type { Interval, Solver } from './solve.js';
export { loadSolver } from './load.js';

/** What the publisher knows and the files do not: each withheld value's truth and cause. */
export type Truth = ReadonlyMap<string, { value: number; cause: WithholdingCause }>;

export interface AuditFinding {
  id: string;
  cause: WithholdingCause;
  /** The interval that had to stay open, and the attacker's. */
  required: Interval;
  attacker: Interval;
  /** Which side the attacker narrowed, and whether a whole-number solution was what did it. */
  side: 'low' | 'high';
  by: 'linear' | 'integer';
  /** The facts that bind it: rows of the attack system (identities, caps, rates), by value id. */
  binding: { terms: [string, number][]; rate?: Row['rate'] }[];
}

export interface AuditReport {
  ok: boolean;
  /** Withheld values checked (those with something to protect), and the findings. */
  checked: number;
  findings: AuditFinding[];
  /** The attacker's interval for every withheld value: what the operators' report keeps. */
  intervals: Map<string, Interval & { required?: Interval }>;
  millis: { linear: number; integer: number };
  /** Linear and integer programs solved. */
  programs: number;
}

/**
 * The disclosure audit: the attack a statistical agency runs on its own tables before release.
 * From the release alone (attackSystem) it computes, for every withheld value, the least and
 * greatest value consistent with everything published: first by linear programming, then, for
 * the whole-number counts that the linear bounds leave protected, by mixed-integer feasibility
 * at the ends of their protection intervals. A value whose protection interval the attacker's
 * interval does not cover is a finding; a release with findings must not be published.
 */
export function auditRelease(
  solver: Solver,
  published: readonly PublishedCell[],
  truth: Truth,
  options: {
    policy?: ProtectionPolicy;
    integer?: boolean;
    exact?: boolean;
    only?: ReadonlySet<string>;
    /** Every true value by id, withheld or published: lets whole-number checks start from the truth (solve.ts). */
    anchor?: ReadonlyMap<string, number>;
  } = {},
): AuditReport {
  const policy = options.policy ?? PROTECTION;
  const system = attackSystem(published);
  const required = new Map<string, Interval>();
  for (const id of [...system.withheld, ...system.derived]) {
    if (options.only && !options.only.has(id)) continue;
    const t = truth.get(id);
    if (!t) continue;
    const p = protectionInterval(id.slice(id.indexOf('#') + 1), t.value, t.cause, policy);
    if (p) required.set(id, p);
  }
  const solved = attackerReach(solver, system, required, {
    exact: options.exact ?? false,
    integer: options.integer !== false,
    ...(options.anchor ? { anchor: withDerived(options.anchor, system) } : {}),
    ...(options.only ? { targets: [...system.withheld, ...system.derived].filter((id) => options.only!.has(id)) } : {}),
  });
  const finding = (c: { id: string; side: 'up' | 'down'; binding?: number[] }, by: 'linear' | 'integer'): AuditFinding => ({
    id: c.id,
    cause: truth.get(c.id)!.cause,
    required: required.get(c.id)!,
    attacker: solved.intervals.get(c.id)!,
    side: c.side === 'up' ? 'high' : 'low',
    by,
    binding: (c.binding ?? []).map((i) => {
      const r = system.rows[i]!;
      return { terms: r.cols.map((col, j) => [system.ids[col]!, r.coefs[j]!] as [string, number]), ...(r.rate ? { rate: r.rate } : {}) };
    }),
  });
  const findings = [...solved.narrowed.map((c) => finding(c, 'linear')), ...solved.unreached.map((c) => finding(c, 'integer'))];
  const bounds = solved.intervals;
  const intervals = new Map<string, Interval & { required?: Interval }>();
  for (const [id, b] of bounds) intervals.set(id, { ...b, ...(required.has(id) ? { required: required.get(id)! } : {}) });
  return { ok: findings.length === 0, checked: required.size, findings, intervals, millis: solved.millis, programs: solved.programs };
}

/** The true values of the derived columns too (a complement is its denominator minus its numerator), where the parts are known. */
function withDerived(anchor: ReadonlyMap<string, number>, system: AttackSystem): ReadonlyMap<string, number> {
  const out = new Map(anchor);
  const derived = new Set(system.derived);
  const definitions = new Map(system.rows.filter((r) => r.cols.length === 3 && derived.has(system.ids[r.cols[0]!]!)).map((r) => [system.ids[r.cols[0]!]!, r]));
  for (const id of system.derived) {
    if (out.has(id)) continue;
    const row = definitions.get(id);
    if (!row) continue;
    let value = 0;
    for (let j = 1; j < row.cols.length; j++) value -= row.coefs[j]! * (anchor.get(system.ids[row.cols[j]!]!) ?? NaN);
    if (!Number.isNaN(value)) out.set(id, value);
  }
  return out;
}
