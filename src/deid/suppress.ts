import type { Cell } from '../metrics/tabulate.js';
import { isSum, QUANTITIES, RATES } from '../metrics/tables.js';
import {
  auditRelease,
  PROTECTION,
  type AuditFinding,
  type AuditReport,
  type ProtectionPolicy,
  type Solver,
  type Truth,
  type WithholdingCause,
} from './audit/index.js';
import { chooseActions } from './protect.js';
import { confidentialDigits, type RateState, type Var } from './suppression-state.js';
import type { PublishedCell, PublishedValue } from './published.js';
import { relations, varId } from './relations.js';
import { isRateOnly, primaryWithheld, quantitiesOf, smallComplements, type SuppressionRules } from './withholding-rules.js';

export type { SuppressionRules } from './withholding-rules.js';

export const DEFAULT_RULES: SuppressionRules = { minCount: PROTECTION.minCount, minPayers: PROTECTION.minPayers, noisy: false };

export type { RateState, Var } from './suppression-state.js';

export interface Suppressed {
  cells: PublishedCell[];
  /** The audit of the cells as published: the operators' report (intervals, never values). */
  audit: AuditReport;
  rounds: number;
}

/**
 * Primary suppression, payer confidentiality and complementary suppression, in that order, over
 * the cells of one release. Deterministic; pure apart from the solver it is given.
 *
 * 1. Primary (exact releases only): every count from 1 to 10; every dollar sum with 1 to 10
 *    people behind it; every numerator whose complement (denominator minus numerator) is 1 to 10.
 * 2. Payer confidentiality: in the segment-by-organization table a cell pooling fewer plans than
 *    `minPayers` shows rates only, never the numerators or denominators, and those rates coarser.
 * 3. Complementary, by attack: the disclosure audit (audit/) solves for every withheld value
 *    what an attacker can, from every published figure and fact of the methodology; where it
 *    narrows a value past its protection interval, protect.ts withholds a partner chosen by its
 *    capacity to protect, or coarsens or withholds a rate, and the audit runs again. The release
 *    is what the last audit passed.
 */
