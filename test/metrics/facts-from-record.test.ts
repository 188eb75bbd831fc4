import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import type { Resource } from '../../src/fhir/types.js';
import { factsFromRecord } from '../../src/metrics/facts-from-record.js';
import { emptyFacts, type PersonFacts } from '../../src/metrics/person.js';
import { readFacts } from '../../src/metrics/read-facts.js';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { suiteDir, tempDb, testDeps } from '../helpers/db.js';
import { bundle, patient, putEntry, SOURCE_A } from '../helpers/fhir.js';
import { registerFixtureParticipants } from '../helpers/participants.js';
import { loadRegion } from '../helpers/region.js';

/**
 * The two readers of a person's metric inputs, the bulk SQL one (population tables) and the pure
 * one over her FHIR records (gaps-in-care and performance reports), must give one answer: else a
 * report and the published rates would disagree about the same woman.
 */
const dir = suiteDir();
let db: SqliteDatabase;
beforeAll(async () => {
  db = openSqlite(join(dir.path, 'region.db'));
  await loadRegion(db, 200, 16);
}, 120_000);
afterAll(() => {
  db.close();
  dir.remove();
});

/** Claims summed per month and category, to the cent, as readFacts returns them (summed in SQL). */
function summed(claims: PersonFacts['claims']): PersonFacts['claims'] {
  const by = new Map<string, PersonFacts['claims'][number]>();
  for (const c of claims) {
    const key = `${c.date}|${c.category}`;
    const s = by.get(key) ?? { ...c, paid: 0, allowed: 0 };
    s.paid += c.paid;
    s.allowed += c.allowed;
    by.set(key, s);
  }
  return [...by.values()].map((c) => ({ ...c, paid: Math.round(c.paid * 100), allowed: Math.round(c.allowed * 100) }));
}

/** A person's facts without the record refs (readFacts does not keep them), every list in one order. */
function normal(f: PersonFacts): unknown {
  const strip = (items: readonly object[]) =>
    items
      .map((i) => {
        const { ref: _ref, ...rest } = i as { ref?: string };
        return JSON.stringify(rest, Object.keys(rest).sort());
      })
      .sort();
  const { person, birthDate, sex, state, zip, claims, ...lists } = f;
  return {
    person,
    birthDate,
    sex,
    state,
    zip,
    claims: strip(summed(claims)),
    ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, strip(v as object[])])),
  };
}

const empty = (person: string): PersonFacts => ({
  ...emptyFacts(person),
  sex: 'unknown',
});

describe('factsFromRecord and readFacts', () => {
  it('agree on every person of a synthetic region (refs and order aside)', async () => {
    const bulk = await readFacts(db, { from: '', to: '\uffff' });
    const persons = db.sqlite.prepare('SELECT DISTINCT person_id FROM patient_links ORDER BY person_id').pluck().all() as string[];
    const recordsOf = db.sqlite.prepare(`
      SELECT r.content FROM patient_links l JOIN resources r ON r.patient_id = l.patient_id WHERE l.person_id = ?
      UNION SELECT r.content FROM patient_links l JOIN resources r ON r.type = 'Patient' AND r.id = l.patient_id WHERE l.person_id = ?`);
    expect(persons.length).toBeGreaterThan(150);
    let compared = 0;
    for (const person of persons) {
      const records = (recordsOf.pluck().all(person, person) as string[]).map((c) => JSON.parse(c) as Resource);
      expect(normal(factsFromRecord(person, records)), person).toEqual(normal(bulk.get(person) ?? empty(person)));
      compared++;
    }
    expect(compared).toBe(persons.length);
    // The region exercises the new facts, so the comparison is not of empty lists.
    const all = [...bulk.values()];
    expect(all.some((f) => f.visitDiagnoses.length > 0)).toBe(true);
    expect(all.some((f) => f.diagnoses.length > 0 && f.claims.length > 0 && f.bloodPressure.length > 0)).toBe(true);
  }, 120_000);
});

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const at = (resource: Record<string, unknown> & { resourceType: string; id: string }) =>
  putEntry({ meta: { source: SOURCE_A }, subject: { reference: 'Patient/px-1' }, ...resource });
