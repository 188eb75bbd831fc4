import { describe, expect, it } from 'vitest';
import { contribution } from '../../src/metrics/contributions.js';
import { costAndUtilization } from '../../src/metrics/cost-utilization.js';
import { claims, coverage, stays } from './hand-built-members.js';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { tabulate } from '../../src/metrics/tabulate.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };

// The hand-built members of cost-utilization.test.ts: the published tables must agree with it.
const facts = (person: string): PersonFacts => ({
  ...emptyFacts(person),
  sex: 'unknown',
  coverage: coverage.filter((c) => c.person === person).map((c) => ({ ...c, payer: `Organization/${c.segment}-plan` })),
  claims: claims.filter((c) => c.person === person),
  stays: stays.filter((s) => s.person === person),
});

describe('per-person contributions', () => {
  const cells = tabulate(
    ['ann', 'bob', 'cy'].map((p) => contribution(facts(p), 2025, undefined)!),
    2025,
    zip3,
  );
  const cell = (key: string) => cells.find((c) => c.key === key)!.values;

  it('add up to the same figures as the whole-population calculation, per segment and in total', () => {
    for (const row of costAndUtilization(coverage, claims, stays, 2025)) {
      const v = cell(row.segment === 'all' ? '2025|total|' : `2025|segment|${row.segment}`);
      expect(v['member_months']).toBe(row.memberMonths);
      expect(Math.round((v['paid'] ?? 0) * 100) / 100).toBe(row.paid);
      expect(v['admissions'] ?? 0).toBe(row.admissions);
      expect(v['ed_visits'] ?? 0).toBe(row.edVisits);
      expect(v['index_admissions'] ?? 0).toBe(row.indexAdmissions);
      expect(v['readmissions'] ?? 0).toBe(row.readmissions);
    }
  });

  it('count each person once a year in their primary segment: Bob, 6 months Medicaid then 6 commercial, is commercial (the later)', () => {
    expect(cell('2025|segment|commercial')['members']).toBe(2);
    expect(cell('2025|segment|medicare')['members']).toBe(1);
    expect(cells.find((c) => c.key === '2025|segment|medicaid')!.values['members']).toBeUndefined();
  });

  it('split the year into quarters that add up to it', () => {
    const quarters = [1, 2, 3, 4].map((q) => cell(`2025-Q${q}|total|`));
    expect(quarters.reduce((n, q) => n + (q['member_months'] ?? 0), 0)).toBe(33);
    expect(quarters.map((q) => q['member_months'])).toEqual([6, 9, 9, 9]);
  });

  it('clip a person-year at the dollar cap, scaling categories with it, when noise will be added', () => {
    const clipped = contribution(facts('ann'), 2025, undefined, { dollars: 1_000, admissions: 1, edVisits: 1 })!;
    const sum = (q: string) => [...clipped.months.values()].reduce((n, m) => n + (m.q[q] ?? 0), 0);
    expect(sum('paid')).toBeCloseTo(1_000, 6);
    expect(sum('paid.inpatient') + sum('paid.professional')).toBeCloseTo(1_000, 6);
    expect(sum('admissions')).toBe(1);
  });
});
