import { describe, expect, it } from 'vitest';
import { ingest, readBundle } from '../../src/ingest/index.js';
import { generateRegion } from '../../src/synthetic/index.js';
import { tempDb, testDeps } from '../helpers/db.js';
import { registerFixtureParticipants } from '../helpers/participants.js';

/**
 * Record linkage measured against the generator's ground truth. Over-linking (two people made
 * one) is the dangerous error, since one person's record would be shown as another's, so it
 * must be zero; under-linking only splits a record and is bounded.
 */
describe('master patient index on the synthetic region', () => {
  it('never merges two people, and links nearly every record of the same person', async () => {
    const region = generateRegion({ patients: 300, seed: 11 });
    const db = tempDb();
    await registerFixtureParticipants(db);
    const deps = testDeps(db);
    for (const source of region.sources) {
      const bundle = readBundle(structuredClone(source.bundle));
      if (Array.isArray(bundle)) throw new Error('bad fixture');
      await ingest(deps, { source: bundle.source, channel: 'cli', mode: bundle.mode, entries: bundle.entries });
    }
    const links = db.sqlite.prepare('select patient_id, person_id from patient_links').all() as { patient_id: string; person_id: string }[];
    const personOf = new Map(links.map((l) => [l.patient_id, l.person_id]));
    expect(personOf.size).toBe(Object.keys(region.truth).length);

    const truePeopleByPerson = new Map<string, Set<number>>();
    const personsByTruePerson = new Map<number, Set<string>>();
    for (const [patientId, truePerson] of Object.entries(region.truth)) {
      const person = personOf.get(patientId)!;
      truePeopleByPerson.set(person, (truePeopleByPerson.get(person) ?? new Set()).add(truePerson));
      personsByTruePerson.set(truePerson, (personsByTruePerson.get(truePerson) ?? new Set()).add(person));
    }
    const overLinked = [...truePeopleByPerson.values()].filter((s) => s.size > 1).length;
    const split = [...personsByTruePerson.values()].filter((s) => s.size > 1).length;
    expect(overLinked).toBe(0);
    expect(split / personsByTruePerson.size).toBeLessThan(0.05);
  });
});
