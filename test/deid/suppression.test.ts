import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { cryptoWords, deidentify, loadSolver, type Solver } from '../../src/deid/index.js';
import { auditRelease } from '../../src/deid/audit/index.js';
import { varId } from '../../src/deid/relations.js';
import { addNoise } from '../../src/deid/dp/release.js';
import { declareUniverse } from '../../src/deid/universe.js';
import { DP_WORKLOAD, UNIVERSE_POLICY } from '../../src/release/dp-policy.js';
import { checkDifferencing } from '../../src/release/guard.js';
import type { Contribution } from '../../src/metrics/contributions.js';
import type { Segment } from '../../src/metrics/cost-utilization.js';
import { tabulate } from '../../src/metrics/tabulate.js';
import { rowsOf } from '../../src/release/files/rows.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };
import { deriveSuppressed, protectedAmong, type Row } from '../helpers/attacker.js';

const YEAR = 2025;

let solver: Solver;
beforeAll(async () => {
  solver = await loadSolver();
});

/** A hand-made person: covered every month in one plan, with the given figures. */
function person(p: {
  id: string;
  segment: Segment;
  payer: string;
  org: string;
  zip: string;
  age: number;
  sex: string;
  paid: number;
  bcs?: 'num' | 'den';
  admissions?: number;
}): Contribution {
  const months = new Map<number, { segment: Segment; payer: string; q: Record<string, number> }>();
  for (let m = 1; m <= 12; m++)
    months.set(m, {
      segment: p.segment,
      payer: p.payer,
      q: {
        member_months: 1,
        paid: p.paid / 12,
        allowed: p.paid / 10,
        'paid.professional': p.paid / 12,
        ...(m === 3 && p.admissions ? { admissions: p.admissions, index_admissions: p.admissions } : {}),
      },
    });
  const once: Record<string, number> = { members: 1 };
  if (p.bcs) once['breast-cancer-screening.denominator'] = 1;
  if (p.bcs === 'num') once['breast-cancer-screening.numerator'] = 1;
  return { person: p.id, segment: p.segment, payer: p.payer, age: p.age, sex: p.sex, state: 'MI', zip: p.zip, organization: p.org, once, months };
}

const arbitraryPerson = fc.record({
  segment: fc.constantFrom<Segment>('commercial', 'medicare', 'medicaid'),
  plan: fc.integer({ min: 0, max: 3 }),
  org: fc.constantFrom('Organization/a', 'Organization/b', 'Organization/c', 'unattributed'),
  zip: fc.constantFrom('48911', '49503', '48104', '03601'),
  age: fc.integer({ min: 0, max: 104 }),
  sex: fc.constantFrom('female', 'male', 'other'),
  paid: fc.integer({ min: 0, max: 20_000 }),
  bcs: fc.constantFrom(undefined, 'num' as const, 'den' as const),
  admissions: fc.constantFrom(0, 0, 0, 1, 2),
});

const population = (list: readonly (typeof arbitraryPerson extends fc.Arbitrary<infer T> ? T : never)[]) =>
  list.map((p, i) => person({ ...p, id: `p${i}`, payer: `Organization/plan-${p.segment}-${p.plan}` }));

describe('suppression, over random populations (property)', () => {
  it('publishes no count of 1–10, gives every withheld value a reason, and leaves nothing derivable', () => {
    fc.assert(
      fc.property(fc.array(arbitraryPerson, { minLength: 1, maxLength: 160 }), (list) => {
        const out = deidentify(tabulate(population(list), YEAR, zip3), { solver });
        const rows = rowsOf(out.cells) as Row[];
        for (const r of rows) {
          if (r.kind === 'count' && r.status === 'published') expect(r.value === 0 || r.value! >= 11).toBe(true);
          if (r.status === 'suppressed') expect(['disclosure-control', 'payer-confidential']).toContain(r.reason);
        }
        // Nothing with something to protect can be solved for (withheld zeros can: see protectedAmong).
        expect(protectedAmong(deriveSuppressed(rows.filter((r) => r.kind !== 'rate')), out.cells, out.audit!.intervals)).toEqual([]);
        // The audit that gated them, over linear and whole-number attacks, passed.
        expect(out.audit!.ok).toBe(true);
      }),
      { numRuns: 15 },
    );
  });
});

