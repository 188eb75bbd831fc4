import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute, attributeOver } from '../../src/metrics/attribution.js';
import { attributionWindow, computeRosters, rosterKey, type RosterPerson } from '../../src/rosters/compute.js';
import type { RosterMember } from '../../src/rosters/types.js';

const A = 'Organization/a';
const B = 'Organization/b';
const P = 'Organization/payer-p';
const Q = 'Organization/payer-q';
const coverage = (payer: string, writer: string | null = payer, period: object = { start: '2020-01-01' }) => ({
  content: JSON.stringify({ resourceType: 'Coverage', status: 'active', payor: [{ reference: payer }], period }),
  writerOrganization: writer,
});
const person = (id: string, over: Partial<RosterPerson> = {}): RosterPerson => ({
  person: id,
  designations: [],
  visits: [],
  coverages: [coverage(P)],
  ...over,
});
const run = (
  people: RosterPerson[],
  over: { previous?: Map<string, RosterMember[]>; disputes?: Parameters<typeof computeRosters>[0]['disputes']; madeAt?: string } = {},
) =>
  computeRosters({
    period: '2026-03',
    madeAt: over.madeAt ?? '2026-03-01T00:00:00Z',
    people,
    disputes: over.disputes ?? [],
    previous: over.previous ?? new Map(),
  });

describe('monthly attribution window', () => {
  it('is the 12 months ending the last day of the month before', () => {
    expect(attributionWindow('2026-03')).toMatchObject({ start: '2025-03-01', end: '2026-02-28' });
    expect(attributionWindow('2026-01')).toMatchObject({ start: '2025-01-01', end: '2025-12-31' });
  });

  it('counts no visit in the roster month itself nor before the window', () => {
    const r = run([
      person('p', {
        visits: [
          { organization: A, date: '2025-02-28' },
          { organization: A, date: '2026-03-02' },
          { organization: B, date: '2025-03-01' },
        ],
      }),
    ]);
    expect(r.map((x) => x.organization)).toEqual([B]);
  });

  it('keeps the yearly attribute() as it was', () => {
    expect(attribute('p', 2025, [], [{ organization: A, date: '2025-05-01' }])).toMatchObject({
      person: 'p',
      year: 2025,
      organization: A,
      method: 'plurality',
    });
  });
});

describe('self-designation outranks visit plurality', () => {
  it('for any visits, a designation recorded before the roster is made wins (property)', () => {
    const org = fc.constantFrom(A, B, 'Organization/c');
    const date = fc.integer({ min: 0, max: 700 }).map((d) => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(fc.array(fc.record({ organization: org, date }), { maxLength: 40 }), org, date, (visits, designated, recordedAt) => {
        const [r] = run([
          person('p', {
            visits,
            designations: [{ organization: designated, recordedAt: `${recordedAt < '2026-03-01' ? recordedAt : '2026-02-27'}T00:00:00Z` }],
          }),
        ]);
        expect(r).toMatchObject({ organization: designated, members: [{ method: 'designation' }] });
      }),
    );
  });

  it('a designation recorded after the window but before the roster is made still counts; one after, not yet', () => {
    const p = person('p', { visits: [{ organization: A, date: '2025-06-01' }], designations: [{ organization: B, recordedAt: '2026-03-05T10:00:00Z' }] });
    expect(run([p], { madeAt: '2026-03-06T00:00:00Z' }).map((r) => r.organization)).toEqual([B]);
    expect(run([p], { madeAt: '2026-03-01T00:00:00Z' }).map((r) => r.organization)).toEqual([A]);
  });
});

describe('tie-breaks are recorded', () => {
  it('equal visits: the most recent visit decides, and the reason says so', () => {
    const [r] = run([
      person('p', {
        visits: [
          { organization: A, date: '2025-05-01' },
          { organization: B, date: '2025-09-01' },
        ],
      }),
    ]);
    expect(r!.organization).toBe(B);
    expect(r!.members[0]!.reason).toMatch(/tie broken by the most recent visit \(2025-09-01\)/);
  });

  it('equal visits on the same last day: the lower id decides, and the reason says so', () => {
    const w = attributionWindow('2026-03');
    const r = attributeOver(
      w,
      [],
      [
        { organization: B, date: '2025-05-01' },
        { organization: A, date: '2025-05-01' },
      ],
    );
    expect(r).toMatchObject({ organization: A, reason: expect.stringMatching(/tie broken by the lower organization id/) });
  });
});

