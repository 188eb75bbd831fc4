import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openSqlite, type SqliteDatabase } from '../../src/db/sqlite.js';
import type { Resource } from '../../src/fhir/types.js';
import { factsFromRecord } from '../../src/metrics/facts-from-record.js';
import type { PersonFacts } from '../../src/metrics/person.js';
import { readFacts } from '../../src/metrics/read-facts.js';
import { suiteDir } from '../helpers/db.js';
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
  return { person, birthDate, sex, state, zip, claims: strip(summed(claims)), ...Object.fromEntries(Object.entries(lists).map(([k, v]) => [k, strip(v as object[])])) };
}

const empty = (person: string): PersonFacts => ({
  person,
  sex: 'unknown',
  coverage: [],
  claims: [],
  stays: [],
  diagnoses: [],
  hba1c: [],
  bloodPressure: [],
  mammograms: [],
  visitDiagnoses: [],
  services: [],
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
