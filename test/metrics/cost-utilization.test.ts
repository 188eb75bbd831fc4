import { describe, expect, it } from 'vitest';
import { costAndUtilization, memberMonths } from '../../src/metrics/cost-utilization.js';
import { claims, coverage, stays } from './hand-built-members.js';

describe('member-months', () => {
  it('count a person once a month, in the segment covering them on the 15th', () => {
    const months = memberMonths(coverage, 2025);
    expect(months.map((m) => m.size)).toEqual([2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3]);
    expect(months[5]!.get('bob')).toBe('medicaid');
    expect(months[6]!.get('bob')).toBe('commercial');
  });
});

describe('cost and utilization, 2025', () => {
  const rows = costAndUtilization(coverage, claims, stays, 2025);
  const by = (segment: string) => rows.find((r) => r.segment === segment)!;

  it('computes PMPM for paid and allowed, in total and by service category', () => {
    // Commercial: paid 90 + 9,000 + 30 = 9,120 over 18 member-months = 506.67.
    expect(by('commercial')).toMatchObject({ memberMonths: 18, paid: 9120, paidPmpm: 506.67, allowedPmpm: 564.44 });
    expect(by('commercial').paidPmpmByCategory).toEqual({ inpatient: 500, outpatient: 0, professional: 5, ed: 0, pharmacy: 1.67 });
    // Medicare: only the October claim (810) counts, over 9 member-months = 90.
    expect(by('medicare')).toMatchObject({ memberMonths: 9, paid: 810, paidPmpm: 90 });
    // All payers: 9,120 + 600 + 810 = 10,530 over 33 = 319.09.
    expect(by('all')).toMatchObject({ memberMonths: 33, paid: 10530, paidPmpm: 319.09 });
  });

  it('computes admissions and ED visits per 1,000 member-years, and the 30-day readmission rate', () => {
    // Commercial: 3 admissions over 18 member-months = 1.5 member-years: 2,000 per 1,000.
    expect(by('commercial')).toMatchObject({ admissions: 3, admissionsPer1000: 2000, indexAdmissions: 3, readmissions: 1, readmissionRate: 0.3333 });
    // Medicaid: 1 ED visit over 6 member-months = 0.5 member-years: 2,000 per 1,000.
    expect(by('medicaid')).toMatchObject({ edVisits: 1, edVisitsPer1000: 2000, admissions: 0, readmissionRate: null });
  });

  it('gives null rates, not zeros or errors, where there are no member-months', () => {
    const none = costAndUtilization([], claims, stays, 2025);
    expect(none).toEqual([expect.objectContaining({ segment: 'all', memberMonths: 0, paidPmpm: null, admissionsPer1000: null })]);
  });
});