export function suppress(
  cells: readonly Cell[],
  /** The audit's solver; with noise on there is no complementary step and none is needed. */
  solver: Solver | undefined,
  rules: SuppressionRules = DEFAULT_RULES,
  policy: ProtectionPolicy = PROTECTION,
  /** Told of each round's findings: for benchmarks and diagnosis. */
  observe?: (round: number, audit: AuditReport) => void,
): Suppressed {
  const vars = new Map<string, Var>();
  for (const cell of cells)
    for (const quantity of quantitiesOf(cell)) {
      const id = varId(cell.key, quantity);
      vars.set(id, { id, cell, quantity, value: cell.values[quantity] ?? 0, status: 'published' });
    }
  const get = (cell: Cell, q: string) => vars.get(varId(cell.key, q));
  const hide = (v: Var, cause: WithholdingCause) => {
    if (v.status === 'suppressed') return;
    v.status = 'suppressed';
    v.cause = cause;
  };

  // 1. Primary.
  if (!rules.noisy) for (const id of primaryWithheld(cells, rules)) hide(vars.get(id)!, 'primary');

  // 2. Payer confidentiality.
  const rateOnly = new Map<string, Map<string, RateState>>();
  for (const cell of cells) {
    if (!isRateOnly(cell, rules)) continue;
    for (const q of quantitiesOf(cell)) hide(get(cell, q)!, 'payer-confidential');
    rateOnly.set(cell.key, new Map(RATES.map((r) => [r.id, { digits: confidentialDigits(r, policy), withheld: false }])));
  }

  // 3. Complementary, until the audit passes. With noise on, no published value is a fact about
  // the truth (the noised withheld values do not even satisfy the facts among themselves: a
  // noised numerator can exceed its noised denominator), so an attack on exact facts has nothing
  // to stand on, and the noise, with its accounting, is the protection: no complementary step.
  if (rules.noisy) return { cells: render(cells, vars, rateOnly), audit: report(), rounds: 0 };
  if (!solver) throw new Error("complementary suppression needs the disclosure audit's solver");
  const identities = relations(cells, QUANTITIES);
  // Withholding more, or showing a rate coarser, only takes facts away from the attacker, so
  // a value the audit found protected stays protected: after the first round only what was
  // exposed, and what was newly withheld, is checked again, and the whole release at the end.
  let only: Set<string> | undefined;
  // The same holds of the whole-number checks: after their first pass, only values exposed or
  // newly withheld since are checked again.
  let sinceInteger: Set<string> | undefined;
  // A numerator withheld for its small complement: the complement, a value of the attack system
  // (audit/system.ts), must keep a small count's protection too.
  const complements = smallComplements(cells, rules);
  const complementOf = new Map([...complements].map(([n, c]) => [c.id, n]));
  const anchor = new Map([...vars.values()].map((v) => [v.id, v.value]));
  const kept = report();
  for (let round = 1; ; round++) {
    const published = render(cells, vars, rateOnly);
    const truth = new Map([...vars.values()].filter((v) => v.status === 'suppressed').map((v) => [v.id, { value: v.value, cause: v.cause! }]));
    for (const [numerator, c] of complements) if (truth.has(numerator)) truth.set(c.id, { value: c.value, cause: 'primary' });
    let audit = auditRelease(solver, published, truth, { policy, integer: false, ...(only ? { only } : {}) });
    merge(kept, audit);
    // Once the linear attack is beaten everywhere (each withheld value was checked in the round
    // it was withheld or last exposed, and what passed stays passed), the whole-number checks
    // run over every count a shown rate ties: only there can whole numbers narrow further.
    if (audit.ok) {
      const tied = rateTied(published, truth);
      const recheck = sinceInteger ? new Set([...tied].filter((id) => sinceInteger!.has(id))) : tied;
      sinceInteger = new Set();
      if (recheck.size > 0) {
        audit = auditRelease(solver, published, truth, { policy, integer: true, only: recheck, anchor });
        merge(kept, audit);
      }
    }
    observe?.(round, audit);
    if (audit.ok) {
      kept.checked = [...kept.intervals.values()].filter((iv) => iv.required).length;
      return { cells: published, audit: kept, rounds: round };
    }
    if (round > 200) throw new Error(`complementary suppression did not converge: ${audit.findings.length} values still exposed`);
    const before = new Set(truth.keys());
    const acted = chooseActions(
      audit.findings.map((f) => asNumerator(f, complementOf, complements, vars)),
      { vars, identities, rateOnly, policy },
    );
    if (!acted) {
      const named = audit.findings.slice(0, 5).map((f) => `${f.id} (${f.side}, ${f.by})`);
      throw new Error(
        `complementary suppression cannot protect ${named.join(', ')}${audit.findings.length > 5 ? ` and ${audit.findings.length - 5} more` : ''}`,
      );
    }
    only = new Set(audit.findings.flatMap((f) => [f.id, complementOf.get(f.id) ?? f.id]));
    for (const v of vars.values()) if (v.status === 'suppressed' && !before.has(v.id)) only.add(v.id);
    // A coarser rate changes what its cell's parts are exposed to: check them again too.
    const touched = new Set(audit.findings.map((f) => vars.get(complementOf.get(f.id) ?? f.id)!.cell.key).filter((k) => rateOnly.has(k)));
    for (const v of vars.values()) if (touched.has(v.cell.key) && v.status === 'suppressed') only.add(v.id);
    for (const id of [...only]) if (complements.has(id)) only.add(complements.get(id)!.id);
    for (const id of only) sinceInteger?.add(id);
  }
}

/** The operators' report of a release, filled round by round. */
const report = (): AuditReport => ({ ok: true, checked: 0, findings: [], intervals: new Map(), millis: { linear: 0, integer: 0 }, programs: 0 });

