/**
 * THE BASELINE, NOT THE PRODUCT: the greedy complementary suppression the gateway used before the
 * disclosure audit (issue 13), kept verbatim apart from its output format so that benchmarks and
 * tests can measure today's method against it on the same tables. It withholds a partner only
 * while a value is determined exactly by the linear identities, ignoring non-negativity, whole
 * numbers, caps and rounding; an optimising attacker narrows or recovers what it leaves.
 * Its output carries today's public reasons and rounding steps, so the audit can read it.
 */
import type { Cell } from '../../src/metrics/tabulate.js';
import { isSum, MONTH_QUANTITIES, QUANTITIES, RATES, type RateDef } from '../../src/metrics/tables.js';
import { determinedUnknowns, type Equation } from './linear-system.js';
import type { PublishedCell, PublishedValue } from '../../src/deid/published.js';
import { relations, varId } from '../../src/deid/relations.js';

/** The reasons the greedy method gave; published as today's public reasons (below). */
type SuppressionReason = 'primary' | 'complementary' | 'payer-confidential';
const publicReason = (r: SuppressionReason) => (r === 'payer-confidential' ? r : 'disclosure-control');

export interface SuppressionRules {
  /** Counts from 1 to minCount − 1 are suppressed (11: the CMS cell-size rule of 1–10). */
  minCount: number;
  /** A segment-by-organization cell shows counts only when at least this many plans are pooled in it. */
  minPayers: number;
  /**
   * With noise on, suppression may look only at noisy values (anything else would leak through
   * the suppression pattern): sums are then judged by the cell's noisy member-months.
   */
  noisy: boolean;
}

export const GREEDY_RULES: SuppressionRules = { minCount: 11, minPayers: 3, noisy: false };

interface Var {
  cell: Cell;
  quantity: string;
  value: number;
  status: 'published' | 'suppressed';
  reason?: SuppressionReason;
}

const small = (n: number, rules: SuppressionRules) => n >= 1 && n < rules.minCount;
const PAIRS: readonly RateDef[] = RATES.filter((r) => !isSum(r.numerator) && r.denominator !== 'member_months');

/**
 * Primary suppression, payer confidentiality and complementary suppression, in that order, over
 * the cells of one release. Pure and deterministic.
 *
 * 1. Primary: every count from 1 to 10 (numerators, denominators, member-months, events); every
 *    dollar sum with 1 to 10 people behind it; every numerator whose complement (denominator
 *    minus numerator) is 1 to 10, since publishing both would give that small count away.
 * 2. Payer confidentiality: in the segment-by-organization table a cell pooling fewer plans than
 *    `minPayers` shows rates only, never the numerator or denominator that would reveal a plan's
 *    share of the organization's panel.
 * 3. Complementary: an attacker holding every published number of the release, the table
 *    identities (relations.ts) and every rate-only rate solves the linear system; while any
 *    withheld value is pinned down, more is withheld (the smallest non-zero partner in the
 *    identity that pins it, or the rate that pins it), and the system is solved again.
 */
