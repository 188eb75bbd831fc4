import type { MetricRow } from '../../src/release/files/rows.js';

/**
 * An attacker who holds a published release and nothing else, written apart from the
 * publishing code on purpose: it rebuilds the identities between tables from the table design
 * and solves for every withheld value, exactly, over a prime field (a value determined over the
 * rationals is determined over GF(p) for all but finitely many p, and the converse holds for a
 * random large p with overwhelming probability).
 */
/** A published row, as metrics.json has it: the attacker reads only the published file. */
export type Row = MetricRow;

const P = 67_108_859; // 2^26 - 5, prime: products of two residues stay below 2^53.
const mul = (a: number, b: number) => (a * b) % P;
const add = (a: number, b: number) => (a + b) % P;
function inv(a: number): number {
  let [r0, r1, s0, s1] = [P, ((a % P) + P) % P, 0, 1];
  while (r1 !== 0) {
    const q = Math.floor(r0 / r1);
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return ((s0 % P) + P) % P;
}
/** A decimal string as a residue: 0.5742 = 5742 / 10^4. */
function residue(x: number): number {
  const [int, frac = ''] = String(x).split('.');
  const num = Number(int + frac);
  return mul(((num % P) + P) % P, inv(10 ** frac.length % P));
}

const MONTH_LEVEL = [
  'member_months',
  'paid',
  'allowed',
  'paid.inpatient',
  'paid.outpatient',
  'paid.professional',
  'paid.ed',
  'paid.pharmacy',
  'admissions',
  'ed_visits',
  'index_admissions',
  'readmissions',
];
const CATEGORIES = ['inpatient', 'outpatient', 'professional', 'ed', 'pharmacy'];
const RATE_PARTS: Record<string, [string, string, number]> = {
  paid_pmpm: ['paid', 'member_months', 1],
  allowed_pmpm: ['allowed', 'member_months', 1],
  ...Object.fromEntries(CATEGORIES.map((c) => [`paid_pmpm.${c}`, [`paid.${c}`, 'member_months', 1]])),
  admissions_per_1000: ['admissions', 'member_months', 12_000],
  ed_visits_per_1000: ['ed_visits', 'member_months', 12_000],
  readmission_rate: ['readmissions', 'index_admissions', 1],
};
const rateParts = (measure: string): [string, string, number] | undefined =>
  RATE_PARTS[measure] ?? (measure.endsWith('.rate') ? [measure.replace(/\.rate$/, '.numerator'), measure.replace(/\.rate$/, '.denominator'), 1] : undefined);

const strata = (r: Row) => [r.segment, r.organization, r.geography, r.age_band, r.sex].join('|');

/** Every withheld count or sum the attacker can pin down exactly. Empty means the attack failed. */
export function deriveSuppressed(rows: readonly Row[]): string[] {
  const id = (period: string, table: string, s: string, measure: string) => `${period}|${table}|${s}|${measure}`;
  const known = new Map<string, boolean>();
  for (const r of rows) if (r.kind !== 'rate') known.set(id(r.period, r.table, strata(r), r.measure), r.status === 'published');
  const equations: Map<string, number>[] = [];
  const identity = (parts: string[], whole: string | undefined) => {
    const e = new Map<string, number>();
    for (const p of parts) e.set(p, 1);
    if (whole) e.set(whole, P - 1);
    equations.push(e);
  };
  const measures = [...new Set(rows.filter((r) => r.kind !== 'rate').map((r) => r.measure))];
  const cells = new Map<string, Row>();
  for (const r of rows) cells.set(`${r.period}|${r.table}|${strata(r)}`, r);
  const byTable = (period: string, table: string) => [...cells.values()].filter((c) => c.period === period && c.table === table);
  for (const period of new Set(rows.map((r) => r.period))) {
    const total = byTable(period, 'total')[0];
    for (const m of measures) {
      if (period.includes('-Q') && !MONTH_LEVEL.includes(m)) continue;
      const has = (c: Row) => known.has(id(c.period, c.table, strata(c), m));
      for (const table of ['segment', 'organization', 'geography', 'age_band', 'sex']) {
        const parts = byTable(period, table).filter(has);
        if (parts.length)
          identity(
            parts.map((c) => id(period, table, strata(c), m)),
            total && has(total) ? id(period, 'total', strata(total), m) : undefined,
          );
      }
      const cross = byTable(period, 'segment_organization').filter(has);
      for (const [dim, table] of [
        ['segment', 'segment'],
        ['organization', 'organization'],
      ] as const) {
        for (const value of new Set(cross.map((c) => c[dim]))) {
          const margin = byTable(period, table).find((c) => c[dim] === value);
          identity(
            cross.filter((c) => c[dim] === value).map((c) => id(period, 'segment_organization', strata(c), m)),
            margin && has(margin) ? id(period, table, strata(margin), m) : undefined,
          );
        }
      }
    }
  }
  for (const c of cells.values()) {
    if (c.period.includes('-Q')) continue;
    const quarters = [1, 2, 3, 4].map((q) => cells.get(`${c.period}-Q${q}|${c.table}|${strata(c)}`)).filter((x): x is Row => x !== undefined);
    if (quarters.length)
      for (const m of MONTH_LEVEL)
        identity(
          quarters.map((q) => id(q.period, q.table, strata(q), m)).filter((k) => known.has(k)),
          known.has(id(c.period, c.table, strata(c), m)) ? id(c.period, c.table, strata(c), m) : undefined,
        );
  }
  for (const c of cells.values())
    identity(
      CATEGORIES.map((cat) => id(c.period, c.table, strata(c), `paid.${cat}`)).filter((k) => known.has(k)),
      id(c.period, c.table, strata(c), 'paid'),
    );
  // A published rate whose parts are withheld: numerator = rate / per × denominator.
  for (const r of rows) {
    if (r.kind !== 'rate' || r.status !== 'published' || r.value === null) continue;
    const parts = rateParts(r.measure);
    if (!parts) continue;
    const [n, d, per] = parts;
    const e = new Map<string, number>([
      [id(r.period, r.table, strata(r), n), 1],
      [id(r.period, r.table, strata(r), d), (P - mul(residue(r.value), inv(per))) % P],
    ]);
    equations.push(e);
  }
  // Move published values to the right-hand side: only the unknowns' coefficients matter.
  const unknownRows = equations.map((e) => new Map([...e].filter(([k, a]) => known.get(k) === false && a !== 0))).filter((e) => e.size > 0);
  return solveDetermined(unknownRows);
}

function solveDetermined(rows: Map<string, number>[]): string[] {
  const determined: string[] = [];
  const pivots: { col: string; row: Map<string, number> }[] = [];
  // Incremental elimination: reduce each new row by the pivots so far, then make it a pivot.
  for (const original of rows) {
    const row = new Map(original);
    for (const p of pivots) {
      const f = row.get(p.col);
      if (!f) continue;
      for (const [k, a] of p.row) {
        const v = add(row.get(k) ?? 0, P - mul(f, a));
        if (v === 0) row.delete(k);
        else row.set(k, v);
      }
    }
    const col = row.keys().next().value;
    if (col === undefined) continue;
    const scale = inv(row.get(col)!);
    for (const [k, a] of row) row.set(k, mul(a, scale));
    for (const p of pivots) {
      const f = p.row.get(col);
      if (!f) continue;
      for (const [k, a] of row) {
        const v = add(p.row.get(k) ?? 0, P - mul(f, a));
        if (v === 0) p.row.delete(k);
        else p.row.set(k, v);
      }
    }
    pivots.push({ col, row });
  }
  for (const p of pivots) if (p.row.size === 1) determined.push(p.col);
  return determined.sort();
}

/**
 * Of what the attacker solved for, the values that had something to protect: withheld zeros are
 * withheld as neighbours only (a zero is what a published rate of zero says anyway), so the
 * audit gives them no protection interval and the publisher's report names them without one.
 */
export function protectedAmong(
  derived: readonly string[],
  cells: readonly { period: string; table: string; key: string; stratum: Record<string, string | undefined>; quantities: Record<string, unknown> }[],
  intervals: ReadonlyMap<string, { required?: unknown }>,
): string[] {
  const ids = new Map(
    cells.flatMap((c) =>
      Object.keys(c.quantities).map((q) => [
        `${c.period}|${c.table}|${[c.stratum['segment'], c.stratum['organization'], c.stratum['geography'], c.stratum['age_band'], c.stratum['sex']].map((x) => x ?? '').join('|')}|${q}`,
        `${c.key}#${q}`,
      ]),
    ),
  );
  return derived.filter((d) => !ids.has(d) || intervals.get(ids.get(d)!)?.required !== undefined);
}