describe('payer membership', () => {
  it('is coverage on the 15th, written by the payer itself', () => {
    const visits = [{ organization: A, date: '2025-06-01' }];
    const r = run([
      person('covered', { visits }),
      person('forged', { visits, coverages: [coverage(Q, P)] }),
      person('ended', { visits, coverages: [coverage(P, P, { start: '2020-01-01', end: '2026-03-14' })] }),
      person('starts-late', { visits, coverages: [coverage(P, P, { start: '2026-03-16' })] }),
      person('two', { visits, coverages: [coverage(P), coverage(Q)] }),
    ]);
    expect(r.map((x) => [x.payer, x.members.map((m) => m.person)])).toEqual([
      [P, ['covered', 'two']],
      [Q, ['two']],
    ]);
  });
});

describe('change types against the previous version', () => {
  const prev = (members: Partial<RosterMember>[]) =>
    new Map([
      [
        rosterKey(A, P),
        members.map((m) => ({ changeType: 'new', method: 'plurality', reason: '', periodStart: '2026-02-01', periodEnd: '2026-02-28', ...m }) as RosterMember),
      ],
    ]);
  it('new, nochange, changed and dropped (once), with the month as period', () => {
    const visits = [{ organization: A, date: '2025-06-01' }];
    const [first] = run([person('same', { visits }), person('moved-method', { visits })]);
    const same = first!.members.find((m) => m.person === 'same')!;
    const [r] = run(
      [person('same', { visits }), person('moved-method', { designations: [{ organization: A, recordedAt: '2026-01-01' }] }), person('fresh', { visits })],
      {
        previous: prev([
          same,
          { person: 'moved-method', reason: same.reason },
          { person: 'gone', reason: 'x' },
          { person: 'gone-before', changeType: 'dropped' },
        ]),
      },
    );
    expect(Object.fromEntries(r!.members.map((m) => [m.person, m.changeType]))).toEqual({
      same: 'nochange',
      'moved-method': 'changed',
      fresh: 'new',
      gone: 'dropped',
    });
    expect(r!.members.every((m) => m.periodStart === '2026-03-01' && m.periodEnd === '2026-03-31')).toBe(true);
  });

  it('a roster everyone left still gets a version listing them as dropped; then none', () => {
    const r = run([], { previous: prev([{ person: 'gone' }]) });
    expect(r).toEqual([{ organization: A, payer: P, members: [expect.objectContaining({ person: 'gone', changeType: 'dropped' })] }]);
    expect(run([], { previous: new Map([[rosterKey(A, P), r[0]!.members]]) })).toEqual([]);
  });

  it('one who comes back after being dropped is new again', () => {
    const [r] = run([person('back', { visits: [{ organization: A, date: '2025-06-01' }] })], { previous: prev([{ person: 'back', changeType: 'dropped' }]) });
    expect(r!.members[0]!.changeType).toBe('new');
  });
});

describe('accepted disputes', () => {
  const visits = [{ organization: A, date: '2025-06-01' }];
  const disputes = [{ organization: A, payer: P, person: 'p', decidedAt: '2026-02-10T00:00:00Z' }];
  it('remove her from that organization × payer roster only', () => {
    const r = run([person('p', { visits, coverages: [coverage(P), coverage(Q)] })], { disputes });
    expect(r.map((x) => x.payer)).toEqual([Q]);
  });

  it('hold against a designation made before the decision, not one made after', () => {
    const before = run([person('p', { visits, designations: [{ organization: A, recordedAt: '2026-02-01T00:00:00Z' }] })], { disputes });
    expect(before).toEqual([]);
    const after = run([person('p', { visits, designations: [{ organization: A, recordedAt: '2026-02-11T00:00:00Z' }] })], { disputes });
    expect(after[0]!.members[0]).toMatchObject({ person: 'p', method: 'designation' });
  });
});
