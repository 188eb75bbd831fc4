import { beforeAll, describe, expect, it } from 'vitest';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { auditRelease, loadSolver } from '../../src/deid/audit/index.js';
import { varId } from '../../src/deid/relations.js';
import { computeRelease, type ComputedRelease } from '../../src/release/compute.js';
import { rowsOf } from '../../src/release/files/rows.js';
import { generateRegion } from '../../src/synthetic/index.js';
import zip3 from '../../policies/census-zip3.json' with { type: 'json' };
import { deriveSuppressed, protectedAmong, type Row } from '../helpers/attacker.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { registerFixtureParticipants } from '../helpers/participants.js';

let release: ComputedRelease;
let rows: Row[];

beforeAll(async () => {
  const db = tempDb();
  await registerFixtureParticipants(db);
  const deps = testDeps(db);
  for (const source of generateRegion({ patients: 400, seed: 11 }).sources) {
    const b = readBundle(source.bundle);
    if (Array.isArray(b)) throw new Error('bad fixture');
    await ingest(deps, { source: b.source, channel: 'cli', mode: b.mode, entries: b.entries });
  }
  release = await computeRelease(db, { now: '2026-06-01T00:00:00Z', zip3, solver: await loadSolver() });
  rows = rowsOf(release.cells) as Row[];
}, 120_000);

describe('margin derivation', () => {
  it('the release withholds values, for every reason, so there is something to attack', () => {
    const reasons = new Set(rows.filter((r) => r.status === 'suppressed').map((r) => r.reason));
    expect(reasons).toEqual(new Set(['disclosure-control', 'payer-confidential']));
  });

  it('no withheld count or sum can be solved for from margins, totals, quarters, categories and rates', () => {
    // Rates are left out: this attacker takes a rate as exact, and rates of withheld parts are
    // published rounded (coarsely); the linear-programming attack below takes their rounding.
    // What it can solve for are withheld zeros only (withheld as neighbours, which nothing protects:
    // a zero is what a published rate of zero says anyway).
    const derived = deriveSuppressed(rows.filter((r) => r.kind !== 'rate'));
    expect(protectedAmong(derived, release.cells, release.audit!.intervals)).toEqual([]);
  });

  it('an attacker with a linear program over everything published recovers no withheld value exactly', async () => {
    // HiGHS as the attacker, given the published cells only (no truth): every withheld value's
    // least and greatest value consistent with the release and its methodology.
    // The people counts, where the review recovered values exactly (members, member-months).
    const withheld = release.cells.flatMap((c) =>
      Object.entries(c.quantities)
        .filter(([q, v]) => v.status === 'suppressed' && (q === 'members' || q === 'member_months'))
        .map(([q]) => varId(c.key, q)),
    );
    const attack = auditRelease(await loadSolver(), release.cells, new Map(), { exact: true, integer: false, only: new Set(withheld) });
    expect(attack.intervals.size).toBe(withheld.length);
    const pinned = [...attack.intervals].filter(([, iv]) => iv.high === iv.low && iv.low > 0);
    expect(pinned).toEqual([]);
  });

  it('the release passed its own audit before it was built into files', () => {
    expect(release.audit!.ok).toBe(true);
    expect(release.audit!.checked).toBeGreaterThan(0);
  });
});

describe('small cells', () => {
  it('every published count is 0 or at least 11, and every withheld value has a reason', () => {
    for (const r of rows) {
      if (r.kind === 'count' && r.status === 'published')
        expect(r.value === 0 || r.value! >= 11, `${r.period} ${r.table} ${r.measure} = ${r.value}`).toBe(true);
      if (r.status === 'suppressed') expect(r.reason).toMatch(/^(disclosure-control|payer-confidential)$/);
      if (r.status === 'published') expect(r.value).not.toBeNull();
    }
  });
  it('no published numerator leaves 1 to 10 people outside it', () => {
    const byCell = new Map<string, Row[]>();
    for (const r of rows)
      byCell.set(`${r.period}|${r.table}|${r.segment}|${r.organization}|${r.geography}|${r.age_band}|${r.sex}`, [
        ...(byCell.get(`${r.period}|${r.table}|${r.segment}|${r.organization}|${r.geography}|${r.age_band}|${r.sex}`) ?? []),
        r,
      ]);
    for (const cell of byCell.values()) {
      for (const n of cell.filter((r) => r.measure.endsWith('.numerator') && r.status === 'published')) {
        const d = cell.find((r) => r.measure === n.measure.replace('.numerator', '.denominator'))!;
        if (d.status === 'published') expect(d.value! - n.value! === 0 || d.value! - n.value! >= 11).toBe(true);
      }
    }
  });
});

describe('rare combinations', () => {
  it('no two published one-way cells of a year pin a combination down to 1–10 people (Fréchet bounds)', () => {
    for (const year of release.years.map(String)) {
      const members = rows.filter((r) => r.period === year && r.measure === 'members' && r.status === 'published');
      const total = members.find((r) => r.table === 'total')!.value!;
      const oneWay = members.filter((r) => ['segment', 'organization', 'geography', 'age_band', 'sex'].includes(r.table));
      for (const a of oneWay)
        for (const b of oneWay) {
          if (a.table >= b.table) continue;
          const lower = Math.max(0, a.value! + b.value! - total);
          const upper = Math.min(a.value!, b.value!);
          expect(upper >= 11 || lower === 0, `${a.table}=${a.value} × ${b.table}=${b.value}`).toBe(true);
          expect(!(lower >= 1 && upper <= 10)).toBe(true);
        }
    }
  });
  it('Safe Harbor strata: no ZIP3 of 20,000 people or fewer, no age above 89, years and quarters only', () => {
    const restricted = new Set(zip3.restricted);
    for (const r of rows) {
      if (r.geography) expect(restricted.has(r.geography.split('-')[1]!)).toBe(false);
      if (r.age_band) expect(r.age_band).toMatch(/^(0-17|18-34|35-49|50-64|65-74|75-89|90\+|unknown)$/);
      expect(r.period).toMatch(/^\d{4}(-Q[1-4])?$/);
    }
  });
});