describe('suppression, worked examples', () => {
  // Three plans pooled in every cell, so payer confidentiality stays out of the way unless asked for.
  const many = (n: number, over: Partial<Parameters<typeof person>[0]>, from = 0) =>
    Array.from({ length: n }, (_, i) =>
      person({
        id: `${over.org ?? 'x'}-${from + i}`,
        segment: 'commercial',
        payer: `Organization/plan-${i % 3}`,
        org: 'Organization/a',
        zip: '48911',
        age: 40,
        sex: 'female',
        paid: 1200,
        ...over,
      }),
    );

  it("protects an organization of 7 members: the attacker's interval for it reaches 11 and 6, with the total still published", () => {
    const cells = tabulate([...many(30, { org: 'Organization/a' }), ...many(25, { org: 'Organization/b' }), ...many(7, { org: 'Organization/c' })], YEAR, zip3);
    const out = deidentify(cells, { solver });
    const org = (o: string) => out.cells.find((c) => c.period === '2025' && c.table === 'organization' && c.stratum.organization === o)!;
    expect(org('Organization/c').quantities.members).toEqual({ value: null, status: 'suppressed', reason: 'disclosure-control' });
    // The member-months behind it would pin it from below (a member has at most 12), so they go too.
    expect(org('Organization/c').quantities.member_months).toMatchObject({ status: 'suppressed' });
    expect(out.cells.find((c) => c.key === '2025|total|')!.quantities.members).toEqual({ value: 62, status: 'published' });
    const attack = auditRelease(solver, out.cells, new Map(), { exact: true, integer: false });
    const small = attack.intervals.get(varId(org('Organization/c').key, 'members'))!;
    expect(small.high).toBeGreaterThanOrEqual(11);
    expect(small.low).toBeLessThanOrEqual(6);
  });

  it('suppresses a numerator whose complement is small: 20 screened of 25 leaves 5 unscreened', () => {
    const cells = tabulate([...many(20, { bcs: 'num' }), ...many(5, { bcs: 'den' }, 20)], YEAR, zip3);
    const total = deidentify(cells, { solver }).cells.find((c) => c.key === '2025|total|')!;
    expect(total.quantities['breast-cancer-screening.denominator']).toEqual({ value: 25, status: 'published' });
    expect(total.quantities['breast-cancer-screening.numerator']).toMatchObject({ status: 'suppressed', reason: 'disclosure-control' });
    expect(total.rates['breast-cancer-screening.rate']).toMatchObject({ status: 'suppressed', reason: 'disclosure-control' });
  });

  it('shows rates only where one plan is a whole segment, and never a count that would give its share away', () => {
    // Three segments, one plan each, in three organizations: every cross cell is one plan's panel.
    const list = (['commercial', 'medicare', 'medicaid'] as const).flatMap((segment, s) =>
      ['Organization/a', 'Organization/b', 'Organization/c'].flatMap((org, o) =>
        many(30 + 7 * s + 5 * o, { segment, org, payer: `Organization/plan-${segment}`, bcs: 'num' }, 1000 * s + 100 * o).map((p, i) =>
          i % 3
            ? p
            : person({ id: `${p.person}-d`, segment, payer: `Organization/plan-${segment}`, org, zip: '48911', age: 60, sex: 'female', paid: 800, bcs: 'den' }),
        ),
      ),
    );
    const rows = rowsOf(deidentify(tabulate(list, YEAR, zip3), { solver }).cells) as Row[];
    const cross = rows.filter((r) => r.table === 'segment_organization' && r.period === '2025');
    for (const r of cross.filter((r) => r.kind !== 'rate')) expect(r).toMatchObject({ status: 'suppressed', value: null });
    expect(cross.filter((r) => r.kind !== 'rate' && r.reason === 'payer-confidential').length).toBeGreaterThan(0);
    expect(cross.filter((r) => r.kind === 'rate' && r.status === 'published').length).toBeGreaterThan(0);
    expect(deriveSuppressed(rows.filter((r) => r.kind !== 'rate'))).toEqual([]);
  });
});

describe('differencing across consecutive releases', () => {
  it('a second noise-free release of the same year is refused; a noisy one or another year is not', () => {
    const previous = [{ id: 'v1', mode: 'suppression', years: [2024, 2025] }];
    expect(checkDifferencing(previous, 'suppression', [2025])).toMatchObject({ ok: false });
    expect(checkDifferencing(previous, 'differential-privacy', [2025])).toEqual({ ok: true });
    expect(checkDifferencing(previous, 'suppression', [2026])).toEqual({ ok: true });
  });

  it('with noise, subtracting two releases (one patient added) tells the attacker no more than epsilon allows', () => {
    // 200 people in two organizations; the added patient is in a or b with equal odds. Without
    // noise the difference of the organization table names the organization every time.
    const base = Array.from({ length: 200 }, (_, i) =>
      person({
        id: `p${i}`,
        segment: 'commercial',
        payer: 'x',
        org: i % 2 ? 'Organization/a' : 'Organization/b',
        zip: '48911',
        age: 50,
        sex: 'female',
        paid: 900,
      }),
    );
    const tables = [{ id: 'organization', dims: ['organization'] as const, quarterly: false }];
    const words = cryptoWords();
    const epsilon = 1;
    const trials = 300;
    let exactHits = 0;
    let noisyHits = 0;
    for (let t = 0; t < trials; t++) {
      const org = t % 2 ? 'Organization/a' : 'Organization/b';
      const added = person({ id: 'target', segment: 'commercial', payer: 'x', org, zip: '48911', age: 50, sex: 'female', paid: 900 });
      const before = tabulate(base, YEAR, zip3, tables);
      const after = tabulate([...base, added], YEAR, zip3, tables);
      const guess = (b: typeof before, a: typeof after) => {
        const diff = (o: string) =>
          (a.find((c) => c.stratum.organization === o)?.values.members ?? 0) - (b.find((c) => c.stratum.organization === o)?.values.members ?? 0);
        return diff('Organization/a') > diff('Organization/b')
          ? 'Organization/a'
          : diff('Organization/a') < diff('Organization/b')
            ? 'Organization/b'
            : words() % 2
              ? 'Organization/a'
              : 'Organization/b';
      };
      if (guess(before, after) === org) exactHits++;
      const universe = declareUniverse({ policy: UNIVERSE_POLICY, providers: ['Organization/a', 'Organization/b'], payers: [], years: [YEAR] });
      const settings = { epsilon, clipping: { dollars: 10_000, admissions: 2, edVisits: 2 }, workload: DP_WORKLOAD, universe, tables };
      if (guess(addNoise(before, settings, words).cells, addNoise(after, settings, words).cells) === org) noisyHits++;
    }
    expect(exactHits).toBe(trials);
    // epsilon-DP bounds any test's success at e^ε / (1 + e^ε) = 0.731 for ε = 1; allow sampling error.
    expect(noisyHits / trials).toBeLessThan(Math.exp(epsilon) / (1 + Math.exp(epsilon)) + 0.08);
  });
});
