import { beforeAll, describe, expect, it } from 'vitest';
import { auditRelease, attackSystem, type Solver, type Truth, type WithholdingCause } from '../../src/deid/audit/index.js';
import type { PublishedCell, PublishedValue } from '../../src/deid/published.js';
import { varId } from '../../src/deid/relations.js';
import { loadSolver } from '../../src/deid/audit/load.js';
import { isSum, MONTH_QUANTITIES, QUANTITIES, RATES } from '../../src/metrics/tables.js';
import { tabulate, type Cell } from '../../src/metrics/tabulate.js';
import type { Contribution } from '../../src/metrics/contributions.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };

/**
 * The disclosure audit against crafted tables: each case is an attack the independent review
 * ran (or a smaller copy of it), with the solver (HiGHS) as the attacker. A crafted release the
 * audit must refuse, and the same release with enough withheld, which it must pass.
 */
let solver: Solver;
beforeAll(async () => {
  solver = await loadSolver();
});

const YEAR = 2025;

function person(
  id: string,
  over: {
    org?: string;
    sex?: string;
    months?: number;
    segment?: 'commercial' | 'medicare' | 'medicaid';
    payer?: string;
    paid?: number;
    bcs?: 'num' | 'den';
  } = {},
): Contribution {
  const months = new Map<number, { segment: 'commercial' | 'medicare' | 'medicaid'; payer: string; q: Record<string, number> }>();
  for (let m = 1; m <= (over.months ?? 12); m++)
    months.set(m, {
      segment: over.segment ?? 'commercial',
      payer: over.payer ?? `plan-${id.length % 3}`,
      q: { member_months: 1, paid: (over.paid ?? 1200) / 12, 'paid.professional': (over.paid ?? 1200) / 12 },
    });
  const once: Record<string, number> = { members: 1 };
  if (over.bcs) once['breast-cancer-screening.denominator'] = 1;
  if (over.bcs === 'num') once['breast-cancer-screening.numerator'] = 1;
  return {
    person: id,
    segment: over.segment ?? 'commercial',
    payer: over.payer ?? 'plan-0',
    age: 40,
    sex: over.sex ?? 'female',
    state: 'MI',
    zip: '48911',
    organization: over.org ?? 'Organization/a',
    once,
    months,
  };
}

const many = (n: number, prefix: string, over: Parameters<typeof person>[1] = {}) => Array.from({ length: n }, (_, i) => person(`${prefix}${i}`, over));

/** Publishes every value of the year's cells except those listed, which are withheld with their cause. */
function release(cells: readonly Cell[], withheld: Record<string, WithholdingCause>): { published: PublishedCell[]; truth: Truth } {
  const truth = new Map<string, { value: number; cause: WithholdingCause }>();
  const published = cells
    .filter((c) => !c.period.includes('-Q'))
    .map((c) => {
      const quantities: Record<string, PublishedValue> = {};
      for (const q of c.period.includes('-Q') ? MONTH_QUANTITIES : QUANTITIES) {
        const id = varId(c.key, q);
        const value = c.values[q] ?? 0;
        if (withheld[id]) {
          truth.set(id, { value, cause: withheld[id]! });
          quantities[q] = { value: null, status: 'suppressed', reason: withheld[id] === 'payer-confidential' ? 'payer-confidential' : 'disclosure-control' };
        } else quantities[q] = { value: isSum(q) ? Math.round(value * 100) / 100 : value, status: 'published' };
      }
      const rates: Record<string, PublishedValue> = {};
      for (const r of RATES) {
        const n = quantities[r.numerator]!;
        const d = quantities[r.denominator]!;
        if (n.status === 'published' && d.status === 'published' && (d.value ?? 0) > 0)
          rates[r.id] = { value: Math.round((n.value! / d.value!) * r.per * 10 ** r.digits) / 10 ** r.digits, status: 'published' };
        else rates[r.id] = { value: null, status: 'suppressed', reason: 'disclosure-control' };
      }
      return { period: c.period, table: c.table, stratum: c.stratum, key: c.key, quantities, rates };
    });
  return { published, truth };
}

const key = (table: string, ...stratum: string[]) => `${YEAR}|${table}|${stratum.join('|')}`;

