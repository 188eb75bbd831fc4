import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextBoundary, nextDuaBoundary } from '../../src/consent/boundaries.js';
import { duaEnforcer, loadPolicies } from '../../src/consent/policies.js';
import { readPolicyFiles } from '../../src/entry/policy-files.js';

describe('where a remembered decision stops holding', () => {
  it('is the first boundary at or after the instant, for any sorted boundaries', () => {
    const instant = fc.integer({ min: 0, max: 10_000 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString());
    fc.assert(
      fc.property(fc.uniqueArray(instant, { maxLength: 30 }), instant, (list, when) => {
        const sorted = [...list].sort();
        expect(nextBoundary(sorted, when)).toBe(sorted.find((b) => b >= when));
      }),
    );
  });

  it("reads every agreement's start and end from the DUA enforcer", async () => {
    const texts = await readPolicyFiles();
    const base = await loadPolicies(texts);
    const rule = (start: string, end: string) => ['dua-x', 'Organization/x', 'TREAT', '*', '*', 'any', start, end, 'active'];
    const policies = {
      ...base,
      dua: await duaEnforcer(texts.duaModel, [rule('2026-03-02T10:00:00.000Z', '2026-03-02T10:00:30.000Z'), rule('', '2026-05-01')]),
    };
    expect(nextDuaBoundary(policies, '2026-03-02T10:00:10.000Z')).toBe('2026-03-02T10:00:30.000Z');
    expect(nextDuaBoundary(policies, '2026-03-02T10:00:31.000Z')).toBe('2026-05-01');
    expect(nextDuaBoundary(policies, '2026-06-01T00:00:00.000Z')).toBeUndefined();
  });
});