const eob = (id: string, status: string, code: string, modifier: string | undefined, dx: string, start: string) =>
  at({
    resourceType: 'ExplanationOfBenefit',
    id,
    status,
    subject: undefined,
    patient: { reference: 'Patient/px-1' },
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    created: start,
    insurer: { reference: 'Organization/payer' },
    provider: { reference: 'Organization/clinic' },
    outcome: 'complete',
    insurance: [{ focal: true, coverage: { reference: 'Coverage/c' } }],
    billablePeriod: { start, end: start },
    diagnosis: [{ sequence: 1, diagnosisCodeableConcept: { coding: [{ system: ICD, code: dx }] } }],
    item: [
      {
        sequence: 1,
        productOrService: { coding: [{ system: 'https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code }] },
        ...(modifier ? { modifier: [{ coding: [{ code: modifier }] }] } : {}),
      },
    ],
  });

describe('factsFromRecord and readFacts on the exclusion facts the region does not carry', () => {
  it('agree on hospice, mastectomy and visit facts from procedures, encounters and claims, void records left out by both', async () => {
    const db = tempDb();
    await registerFixtureParticipants(db);
    const entries = [
      putEntry(patient('px-1')),
      at({
        resourceType: 'Procedure',
        id: 'mx-l',
        status: 'completed',
        performedDateTime: '2019-03-01',
        code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '19303' }] },
        bodySite: [{ coding: [{ system: 'http://snomed.info/sct', code: '80248007' }] }],
      }),
      at({
        resourceType: 'Procedure',
        id: 'mx-b',
        status: 'completed',
        performedDateTime: '2020-03-01',
        code: { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/ICD10', code: '0HTV0ZZ' }] },
      }),
      at({
        resourceType: 'Procedure',
        id: 'mx-x',
        status: 'in-progress',
        performedDateTime: '2021-03-01',
        code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '19303' }] },
      }),
      at({
        resourceType: 'Encounter',
        id: 'stay',
        status: 'finished',
        class: { code: 'IMP' },
        period: { start: '2025-03-01', end: '2025-03-10' },
        hospitalization: { dischargeDisposition: { coding: [{ code: 'hosp' }] } },
      }),
      at({
        resourceType: 'Encounter',
        id: 'visit-1',
        status: 'finished',
        class: { code: 'AMB' },
        type: [{ coding: [{ system: 'http://snomed.info/sct', code: '385763009' }] }],
        period: { start: '2025-02-01' },
        reasonCode: [{ coding: [{ system: ICD, code: 'I10' }] }],
      }),
      at({
        resourceType: 'Encounter',
        id: 'visit-2',
        status: 'finished',
        class: { code: 'AMB' },
        period: { start: '2024-05-01' },
        reasonCode: [{ coding: [{ system: ICD, code: 'I10' }] }],
      }),
      at({
        resourceType: 'Encounter',
        id: 'visit-x',
        status: 'entered-in-error',
        class: { code: 'AMB' },
        period: { start: '2024-06-01' },
        reasonCode: [{ coding: [{ system: ICD, code: 'I10' }] }],
      }),
      eob('claim-1', 'active', 'Q5001', 'RT', 'I10', '2025-04-01'),
      eob('claim-x', 'entered-in-error', 'Q5002', undefined, 'I10', '2025-05-01'),
    ];
    const b = readBundle(bundle('transaction', entries, SOURCE_A));
    if (Array.isArray(b)) throw new Error('bad bundle');
    await ingest(testDeps(db), { source: SOURCE_A, channel: 'cli', mode: 'transaction', entries: b.entries });
    const person = db.sqlite.prepare("SELECT person_id FROM patient_links WHERE patient_id = 'px-1'").pluck().get() as string;
    const records = (
      db.sqlite.prepare("SELECT content FROM resources WHERE patient_id = 'px-1' OR (type = 'Patient' AND id = 'px-1')").pluck().all() as string[]
    ).map((c) => JSON.parse(c) as Resource);
    const pure = factsFromRecord(person, records);
    expect(normal(pure)).toEqual(normal((await readFacts(db, { from: person, to: person })).get(person)!));
    expect(pure.services.map((s) => `${s.code}@${s.date}${s.site ? `/${s.site}` : ''} ${s.ref}`).sort()).toEqual([
      '0HTV0ZZ@2020-03-01 Procedure/mx-b',
      '19303@2019-03-01/80248007 Procedure/mx-l',
      '385763009@2025-02-01 Encounter/visit-1',
      'Q5001@2025-04-01/RT ExplanationOfBenefit/claim-1',
      'hosp@2025-03-10 Encounter/stay',
    ]);
    expect(pure.visitDiagnoses.map((v) => `${v.code}@${v.date} ${v.ref}`).sort()).toEqual([
      'I10@2024-05-01 Encounter/visit-2',
      'I10@2025-02-01 Encounter/visit-1',
      'I10@2025-04-01 ExplanationOfBenefit/claim-1',
    ]);
  });
});