describe('the disclosure audit', () => {
  it('refuses a table where a small count is the total minus published cells, and names the cell', () => {
    const cells = tabulate([...many(30, 'a', { org: 'Organization/a' }), ...many(7, 'c', { org: 'Organization/c' })], YEAR, zip3);
    const { published, truth } = release(cells, { [varId(key('organization', 'Organization/c'), 'members')]: 'primary' });
    const report = auditRelease(solver, published, truth, { integer: false });
    expect(report.ok).toBe(false);
    expect(report.findings.map((f) => f.id)).toContain(varId(key('organization', 'Organization/c'), 'members'));
    expect(report.intervals.get(varId(key('organization', 'Organization/c'), 'members'))).toMatchObject({ low: 7, high: 7 });
  });

  it('sees the 12-month cap: a withheld count of members is pinned from below by its published member-months', () => {
    // The review's "sex unknown = 2": two full-year members, their 24 member-months published.
    const cells = tabulate([...many(40, 'f'), ...many(2, 'u', { sex: 'unknown' }), ...many(20, 'm', { sex: 'male' })], YEAR, zip3);
    const unknown = varId(key('sex', 'unknown'), 'members');
    const male = varId(key('sex', 'male'), 'members');
    const { published, truth } = release(cells, { [unknown]: 'primary', [male]: 'complementary' });
    const report = auditRelease(solver, published, truth, { integer: false });
    // 2 ≤ unknown because 24 months need 2 members; unknown ≤ 2 because male ≥ 240/12 = 20.
    expect(report.intervals.get(unknown)).toMatchObject({ low: 2, high: 2 });
    expect(report.findings.some((f) => f.id === unknown)).toBe(true);
  });

  it('passes the same table once the member-months behind the small count are withheld too, with a partner that can cover 11', () => {
    const cells = tabulate([...many(40, 'f'), ...many(2, 'u', { sex: 'unknown', months: 12 }), ...many(20, 'm', { sex: 'male', months: 6 })], YEAR, zip3);
    const w: Record<string, WithholdingCause> = {};
    for (const s of ['unknown', 'male']) for (const q of QUANTITIES) w[varId(key('sex', s), q)] = s === 'unknown' ? 'primary' : 'complementary';
    const { published, truth } = release(cells, w);
    const report = auditRelease(solver, published, truth);
    const small = report.intervals.get(varId(key('sex', 'unknown'), 'members'))!;
    expect(small.high).toBeGreaterThanOrEqual(11);
    expect(small.low).toBeLessThanOrEqual(1);
  });

  it('sees continuous enrollment: a measure denominator needs 11 months a person (the red team\u2019s break)', () => {
    // Two women of sex "other" in the screening measure, twenty "unknown" members of one month each;
    // the women's, men's and total member-months are published, so "other" and "unknown" share
    // 44 months among 22 members: room for at most 2 people of 11 months, which pins the
    // denominator's upper side at 2 (without the fact, the members alone allow 22).
    const cells = tabulate(
      [
        ...many(40, 'f', { bcs: 'den' }),
        ...many(30, 'm', { sex: 'male' }),
        ...many(2, 'o', { sex: 'other', bcs: 'den' }),
        ...many(20, 'u', { sex: 'unknown', months: 1 }),
      ],
      YEAR,
      zip3,
    );
    const w: Record<string, WithholdingCause> = {};
    for (const s of ['other', 'unknown']) for (const q of QUANTITIES) w[varId(key('sex', s), q)] = 'primary';
    // The women's denominator withheld too, so the margin alone does not pin the others'.
    w[varId(key('sex', 'female'), 'breast-cancer-screening.denominator')] = 'complementary';
    w[varId(key('sex', 'female'), 'breast-cancer-screening.numerator')] = 'complementary';
    const { published, truth } = release(cells, w);
    const den = varId(key('sex', 'other'), 'breast-cancer-screening.denominator');
    const report = auditRelease(solver, published, truth, { integer: false, exact: true });
    expect(report.intervals.get(den)!.high).toBeLessThanOrEqual(2);
    expect(report.findings.some((f) => f.id === den && f.side === 'high')).toBe(true);
  });

  it('sees whole numbers behind a precise rate: the only pair that fits', () => {
    // A plan's screening numerator and denominator withheld, its rate published to 4 decimals:
    // 7/13 = 0.5385: with 33 members, only 7/13 and 14/26 fit, so 6 or 8 screened is impossible.
    const cells = tabulate([...many(7, 'n', { bcs: 'num' }), ...many(6, 'd', { bcs: 'den' }), ...many(20, 'x')], YEAR, zip3);
    const total = key('total');
    const n = varId(total, 'breast-cancer-screening.numerator');
    const d = varId(total, 'breast-cancer-screening.denominator');
    const all = release(cells, { [n]: 'payer-confidential', [d]: 'payer-confidential' });
    // The total alone, so that no one-way table gives the pair away by a margin.
    const published = all.published.filter((c) => c.key === total);
    const truth = all.truth;
    const cell = published[0]!;
    cell.rates['breast-cancer-screening.rate'] = { value: 0.5385, status: 'published' };
    // The linear attack alone leaves an interval; the integer attack does not.
    const linear = auditRelease(solver, published, truth, { integer: false });
    const whole = auditRelease(solver, published, truth, { integer: true });
    expect(linear.ok).toBe(true);
    expect(whole.ok).toBe(false);
    expect(new Set(whole.findings.map((f) => `${f.id} ${f.by}`))).toEqual(new Set([`${n} integer`, `${d} integer`]));
  });

  it('builds its facts from the published cells alone: a withheld value is free, a published one is fixed to its rounding', () => {
    const cells = tabulate(many(30, 'a'), YEAR, zip3);
    const { published } = release(cells, { [varId(key('total'), 'paid')]: 'complementary' });
    const system = attackSystem(published);
    const paid = system.index.get(varId(key('total'), 'paid'))!;
    const mm = system.index.get(varId(key('total'), 'member_months'))!;
    expect([system.lower[paid], system.upper[paid]]).toEqual([0, Infinity]);
    expect([system.lower[mm], system.upper[mm]]).toEqual([360, 360]);
    expect(system.withheld).toEqual([varId(key('total'), 'paid')]);
  });
});
