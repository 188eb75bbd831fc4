import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConsentEngine } from '../../src/consent/engine.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { realPolicies } from '../consent/helpers.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { bundle, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { registerFixtureParticipants } from '../helpers/participants.js';
import { testIssuer, type TestIssuer } from '../helpers/tokens.js';
import { join } from 'node:path';

/*
 * Random small records and random queries, through the write path and the HTTP search of a real
 * SQLite store, against an evaluator written here from search.html's rules. Nothing of the
 * production date, token or text logic is imported: the evaluator parses dates and compares
 * ranges itself. Conventions it shares with the store, because the store documents them: a
 * dateTime without a zone is UTC, a Period without an end runs to 9999-12-31T23:59:59.999Z, a
 * Period without a start starts where its end does, and `ap` widens the value by 10% of its
 * distance from now.
 */

const NOW = new Date('2026-01-15T12:00:00.000Z');
const END_OF_TIME = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// ---- The evaluator ------------------------------------------------------------------------

type Range = [number, number];

/** The instants a FHIR date, dateTime or instant covers, from its precision (search.html §3.1.1.4.x). */
function coverage(value: string): Range {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(value);
  if (!m) throw new Error(`evaluator cannot read ${value}`);
  const [y, mo, d, h, mi, s, ms, zone] = [m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]];
  const Y = Number(y);
  if (mo === undefined) return [Date.UTC(Y, 0, 1), Date.UTC(Y + 1, 0, 1) - 1];
  if (d === undefined) return [Date.UTC(Y, Number(mo) - 1, 1), Date.UTC(Y, Number(mo), 1) - 1];
  if (h === undefined) return [Date.UTC(Y, Number(mo) - 1, Number(d)), Date.UTC(Y, Number(mo) - 1, Number(d) + 1) - 1];
  let offset = 0;
  if (zone && zone !== 'Z') offset = (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
  const lo = Date.UTC(Y, Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number(ms ?? 0)) - offset * 60_000;
  const width = s === undefined ? 60_000 : ms === undefined ? 1000 : 1;
  return [lo, lo + width - 1];
}

type Coding = { system?: string; code?: string; display?: string };
type Concept = { text?: string; coding?: Coding[] };
type Period = { start?: string; end?: string };
type Obs = {
  resourceType: 'Observation' | 'Encounter';
  id: string;
  status?: string;
  code?: Concept;
  category?: Concept[];
  effectiveDateTime?: string;
  effectivePeriod?: Period;
};

function rangeOfResource(r: Obs): Range | undefined {
  if (r.effectiveDateTime) return coverage(r.effectiveDateTime);
  const p = r.effectivePeriod;
  if (!p || (!p.start && !p.end)) return undefined;
  const start = p.start ? coverage(p.start) : undefined;
  const end = p.end ? coverage(p.end) : undefined;
  return [start ? start[0] : end![0], end ? end[1] : END_OF_TIME];
}

/** R4's prefix table, read literally: the search value's range against the resource's. */
function dateMatches(prefix: string, [lo, hi]: Range, target: Range | undefined): boolean {
  if (!target) return false;
  const [s, e] = target;
  const contains = lo <= s && e <= hi;
  switch (prefix) {
    case 'eq':
      return contains;
    case 'ne':
      return !contains;
    case 'gt':
      return e > hi;
    case 'lt':
      return s < lo;
    case 'ge':
      return e > hi || contains;
    case 'le':
      return s < lo || contains;
    case 'sa':
      return s > hi;
    case 'eb':
      return e < lo;
    case 'ap': {
      const widen = Math.round(Math.abs(NOW.getTime() - (lo + hi) / 2) * 0.1);
      return s <= hi + widen && e >= lo - widen;
    }
  }
  throw new Error(prefix);
}

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();

const conceptsOf = (r: Obs, param: 'code' | 'category'): Concept[] => (param === 'code' ? (r.code ? [r.code] : []) : (r.category ?? []));
const codingsOf = (r: Obs, param: 'code' | 'category') => conceptsOf(r, param).flatMap((c) => c.coding ?? []);
const textsOf = (r: Obs, param: 'code' | 'category') =>
  conceptsOf(r, param).flatMap((c) => [c.text, ...(c.coding ?? []).map((x) => x.display)].filter((t): t is string => t !== undefined).map(fold));

function tokenMatches(form: TokenForm, coding: Coding): boolean {
  if (coding.code === undefined) return false;
  switch (form.kind) {
    case 'code':
      return coding.code === form.code;
    case 'system|code':
      return coding.system === form.system && coding.code === form.code;
    case '|code':
      return coding.system === undefined && coding.code === form.code;
    case 'system|':
      return coding.system === form.system;
  }
}

function clauseMatches(c: Clause, r: Obs): boolean {
  switch (c.kind) {
    case 'date':
      return c.values.some((v) => dateMatches(v.prefix || 'eq', coverage(v.value), rangeOfResource(r)));
    case 'date:missing':
      return (rangeOfResource(r) === undefined) === c.missing;
    case 'token':
      return c.forms.some((f) => codingsOf(r, c.param).some((coding) => tokenMatches(f, coding)));
    case 'token:not':
      return !c.forms.some((f) => codingsOf(r, c.param).some((coding) => tokenMatches(f, coding)));
    case 'token:text':
      return c.values.some((v) => textsOf(r, c.param).some((t) => t.startsWith(fold(v))));
    case 'token:missing': {
      const present = codingsOf(r, c.param).some((x) => x.code !== undefined) || textsOf(r, c.param).some((t) => t !== '');
      return present !== c.missing;
    }
    case 'status':
      return r.status !== undefined && c.values.includes(r.status);
    case 'status:not':
      return r.status === undefined || !c.values.includes(r.status);
    case 'status:missing':
      return (r.status === undefined) === c.missing;
    case '_id':
      return c.values.includes(r.id);
  }
}

// ---- Generators ---------------------------------------------------------------------------

const SYSTEMS = ['http://loinc.org', 'http://example.org/local'];
const CODES = ['4548-4', '1558-6', 'A', 'b'];
const DISPLAYS = ['Hémoglobine A1c', 'Glucose fasting', 'glucose TOLERANCE', 'Blood  pressure'];
// Codes of both Observation's and Encounter's required status value sets (ingestion refuses others).
const STATUSES = ['cancelled', 'entered-in-error', 'unknown'];

const instant = fc.integer({ min: Date.UTC(2023, 6, 1), max: Date.UTC(2026, 6, 1) });
const zone = fc.constantFrom<number | null>(null, 0, 60, -300, 330, 840, -720);
type Precision = 'y' | 'ym' | 'ymd' | 'min' | 's' | 'ms';

function format(t: number, precision: Precision, zoneMinutes: number | null): string {
  if (precision === 'y' || precision === 'ym' || precision === 'ymd') return new Date(t).toISOString().slice(0, { y: 4, ym: 7, ymd: 10 }[precision]);
  const local = new Date(t + (zoneMinutes ?? 0) * 60_000).toISOString();
  const stem = local.slice(0, precision === 'min' ? 16 : precision === 's' ? 19 : 23);
  if (zoneMinutes === null) return stem;
  if (zoneMinutes === 0) return `${stem}Z`;
  const a = Math.abs(zoneMinutes);
  return `${stem}${zoneMinutes < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

const resourceDate = (p: fc.Arbitrary<Precision>, z: fc.Arbitrary<number | null> = zone) => fc.tuple(instant, p, z).map(([t, pr, zo]) => format(t, pr, zo));
// R4 requires a zone on a stored dateTime with a time; a search value may leave it out.
const storedZone = fc.constantFrom<number | null>(0, 60, -300, 330, 840, -720);
const storedPrecision = fc.constantFrom<Precision>('y', 'ym', 'ymd', 's', 'ms');
// No empty objects nor empty lists: ingestion refuses them (R4).
const coding: fc.Arbitrary<Coding> = fc
  .record({ system: fc.constantFrom(...SYSTEMS), code: fc.constantFrom(...CODES), display: fc.constantFrom(...DISPLAYS) }, { requiredKeys: [] })
  .filter((c) => Object.keys(c).length > 0);
const concept: fc.Arbitrary<Concept> = fc
  .record({ text: fc.constantFrom(...DISPLAYS), coding: fc.array(coding, { minLength: 1, maxLength: 2 }) }, { requiredKeys: [] })
  .filter((c) => Object.keys(c).length > 0);
const period: fc.Arbitrary<Period> = fc
  .tuple(instant, instant, storedPrecision, storedPrecision, storedZone, fc.constantFrom('both', 'start', 'end'))
  .map(([a, b, pa, pb, z, open]) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    // The end's precision is never coarser than needed to keep end >= start: both round to what they cover.
    return { ...(open !== 'end' ? { start: format(lo, pa, z) } : {}), ...(open !== 'start' ? { end: format(hi, pb, z) } : {}) };
  });

const observation = (id: string, type: Obs['resourceType']) =>
  fc
    .record(
      {
        status: fc.constantFrom(...STATUSES),
        code: concept,
        category: fc.array(concept, { maxLength: 2 }),
        when: fc.oneof(
          resourceDate(storedPrecision, storedZone).map((d) => ({ effectiveDateTime: d })),
          period.map((p) => ({ effectivePeriod: p })),
        ),
      },
      // status and code are required in R4 (Encounter's code is stored as its type).
      { requiredKeys: ['status', 'code'] },
    )
    .map(({ when, category, ...rest }): Obs => ({ resourceType: type, id, ...rest, ...(category?.length ? { category } : {}), ...(when ?? {}) }));

type TokenForm =
  | { kind: 'code'; code: string }
  | { kind: 'system|code'; system: string; code: string }
  | { kind: '|code'; code: string }
  | { kind: 'system|'; system: string };
type Clause =
  | { kind: 'date'; values: { prefix: string; value: string }[] }
  | { kind: 'date:missing'; missing: boolean }
  | { kind: 'token' | 'token:not'; param: 'code' | 'category'; forms: TokenForm[] }
  | { kind: 'token:text'; param: 'code' | 'category'; values: string[] }
  | { kind: 'token:missing'; param: 'code' | 'category'; missing: boolean }
  | { kind: 'status' | 'status:not'; values: string[] }
  | { kind: 'status:missing'; missing: boolean }
  | { kind: '_id'; values: string[] };

const tokenForm: fc.Arbitrary<TokenForm> = fc.oneof(
  fc.constantFrom(...CODES).map((code) => ({ kind: 'code' as const, code })),
  fc.tuple(fc.constantFrom(...SYSTEMS), fc.constantFrom(...CODES)).map(([system, code]) => ({ kind: 'system|code' as const, system, code })),
  fc.constantFrom(...CODES).map((code) => ({ kind: '|code' as const, code })),
  fc.constantFrom(...SYSTEMS).map((system) => ({ kind: 'system|' as const, system })),
);
const param = fc.constantFrom<'code' | 'category'>('code', 'category');
const queryPrecision = fc.constantFrom<Precision>('y', 'ym', 'ymd', 'min', 's', 'ms');
const clause = (ids: string[]): fc.Arbitrary<Clause> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(fc.tuple(fc.constantFrom('', 'eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'), resourceDate(queryPrecision)), {
          minLength: 1,
          maxLength: 2,
        })
        .map((vs) => ({ kind: 'date' as const, values: vs.map(([prefix, value]) => ({ prefix, value })) })),
    },
    fc.boolean().map((missing) => ({ kind: 'date:missing' as const, missing })),
    {
      weight: 2,
      arbitrary: fc.tuple(param, fc.array(tokenForm, { minLength: 1, maxLength: 2 })).map(([p, forms]) => ({ kind: 'token' as const, param: p, forms })),
    },
    fc.tuple(param, fc.array(tokenForm, { minLength: 1, maxLength: 2 })).map(([p, forms]) => ({ kind: 'token:not' as const, param: p, forms })),
    fc
      .tuple(param, fc.array(fc.tuple(fc.constantFrom(...DISPLAYS, 'GLUCOSE', 'hemoglobine', 'blood pr', 'zzz'), fc.nat(8)), { minLength: 1, maxLength: 2 }))
      .map(([p, vs]) => ({ kind: 'token:text' as const, param: p, values: vs.map(([v, n]) => v.slice(0, Math.max(1, v.length - n))) })),
    fc.tuple(param, fc.boolean()).map(([p, missing]) => ({ kind: 'token:missing' as const, param: p, missing })),
    fc.tuple(fc.constantFrom('status' as const, 'status:not' as const), fc.subarray(STATUSES, { minLength: 1 })).map(([kind, values]) => ({ kind, values })),
    fc.boolean().map((missing) => ({ kind: 'status:missing' as const, missing })),
    fc.subarray(ids, { minLength: 1 }).map((values) => ({ kind: '_id' as const, values })),
  );

/** The query string of a clause, with the type's parameter names (Encounter's code is `type`, its category `class`). */
function encode(c: Clause, type: Obs['resourceType']): string {
  const name = (p: 'code' | 'category') => (type === 'Encounter' ? (p === 'code' ? 'type' : 'class') : p);
  const form = (f: TokenForm) =>
    f.kind === 'code' ? f.code : f.kind === 'system|code' ? `${f.system}|${f.code}` : f.kind === '|code' ? `|${f.code}` : `${f.system}|`;
  const q = (k: string, v: string) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
  switch (c.kind) {
    case 'date':
      return q('date', c.values.map((v) => `${v.prefix}${v.value}`).join(','));
    case 'date:missing':
      return q('date:missing', String(c.missing));
    case 'token':
      return q(name(c.param), c.forms.map(form).join(','));
    case 'token:not':
      return q(`${name(c.param)}:not`, c.forms.map(form).join(','));
    case 'token:text':
      return q(`${name(c.param)}:text`, c.values.join(','));
    case 'token:missing':
      return q(`${name(c.param)}:missing`, String(c.missing));
    case 'status':
    case 'status:not':
      return q(c.kind, c.values.join(','));
    case 'status:missing':
      return q('status:missing', String(c.missing));
    case '_id':
      return q('_id', c.values.join(','));
  }
}

/** Encounter.class (required) when the generated category has no coding to become it. */
const AMBULATORY = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' };

/** Encounter.class is one Coding, not a list of concepts: the generated category becomes it. */
function asStored(r: Obs): Record<string, unknown> {
  const { effectiveDateTime, effectivePeriod, category, code, ...rest } = r;
  if (r.resourceType === 'Observation') return { ...r };
  return {
    ...rest,
    ...(code ? { type: [code] } : {}),
    class: category?.[0]?.coding?.[0] ?? AMBULATORY,
    ...(effectivePeriod ? { period: effectivePeriod } : effectiveDateTime ? { period: { start: effectiveDateTime, end: effectiveDateTime } } : {}),
  };
}

/** What the evaluator should see of an Encounter: what asStored kept. */
function asEvaluated(r: Obs): Obs {
  if (r.resourceType === 'Observation') return r;
  const cls = r.category?.[0]?.coding?.[0] ?? AMBULATORY;
  const out: Obs = { resourceType: r.resourceType, id: r.id };
  if (r.status) out.status = r.status;
  if (r.code) out.code = r.code;
  if (cls) out.category = [{ coding: [cls] }];
  if (r.effectivePeriod) out.effectivePeriod = r.effectivePeriod;
  else if (r.effectiveDateTime) out.effectivePeriod = { start: r.effectiveDateTime, end: r.effectiveDateTime };
  return out;
}

// ---- The real store and search --------------------------------------------------------------

let db: SqliteDatabase;
let dir: { path: string; remove: () => void };
let app: ReturnType<typeof createApp>;
let issuer: TestIssuer;
let deps: ReturnType<typeof testDeps>;
let run = 0;

beforeAll(async () => {
  dir = suiteDir('cg-search-prop-');
  db = openSqlite(join(dir.path, 'search.db'));
  await registerFixtureParticipants(db);
  const base = testDeps(db, { clock: () => NOW });
  issuer = await testIssuer();
  deps = { ...base, auth: { verifier: issuer.verifier }, consent: new ConsentEngine(db, await realPolicies(), base.clock) };
  app = createApp(deps);
});
afterAll(() => {
  db.close();
  dir.remove();
});

/** A new patient per run, so each run's records are its own compartment in the one database. */
async function load(records: Obs[]): Promise<{ patient: string; token: string }> {
  const patient = `pp-${++run}`;
  const entries = [
    putEntry({
      resourceType: 'Patient',
      id: patient,
      meta: { source: SOURCE_A },
      name: [{ family: `Prop${run}`, given: [`Run${run}`] }],
      birthDate: '1970-01-01',
    }),
    ...records.map((r) =>
      putEntry({ ...asStored(r), id: `${patient}-${r.id}`, meta: { source: SOURCE_A }, subject: { reference: `Patient/${patient}` } } as never),
    ),
  ];
  const b = readBundle(bundle('batch', entries, SOURCE_A));
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  const result = await ingest(deps, { source: SOURCE_A, channel: 'cli', mode: 'batch', entries: b.entries });
  const failed = result.outcomes.filter((o) => !o.ok);
  expect(failed, JSON.stringify(failed)).toEqual([]);
  const token = await issuer.mint({
    sub: patient,
    client_id: 'portal',
    role: 'patient',
    fhirUser: `Patient/${patient}`,
    patient,
    scope: 'patient/*.rs',
    purpose_of_use: ['PATRQT'],
  });
  return { patient, token };
}

const dataset = (type: Obs['resourceType']) =>
  fc.integer({ min: 1, max: 8 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => observation(`r${i}`, type))));

describe('search semantics against an evaluator from the spec (property)', () => {
  for (const type of ['Observation', 'Encounter'] as const) {
    it(`${type}: every prefix, modifier, token form, repeated and comma-separated parameter`, async () => {
      await fc.assert(
        fc.asyncProperty(
          dataset(type).chain((records) =>
            fc.tuple(
              fc.constant(records),
              fc.array(fc.array(clause(records.map((r) => r.id)), { minLength: 1, maxLength: 3 }), { minLength: 4, maxLength: 8 }),
            ),
          ),
          async ([records, queries]) => {
            const { patient, token } = await load(records);
            for (const clauses of queries) {
              const qs = clauses.map((c) =>
                encode(c, type).replace(
                  /^_id=([^&]*)/,
                  (_, v: string) =>
                    `_id=${decodeURIComponent(v)
                      .split(',')
                      .map((i) => `${patient}-${i}`)
                      .join(',')}`,
                ),
              );
              const path = `/fhir/${type}?patient=${patient}&${qs.join('&')}&_count=1000`;
              const res = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
              const body = (await res.json()) as { total: number; entry?: { resource: { id: string } }[] };
              expect(res.status, `${path} ${JSON.stringify(body).slice(0, 400)}`).toBe(200);
              const got = (body.entry ?? []).map((e) => e.resource.id.slice(patient.length + 1)).sort();
              const expected = records
                .map(asEvaluated)
                .filter((r) => clauses.every((c) => clauseMatches(c, r)))
                .map((r) => r.id)
                .sort();
              expect({ path, got }).toEqual({ path, got: expected });
              expect(body.total).toBe(expected.length);
            }
          },
        ),
        { numRuns: 40 },
      );
    }, 120_000);
  }
});