export function greedySuppress(cells: readonly Cell[], rules: SuppressionRules = GREEDY_RULES): PublishedCell[] {
  const vars = new Map<string, Var>();
  const hide = (v: Var, reason: SuppressionReason) => {
    if (v.status === 'suppressed') return;
    v.status = 'suppressed';
    v.reason = reason;
  };
  for (const cell of cells) {
    for (const quantity of QUANTITIES) {
      const value = cell.values[quantity] ?? 0;
      vars.set(varId(cell.key, quantity), { cell, quantity, value, status: 'published' });
    }
  }
  const get = (cell: Cell, q: string) => vars.get(varId(cell.key, q))!;

  // 1. Primary.
  for (const v of vars.values()) {
    const people = isSum(v.quantity) ? (rules.noisy ? (v.cell.values['member_months'] ?? 0) : (v.cell.contributors[v.quantity] ?? 0)) : v.value;
    if (isSum(v.quantity) ? people < rules.minCount && (people >= 1 || v.value !== 0) : small(v.value, rules)) hide(v, 'primary');
  }
  for (const cell of cells)
    for (const rate of PAIRS) {
      const n = get(cell, rate.numerator);
      if (small(get(cell, rate.denominator).value - n.value, rules)) hide(n, 'primary');
    }

  // 2. Payer confidentiality.
  const rateOnly = new Set<string>();
  for (const cell of cells) {
    if (!(cell.stratum.segment !== undefined && cell.stratum.organization !== undefined && cell.payers.size < rules.minPayers)) continue;
    rateOnly.add(cell.key);
    for (const q of QUANTITIES) hide(get(cell, q), 'payer-confidential');
  }

  // 3. Complementary.
  const withheldRates = new Set<string>();
  const identities = relations(cells, QUANTITIES);
  const identitiesOf = new Map<string, Map<string, number>[]>();
  for (const identity of identities)
    for (const k of identity.keys()) {
      const list = identitiesOf.get(k);
      if (list) list.push(identity);
      else identitiesOf.set(k, [identity]);
    }
  const rateShown = (cell: Cell, rate: RateDef) => {
    const n = get(cell, rate.numerator);
    const d = get(cell, rate.denominator);
    if (d.value <= 0) return false;
    if (n.status === 'published' && d.status === 'published') return true;
    return rateOnly.has(cell.key) && n.reason === 'payer-confidential' && d.reason === 'payer-confidential' && !withheldRates.has(varId(cell.key, rate.id));
  };
  for (let round = 0; ; round++) {
    if (round > 10_000) throw new Error('complementary suppression did not converge');
    const equations: Equation[] = [];
    const unknownIn = (ids: Iterable<[string, number]>) => {
      const terms = new Map<string, number>();
      for (const [id, a] of ids) if (vars.get(id)?.status === 'suppressed') terms.set(id, a);
      return terms;
    };
    for (const identity of identities) {
      const terms = unknownIn(identity);
      if (terms.size > 0) equations.push({ terms });
    }
    for (const key of rateOnly) {
      const cell = vars.get(varId(key, 'members'))!.cell;
      for (const rate of RATES) {
        if (!rateShown(cell, rate)) continue;
        const n = get(cell, rate.numerator);
        const d = get(cell, rate.denominator);
        const r = n.value / d.value;
        equations.push({
          terms: new Map([
            [varId(key, rate.numerator), 1],
            [varId(key, rate.denominator), -r],
          ]),
        });
      }
    }
    const determined = [...determinedUnknowns(equations)].sort();
    if (determined.length === 0) break;
    let acted = false;
    const touched = new Set<string>();
    for (const id of determined) {
      const v = vars.get(id)!;
      if (touched.has(v.cell.key + v.quantity)) continue;
      const action = nearestAction(v, identitiesOf, vars, (u) =>
        rateOnly.has(u.cell.key) ? RATES.find((r) => (r.numerator === u.quantity || r.denominator === u.quantity) && rateShown(u.cell, r)) : undefined,
      );
      if (action?.kind === 'rate') {
        withheldRates.add(action.id);
        acted = true;
        // One rate at a time: a single withheld rate often frees several values at once.
        break;
      }
      if (action?.kind === 'hide') {
        hide(action.v, 'complementary');
        touched.add(v.cell.key + v.quantity);
        acted = true;
      }
    }
    if (!acted) throw new Error(`complementary suppression cannot protect ${determined[0]}`);
  }

  return cells.map((cell) => {
    const quantities: Record<string, PublishedValue> = {};
    const shown = cell.period.includes('-Q') ? MONTH_QUANTITIES : QUANTITIES;
    for (const q of shown) {
      const v = get(cell, q);
      quantities[q] =
        v.status === 'published'
          ? { value: isSum(q) ? round(v.value, 2) : v.value, status: 'published', ...(isSum(q) ? { step: 0.01 } : {}) }
          : { value: null, status: 'suppressed', reason: publicReason(v.reason!) };
    }
    const rates: Record<string, PublishedValue> = {};
    for (const rate of RATES) {
      if (!shown.includes(rate.numerator) || !shown.includes(rate.denominator)) continue;
      const n = get(cell, rate.numerator);
      const d = get(cell, rate.denominator);
      if (d.status === 'published' && d.value <= 0) rates[rate.id] = { value: null, status: 'not-applicable' };
      else if (rateShown(cell, rate))
        rates[rate.id] = { value: round((n.value / d.value) * rate.per, rate.digits), status: 'published', step: 10 ** -rate.digits };
      else
        rates[rate.id] = {
          value: null,
          status: 'suppressed',
          reason: publicReason(withheldRates.has(varId(cell.key, rate.id)) ? 'complementary' : strongest(n, d)),
        };
    }
    return { period: cell.period, table: cell.table, stratum: cell.stratum, key: cell.key, quantities, rates };
  });
}

/**
 * What to withhold next to protect a pinned value: search outward from it through the
 * identities, level by level. At each level a rate-only rate involving the values reached is
 * withheld first (rates are detail); otherwise the best published partner of those values is
 * hidden. Nearest first, so the protection stays where the problem is.
 */
function nearestAction(
  v: Var,
  identitiesOf: ReadonlyMap<string, readonly Map<string, number>[]>,
  vars: ReadonlyMap<string, Var>,
  shownRate: (u: Var) => RateDef | undefined,
): { kind: 'rate'; id: string } | { kind: 'hide'; v: Var } | undefined {
  const seen = new Set([varId(v.cell.key, v.quantity)]);
  let level = [v];
  while (level.length > 0) {
    const next: Var[] = [];
    let best: Var | undefined;
    for (const u of level)
      for (const identity of identitiesOf.get(varId(u.cell.key, u.quantity)) ?? [])
        for (const k of identity.keys()) {
          const w = vars.get(k);
          if (!w) continue;
          if (w.status === 'published') {
            if (betterPartner(w, best)) best = w;
          } else if (!seen.has(k)) {
            seen.add(k);
            next.push(w);
          }
        }
    for (const u of [...level, ...next]) {
      const rate = shownRate(u);
      if (rate) return { kind: 'rate', id: varId(u.cell.key, rate.id) };
    }
    if (best) return { kind: 'hide', v: best };
    level = next;
  }
  return undefined;
}

/**
 * Zeros protect little (a zero is often guessable); totals, annual figures and headline
 * quantities are what readers use most, so detail goes first: quarters, cross-table cells,
 * service categories; then the smallest value.
 */
function betterPartner(a: Var, b: Var | undefined): boolean {
  if (!b) return true;
  const score = (v: Var) => [
    v.value === 0 ? 1 : 0,
    v.cell.table === 'total' ? 1 : 0,
    HEADLINE.has(v.quantity) ? 1 : 0,
    v.cell.period.includes('-Q') ? 0 : 1,
    v.cell.table === 'segment_organization' ? 0 : 1,
    v.value,
  ];
  const [x, y] = [score(a), score(b)];
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]!;
  return false;
}

const HEADLINE = new Set(['members', 'member_months', 'paid', 'allowed']);

const ORDER: readonly SuppressionReason[] = ['primary', 'complementary', 'payer-confidential'];
function strongest(...vs: Var[]): SuppressionReason {
  const reasons = vs.filter((v) => v.status === 'suppressed').map((v) => v.reason!);
  return ORDER.find((r) => reasons.includes(r)) ?? 'complementary';
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
