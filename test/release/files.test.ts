import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import type { PublishedCell } from '../../src/deid/index.js';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import { MONTH_QUANTITIES, PERSON_QUANTITIES, RATES, TABLES } from '../../src/metrics/tables.js';
import { cellId } from '../../src/release/files/cell-id.js';
import { MEASURES } from '../../src/release/files/measures.js';
import { REASONS } from '../../src/release/files/reasons.js';
import { COLUMNS, rowsOf } from '../../src/release/files/rows.js';
import { publishRelease } from '../../src/release/publish.js';
import { suiteDir, testDeps } from '../helpers/db.js';
import { publisherDeps } from '../helpers/publisher.js';
import { loadRegion } from '../helpers/region.js';

/** What a researcher gets: a Table Schema to validate against, stable ids, a dictionary, honest quarters, intervals. */
let dir: ReturnType<typeof suiteDir>;
let db: SqliteDatabase;
let app: ReturnType<typeof createApp>;
const text = async (path: string) => (await app.request(`http://gateway.test${path}`)).text();

interface Field {
  name: string;
  type: string;
  constraints?: { required?: boolean; unique?: boolean; enum?: string[]; pattern?: string };
}
interface Resource {
  path: string;
  hash: string;
  schema?: { fields: Field[]; primaryKey: string[]; missingValues: string[] };
}