/**
 * A finding on a complement (denominator − numerator) as one on its numerator, which is what can
 * be acted on: the complement rising past its end is the numerator falling, and the reverse.
 */
function asNumerator(
  f: AuditFinding,
  complementOf: ReadonlyMap<string, string>,
  complements: ReadonlyMap<string, { value: number }>,
  vars: ReadonlyMap<string, Var>,
): AuditFinding {
  const numerator = complementOf.get(f.id);
  if (!numerator) return f;
  const d = vars.get(numerator)!.value + complements.get(numerator)!.value;
  const flip = (iv: { low: number; high: number }) => ({ low: d - iv.high, high: d - iv.low });
  return { ...f, id: numerator, side: f.side === 'high' ? 'low' : 'high', required: flip(f.required), attacker: flip(f.attacker) };
}

/** A later round's intervals replace an earlier one's: withholding more only widens them. */
function merge(into: AuditReport, audit: AuditReport) {
  for (const [id, iv] of audit.intervals) into.intervals.set(id, iv);
  into.millis.linear += audit.millis.linear;
  into.millis.integer += audit.millis.integer;
  into.programs += audit.programs;
}

/** The withheld counts that a shown rate ties to another: where a whole-number attack can do more than a linear one. */
function rateTied(published: readonly PublishedCell[], truth: Truth): Set<string> {
  const out = new Set<string>();
  for (const cell of published)
    for (const rate of RATES) {
      if (cell.rates[rate.id]?.status !== 'published') continue;
      for (const q of [rate.numerator, rate.denominator])
        if (!isSum(q) && cell.quantities[q]?.status === 'suppressed' && truth.has(varId(cell.key, q))) out.add(varId(cell.key, q));
    }
  return out;
}

/** The cells as they would be published, with public reasons only. */
function render(cells: readonly Cell[], vars: ReadonlyMap<string, Var>, rateOnly: ReadonlyMap<string, ReadonlyMap<string, RateState>>): PublishedCell[] {
  return cells.map((cell) => {
    // Every withheld value of a rates-only cell says 'payer-confidential', small or not: one
    // code there marking the small cells would tell which are 1 to 10 (the red team read them).
    const confidential = rateOnly.get(cell.key);
    const quantities: Record<string, PublishedValue> = {};
    for (const q of quantitiesOf(cell)) {
      const v = vars.get(varId(cell.key, q))!;
      quantities[q] =
        v.status === 'published'
          ? { value: isSum(q) ? round(v.value, 2) : v.value, status: 'published', ...(isSum(q) ? { step: 0.01 } : {}) }
          : {
              value: null,
              status: 'suppressed',
              reason: confidential !== undefined || v.cause === 'payer-confidential' ? 'payer-confidential' : 'disclosure-control',
            };
    }
    const rates: Record<string, PublishedValue> = {};
    for (const rate of RATES) {
      const n = vars.get(varId(cell.key, rate.numerator));
      const d = vars.get(varId(cell.key, rate.denominator));
      if (!n || !d) continue;
      const state = confidential?.get(rate.id);
      const digits = state ? state.digits : rate.digits;
      const shown =
        n.status === 'published' && d.status === 'published'
          ? true
          : !!state && !state.withheld && n.cause === 'payer-confidential' && d.cause === 'payer-confidential';
      if (d.value <= 0 && (d.status === 'published' || shown)) rates[rate.id] = { value: null, status: 'not-applicable' };
      else if (shown) rates[rate.id] = { value: round((n.value / d.value) * rate.per, digits), status: 'published', step: 10 ** -digits };
      else
        rates[rate.id] = {
          value: null,
          status: 'suppressed',
          reason: confidential !== undefined || [n, d].some((v) => v.cause === 'payer-confidential') ? 'payer-confidential' : 'disclosure-control',
        };
    }
    return { period: cell.period, table: cell.table, stratum: cell.stratum, key: cell.key, quantities, rates };
  });
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};
