import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dueRuns, gapsPeriod, quarterOf, runKey } from '../../src/reports/schedule.js';

describe('the report schedule', () => {
  it('on the 1st: the month’s final rosters, its gaps and the quarter just ended', () => {
    expect(dueRuns(new Date('2026-01-01T00:00:00Z'), new Set())).toEqual([
      { kind: 'roster-final', period: '2026-01' },
      { kind: 'care-gaps', period: '2026-01' },
      { kind: 'performance', period: '2025-Q4' },
    ]);
    expect(dueRuns(new Date('2026-07-01T00:00:00Z'), new Set()).find((r) => r.kind === 'performance')).toEqual({ kind: 'performance', period: '2026-Q2' });
  });

  it('from the 15th, the draft of next month’s rosters too, so disputes can be settled before the final', () => {
    expect(dueRuns(new Date('2026-12-15T08:00:00Z'), new Set())).toContainEqual({ kind: 'roster-draft', period: '2027-01' });
    expect(dueRuns(new Date('2026-12-14T23:59:59Z'), new Set()).some((r) => r.kind === 'roster-draft')).toBe(false);
  });

  it('what has been made is not due again', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2020-01-01'), max: new Date('2035-12-31'), noInvalidDate: true }), (now) => {
        const first = dueRuns(now, new Set());
        expect(dueRuns(now, new Set(first.map(runKey)))).toEqual([]);
        // Always exactly one performance quarter, and it has ended before now.
        const perf = first.filter((r) => r.kind === 'performance');
        expect(perf).toHaveLength(1);
        expect(quarterOf(perf[0]!.period).end < now.toISOString().slice(0, 10)).toBe(true);
      }),
    );
  });

  it('January’s gaps run closes out last year; later months measure the current year', () => {
    expect(gapsPeriod('2026-01')).toEqual({ start: '2025-01-01', end: '2025-12-31' });
    expect(gapsPeriod('2026-02')).toEqual({ start: '2026-01-01', end: '2026-12-31' });
  });

  it('quarters', () => {
    expect(quarterOf('2025-Q4')).toEqual({ start: '2025-10-01', end: '2025-12-31', months: ['2025-10', '2025-11', '2025-12'] });
    expect(quarterOf('2024-Q1').end).toBe('2024-03-31');
    expect(() => quarterOf('2025-Q5')).toThrow(RangeError);
  });
});
