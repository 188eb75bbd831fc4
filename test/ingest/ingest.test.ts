import { count, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ingestions, resourceHistory, resources, resourceTokens } from '../../src/db/schema.js';
import { FhirError } from '../../src/fhir/errors.js';
import { ingest, readBundle, type BundleRead } from '../../src/ingest/index.js';
import { linkedRecords, readCurrent, resolvePerson } from '../../src/store/read.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { bundle, condition, observation, patient, putEntry, SOURCE_A, SOURCE_B } from '../helpers/fhir.js';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';

function read(body: unknown): BundleRead {
  const b = readBundle(body);
  if (Array.isArray(b)) throw new Error(JSON.stringify(b));
  return b;
}

async function run(deps: ReturnType<typeof testDeps>, body: unknown, source?: string) {
  const b = read(body);
  return ingest(deps, { source: source ?? b.source, channel: b.mode, mode: b.mode, entries: b.entries });
}

async function countOf(db: ReturnType<typeof tempDb>, table: typeof resources | typeof resourceTokens | typeof resourceHistory) {
  const [row] = await db.orm.select({ n: count() }).from(table);
  return row!.n;
}

describe('ingest', () => {
  it('stores resources with version, lastUpdated, source, labels and search columns', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(
      deps,
      bundle('transaction', [
        putEntry(patient('pa-1')),
        putEntry(condition('c-1', 'pa-1', { system: ICD, code: 'F11.20' })),
        putEntry(observation('o-1', 'pa-1')),
      ]),
    );

    const row = (await readCurrent(db, 'Condition', 'c-1'))!;
    const stored = JSON.parse(row.content);
    expect(stored.meta).toMatchObject({ versionId: '1', source: SOURCE_A, lastUpdated: row.lastUpdated });
    expect(stored.meta.security.map((c: { code: string }) => c.code)).toEqual(['ETH', '42CFRPart2', 'R']);
    expect(row).toMatchObject({ patientId: 'pa-1', versionId: 1, security: ' ETH 42CFRPart2 R ' });

    const obs = (await readCurrent(db, 'Observation', 'o-1'))!;
    expect(obs).toMatchObject({ dateStart: '2025-02-01T14:30:00.000Z', status: 'final', patientId: 'pa-1' });
    const tokens = await db.orm.select().from(resourceTokens).where(eq(resourceTokens.id, 'o-1'));
    expect(tokens).toEqual([{ type: 'Observation', id: 'o-1', param: 'code', system: 'http://loinc.org', code: '4548-4' }]);

    const [ingestion] = await db.orm.select().from(ingestions).where(eq(ingestions.id, row.ingestionId));
    expect(ingestion).toMatchObject({ source: SOURCE_A, status: 'complete', written: 3, unchanged: 0, rejected: 0 });
  });

  it('is idempotent: the same bundle twice writes nothing the second time', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    const body = bundle('transaction', [putEntry(patient('pa-1')), putEntry(observation('o-1', 'pa-1'))]);
    await run(deps, structuredClone(body));
    const again = await run(deps, structuredClone(body));
    expect(again.outcomes.map((o) => o.ok && o.changed)).toEqual([false, false]);
    expect((await readCurrent(db, 'Observation', 'o-1'))!.versionId).toBe(1);
    expect(await countOf(db, resourceHistory)).toBe(0);
    expect(await countOf(db, resourceTokens)).toBe(1);
  });

  it('keeps the previous version in history when a resource changes, and re-indexes it', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(patient('pa-1')), putEntry(observation('o-1', 'pa-1'))]));
    await run(
      deps,
      bundle('transaction', [putEntry(observation('o-1', 'pa-1', { status: 'amended', code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] } }))]),
    );
    const row = (await readCurrent(db, 'Observation', 'o-1'))!;
    expect(row).toMatchObject({ versionId: 2, status: 'amended' });
    const [old] = await db.orm.select().from(resourceHistory);
    expect(old).toMatchObject({ id: 'o-1', versionId: 1 });
    expect(JSON.parse(old!.content).status).toBe('final');
    expect((await db.orm.select().from(resourceTokens)).map((t) => t.code)).toEqual(['8480-6']);
  });

  it('refuses to let one source overwrite a resource another source created', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(patient('pa-1')), putEntry(observation('o-1', 'pa-1'))]));
    await run(deps, bundle('transaction', [putEntry(patient('pb-1', {}, SOURCE_B))]));
    // Source B files the id under its own patient: the id is source A's, so it conflicts.
    const attempt = run(deps, bundle('transaction', [putEntry(observation('o-1', 'pb-1', { status: 'cancelled' }, SOURCE_B))]));
    await expect(attempt).rejects.toMatchObject({ status: 409 });
    expect((await readCurrent(db, 'Observation', 'o-1'))!.status).toBe('final');
  });

  it("refuses a resource whose meta.source is not the sending system's", async () => {
    const db = tempDb();
    const attempt = run(testDeps(db), bundle('transaction', [putEntry(patient('pa-1', {}, SOURCE_B))], SOURCE_A), SOURCE_A);
    await expect(attempt).rejects.toMatchObject({ status: 400, issues: [{ code: 'forbidden' }] });
  });

  it('writes nothing when the 40th entry of a transaction is bad, and names that entry', async () => {
    const db = tempDb();
    const entries = [putEntry(patient('pa-1')), ...Array.from({ length: 44 }, (_, i) => putEntry(observation(`o-${i}`, 'pa-1')))];
    (entries[39]!.resource as Record<string, unknown>).effectiveDateTime = '2025-02-30';
    const error = await run(testDeps(db), bundle('transaction', entries)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FhirError);
    expect((error as FhirError).status).toBe(400);
    expect((error as FhirError).issues[0]!.expression).toBe('Bundle.entry[39].resource.effectiveDateTime');
    expect(await countOf(db, resources)).toBe(0);
    expect(await countOf(db, resourceTokens)).toBe(0);
    expect((await db.orm.select().from(ingestions)).length).toBe(0);
  });

  it('writes the good entries of a batch and reports the bad ones in place', async () => {
    const db = tempDb();
    const result = await run(
      testDeps(db),
      bundle('batch', [
        putEntry(patient('pa-1')),
        putEntry(observation('o-1', 'pa-1')),
        { request: { method: 'DELETE', url: 'Observation/o-1' } },
        putEntry({ ...observation('o-2', 'pa-1'), id: 'o-2' }),
      ]),
    );
    expect(result.outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect(await countOf(db, resources)).toBe(3);
  });

  it('gives POSTed resources server ids and rewrites urn:uuid references to them', async () => {
    const db = tempDb();
    const body = bundle('transaction', [
      { fullUrl: 'urn:uuid:11111111-1111-1111-1111-111111111111', resource: patient('ignored'), request: { method: 'POST', url: 'Patient' } },
      {
        fullUrl: 'urn:uuid:22222222-2222-2222-2222-222222222222',
        resource: observation('x', 'x', { subject: { reference: 'urn:uuid:11111111-1111-1111-1111-111111111111' } }),
        request: { method: 'POST', url: 'Observation' },
      },
    ]);
    const result = await run(testDeps(db), body);
    const [p, o] = result.outcomes;
    if (!p?.ok || !o?.ok) throw new Error('expected success');
    expect(p.id).toMatch(/^id-/);
    const obs = (await readCurrent(db, 'Observation', o.id))!;
    expect(JSON.parse(obs.content).subject.reference).toBe(`Patient/${p.id}`);
    expect(obs.patientId).toBe(p.id);
  });

  it('rejects the same resource twice in one bundle', async () => {
    const db = tempDb();
    const attempt = run(
      testDeps(db),
      bundle('transaction', [putEntry(patient('pa-1')), putEntry(observation('o-1', 'pa-1')), putEntry(observation('o-1', 'pa-1'))]),
    );
    await expect(attempt).rejects.toMatchObject({ status: 400 });
  });
});

