import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readBundle, readBundleInSteps } from '../../src/ingest/index.js';
import { observation, patient, putEntry } from '../helpers/fhir.js';

/** The server reads Bundles in steps (yielding to other requests); its answer must be readBundle's, entry for entry. */
describe('reading a Bundle in steps', () => {
  it('gives exactly what reading it at once gives, for good and bad entries alike', async () => {
    const entry = fc.oneof(
      fc.integer({ min: 0, max: 9 }).map((i) => putEntry(patient(`p${i}`))),
      fc.integer({ min: 0, max: 9 }).map((i) => putEntry(observation(`o${i}`, 'p1'))),
      fc.constant({ resource: { resourceType: 'Observation' } }),
      fc.constant(null),
      fc.constant({ request: { method: 'DELETE', url: 'Patient/x' } }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(entry, { maxLength: 30 }), fc.constantFrom('transaction', 'batch', 'collection'), async (entries, type) => {
        const body = () => JSON.parse(JSON.stringify({ resourceType: 'Bundle', type, entry: entries }));
        expect(await readBundleInSteps(body())).toEqual(readBundle(body()));
      }),
      { numRuns: 100 },
    );
  });

  it('yields between steps of a large Bundle, and still reads every entry', async () => {
    const entries = Array.from({ length: 5_000 }, (_, i) => putEntry(observation(`o${i}`, 'p1')));
    let turns = 0;
    const ticking = setInterval(() => turns++, 0);
    const read = await readBundleInSteps({ resourceType: 'Bundle', type: 'batch', entry: entries });
    clearInterval(ticking);
    if (Array.isArray(read)) throw new Error(JSON.stringify(read));
    expect(read.entries).toHaveLength(5_000);
    expect(read.entries.every((e) => e.ok)).toBe(true);
    expect(turns).toBeGreaterThan(0);
  });
});