/** RFC 4180, as the release writes it. */
function parseCsv(csv: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const ch = csv[i]!;
    if (quoted) {
      if (ch === '"' && csv[i + 1] === '"') ((field += '"'), i++);
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (record.push(field), (field = ''));
    else if (ch === '\r' && csv[i + 1] === '\n') (record.push(field), records.push(record), (record = []), (field = ''), i++);
    else field += ch;
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** Checks rows against a Frictionless Table Schema: types, required, enum, pattern, unique and the primary key. */
function validate(rows: Record<string, string>[], schema: NonNullable<Resource['schema']>): string[] {
  const problems: string[] = [];
  for (const f of schema.fields) {
    const seen = new Set<string>();
    for (const [i, row] of rows.entries()) {
      const v = row[f.name];
      if (v === undefined) {
        problems.push(`row ${i}: no column ${f.name}`);
        continue;
      }
      const missing = schema.missingValues.includes(v);
      if (missing) {
        if (f.constraints?.required || schema.primaryKey.includes(f.name)) problems.push(`row ${i}: ${f.name} is required`);
        continue;
      }
      if (f.type === 'number' && !Number.isFinite(Number(v))) problems.push(`row ${i}: ${f.name}=${v} is not a number`);
      if (f.constraints?.enum && !f.constraints.enum.includes(v)) problems.push(`row ${i}: ${f.name}=${v} is not in its enum`);
      if (f.constraints?.pattern && !new RegExp(`^(?:${f.constraints.pattern})$`).test(v)) problems.push(`row ${i}: ${f.name}=${v} breaks its pattern`);
      if (f.constraints?.unique || (schema.primaryKey.length === 1 && schema.primaryKey[0] === f.name)) {
        if (seen.has(v)) problems.push(`row ${i}: ${f.name}=${v} repeats`);
        seen.add(v);
      }
    }
  }
  return problems.slice(0, 10);
}

beforeAll(async () => {
  dir = suiteDir('cg-files-');
  db = openSqlite(join(dir.path, 'gateway.db'));
  await loadRegion(db, 150, 5);
  await publishRelease(publisherDeps(db), { years: [2024] });
  await publishRelease(publisherDeps(db), { epsilon: 1, years: [2024, 2025] });
  app = createApp(testDeps(db));
}, 120_000);

afterAll(() => {
  db?.close();
  dir?.remove();
});

const pkgOf = async (release: string) => JSON.parse(await text(`/public/datasets/${release}/datapackage.json`)) as { resources: Resource[] };

describe('the Table Schema of metrics.csv', () => {
  it('has the stable cell id as primary key, and enumerates measure, kind, table, status and reason from their definitions', async () => {
    const schema = (await pkgOf('v1')).resources.find((r) => r.path === 'metrics.csv')!.schema!;
    expect(schema.primaryKey).toEqual(['cell_id']);
    expect(schema.fields.map((f) => f.name)).toEqual(COLUMNS);
    const enumOf = (name: string) => schema.fields.find((f) => f.name === name)!.constraints!.enum;
    expect(enumOf('measure')).toEqual([...PERSON_QUANTITIES, ...MONTH_QUANTITIES, ...RATES.map((r) => r.id)]);
    expect(enumOf('kind')).toEqual(['count', 'sum', 'rate']);
    expect(enumOf('table')).toEqual(TABLES.map((t) => t.id));
    // The reason codes are the SuppressionReason type's, through its one described record.
    expect(enumOf('reason')).toEqual(Object.keys(REASONS));
  });

  it('every release validates against its own schema: types, enums, required fields, a unique primary key', async () => {
    for (const release of ['v1', 'v2']) {
      const schema = (await pkgOf(release)).resources.find((r) => r.path === 'metrics.csv')!.schema!;
      const rows = parseCsv(await text(`/public/datasets/${release}/metrics.csv`));
      expect(rows.length).toBeGreaterThan(1000);
      expect(validate(rows, schema), release).toEqual([]);
    }
  });
});

describe('cell ids', () => {
  it('name what the number is, so the same stratum and measure carry the same id in every release', async () => {
    const v1 = parseCsv(await text('/public/datasets/v1/metrics.csv'));
    const v2 = parseCsv(await text('/public/datasets/v2/metrics.csv'));
    const what = (r: Record<string, string>) =>
      [r['period'], r['table'], r['segment'], r['organization'], r['geography'], r['age_band'], r['sex'], r['measure']].join('|');
    const ids = new Map(v1.map((r) => [what(r), r['cell_id']]));
    const shared = v2.filter((r) => ids.has(what(r)));
    // v1 is 2024 only; v2 republishes 2024 with noise, and adds 2025.
    expect(shared.length).toBe(v1.length);
    for (const r of shared) expect(r['cell_id']).toBe(ids.get(what(r)));
    expect(v2.find((r) => r['table'] === 'total' && r['period'] === '2024' && r['measure'] === 'paid_pmpm')!['cell_id']).toBe('2024:total::paid_pmpm');
  });

  it('are readable and split back unambiguously', () => {
    expect(cellId('2025', 'segment_organization', { segment: 'commercial', organization: 'Organization/oak' }, 'paid_pmpm')).toBe(
      '2025:segment_organization:segment=commercial;organization=Organization/oak:paid_pmpm',
    );
    expect(cellId('2025-Q3', 'total', {}, 'admissions')).toBe('2025-Q3:total::admissions');
    // Dimensions in the table's declared order, whatever the object's; separators inside values are encoded.
    expect(cellId('2025', 'segment_organization', { organization: 'a:b;c=d,e f', segment: 'medicare' }, 'members')).toBe(
      '2025:segment_organization:segment=medicare;organization=a%3Ab%3Bc%3Dd%2Ce%20f:members',
    );
  });
});

describe('quarter rows', () => {
  it('publish only what is computed per month, never members or quality counts (as 0)', async () => {
    const rows = parseCsv(await text('/public/datasets/v2/metrics.csv'));
    const quarters = rows.filter((r) => r['period']!.includes('-Q'));
    expect(quarters.length).toBeGreaterThan(0);
    const measures = new Set(quarters.map((r) => r['measure']));
    const monthly = new Set([
      ...MONTH_QUANTITIES,
      ...RATES.filter((r) => MONTH_QUANTITIES.includes(r.numerator) && MONTH_QUANTITIES.includes(r.denominator)).map((r) => r.id),
    ]);
    expect([...measures].filter((m) => !monthly.has(m!))).toEqual([]);
    expect(measures).toEqual(monthly);
    // The year rows still carry them.
    expect(rows.some((r) => r['period'] === '2025' && r['measure'] === 'members')).toBe(true);
  });
});

describe('the data dictionary', () => {
  it('is in the release, listed in the data package and the manifest, and defines every column and every measure, with the parts of each rate', async () => {
    const pkg = await pkgOf('v2');
    const dictionary = pkg.resources.find((r) => r.path === 'dictionary.csv')!;
    expect(dictionary.schema!.primaryKey).toEqual(['element', 'name']);
    const manifest = JSON.parse(await text('/public/datasets/v2/manifest.json')) as { files: { name: string }[] };
    expect(manifest.files.map((f) => f.name)).toContain('dictionary.csv');
    const rows = parseCsv(await text('/public/datasets/v2/dictionary.csv'));
    expect(validate(rows, dictionary.schema!)).toEqual([]);
    const entry = (element: string, name: string) => rows.find((r) => r['element'] === element && r['name'] === name);
    for (const c of COLUMNS) expect(entry('column', c)?.['definition'], c).toBeTruthy();
    const metrics = parseCsv(await text('/public/datasets/v2/metrics.csv'));
    for (const m of new Set(metrics.map((r) => r['measure']!))) {
      const d = entry('measure', m);
      expect(d, m).toBeDefined();
      expect(d!['kind']).toBe(metrics.find((r) => r['measure'] === m)!['kind']);
      expect(d!['unit'], m).not.toBe('');
      expect(d!['definition'], m).not.toBe('');
      if (d!['kind'] === 'rate') {
        expect(entry('measure', d!['numerator']!), `${m} numerator`).toBeDefined();
        expect(entry('measure', d!['denominator']!), `${m} denominator`).toBeDefined();
      }
    }
    expect(entry('measure', 'paid_pmpm')).toMatchObject({
      unit: 'USD per member-month',
      numerator: 'paid',
      denominator: 'member_months',
      periods: 'year; also quarter in total',
    });
    expect(entry('measure', 'members')).toMatchObject({ kind: 'count', unit: 'people', periods: 'year' });
    for (const reason of Object.keys(REASONS)) expect(entry('reason', reason)?.['definition']).toBe(REASONS[reason as keyof typeof REASONS]);
    expect(MEASURES.length).toBe(rows.filter((r) => r['element'] === 'measure').length);
  });
});

describe('intervals', () => {
  const cell = (quantities: PublishedCell['quantities']): PublishedCell => ({
    period: '2025',
    table: 'total',
    stratum: {},
    key: '2025|total|',
    quantities,
    rates: {},
  });

  it('a noised value carries its 95% interval, an exact one none, and a withheld one only its reason', () => {
    const rows = rowsOf([
      cell({
        members: { value: 120, status: 'published', noiseSd: 4, interval: { low: 108, high: 132 } },
        member_months: { value: 1400, status: 'published' },
        paid: { value: null, status: 'suppressed', reason: 'disclosure-control', noiseSd: 9, interval: { low: 1, high: 10 } },
      }),
    ]);
    const by = (m: string) => rows.find((r) => r.measure === m)!;
    expect(by('members')).toMatchObject({ value: 120, interval_low: 108, interval_high: 132, noise_sd: 4, status: 'published', reason: '' });
    expect(by('member_months')).toMatchObject({ value: 1400, interval_low: null, interval_high: null, noise_sd: null });
    expect(by('paid')).toMatchObject({
      value: null,
      interval_low: null,
      interval_high: null,
      noise_sd: null,
      status: 'suppressed',
      reason: 'disclosure-control',
    });
  });
});