describe('master patient index', () => {
  const ssn = (value: string) => ({ system: 'http://hl7.org/fhir/sid/us-ssn', value });

  it('links records from different sources on a shared identifier, whatever the demographics say', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(patient('a-1', { identifier: [ssn('900-00-0001')] }))]));
    await run(
      deps,
      bundle('transaction', [putEntry(patient('b-1', { identifier: [ssn('900-00-0001')], name: [{ family: 'Alvarez', given: ['Mari'] }] }, SOURCE_B))]),
    );
    expect(await resolvePerson(db, 'b-1')).toBe('a-1');
    const links = await linkedRecords(db, 'a-1');
    expect(links.map((l) => [l.patientId, l.rule])).toEqual([
      ['a-1', 'new'],
      ['b-1', 'identifier'],
    ]);
  });

  it('links on normalised demographics when no identifier is shared, within one bundle too', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(
      deps,
      bundle('batch', [
        putEntry(patient('a-1', { name: [{ family: 'Álvarez', given: ['María', 'Elena'] }] })),
        putEntry(patient('a-2', { name: [{ family: 'ALVAREZ', given: ['MARIA'] }], address: [{ postalCode: '48911-2204' }] })),
      ]),
    );
    expect(await resolvePerson(db, 'a-2')).toBe('a-1');
    expect((await linkedRecords(db, 'a-1'))[1]).toMatchObject({ rule: 'demographics', reason: expect.stringContaining('birth date') });
  });

  it('keeps people apart when birth dates differ', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('batch', [putEntry(patient('a-1')), putEntry(patient('a-2', { birthDate: '1970-01-01' }))]));
    expect(await resolvePerson(db, 'a-2')).toBe('a-2');
  });

  it('keeps a link when the record is updated, and its new identifiers lead to the same person', async () => {
    const db = tempDb();
    const deps = testDeps(db);
    await run(deps, bundle('transaction', [putEntry(patient('a-1'))]));
    await run(deps, bundle('transaction', [putEntry(patient('a-1', { identifier: [ssn('900-00-0009')] }))]));
    await run(deps, bundle('transaction', [putEntry(patient('b-7', { identifier: [ssn('900-00-0009')], birthDate: '1999-09-09' }, SOURCE_B))]));
    expect(await resolvePerson(db, 'a-1')).toBe('a-1');
    expect(await resolvePerson(db, 'b-7')).toBe('a-1');
  });
});
