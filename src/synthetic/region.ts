/**
 * generateRegion: the whole synthetic region for a patient count and seed.
 * Pure (no I/O, no clock, no Math.random), so it runs anywhere and the same
 * options always give the same Region.
 */
import { Faker, en, en_US, generateMersenne53Randomizer } from '@faker-js/faker';
import { SourceBundle } from './bundle.js';
import { SOURCES, source, type SourceId } from './catalog.js';
import { WINDOW_END, WINDOW_START } from './dates.js';
import { emitPerson, type EmitContext } from './emit-person.js';
import { cliniciansOf, relatedChild, researchOrganization, sourceOrganization } from './fhir-directory.js';
import { locationResources } from './fhir-location.js';
import { DANIEL, MARIA_IDS, MARIA_SSN, mariaPlan, namedPeople } from './named.js';
import { planPerson } from './person.js';
import type { GenerateOptions, ManifestFile, Region, SourceFile } from './types.js';

export const MAX_SEED = 4_294_967_295;

export function validateOptions(opts: GenerateOptions): void {
  if (!Number.isSafeInteger(opts.patients) || opts.patients < 1) {
    throw new RangeError(`patients must be a positive integer, got ${String(opts.patients)}`);
  }
  if (!Number.isSafeInteger(opts.seed) || opts.seed < 0 || opts.seed > MAX_SEED) {
    throw new RangeError(`seed must be an integer from 0 to ${MAX_SEED}, got ${String(opts.seed)}`);
  }
}

function sortedCounts(counts: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(counts).sort()) out[key] = counts[key] ?? 0;
  return out;
}

export function generateRegion(opts: GenerateOptions): Region {
  validateOptions(opts);
  const { patients, seed } = opts;
  const bundles = new Map<SourceId, SourceBundle>(SOURCES.map((s) => [s.id, new SourceBundle(s)]));
  const bundle = (id: SourceId): SourceBundle => {
    const b = bundles.get(id);
    if (!b) throw new Error(`no bundle for ${id}`);
    return b;
  };

  for (const src of SOURCES) {
    const b = bundle(src.id);
    b.add(sourceOrganization(src));
    for (const r of locationResources(src)) b.add(r);
    if (src.kind === 'hospital' || src.kind === 'clinic') for (const r of cliniciansOf(src)) b.add(r);
  }
  bundle('directory').add(researchOrganization(source('directory').uri));

  const ctx: EmitContext = { seed, bundle, truth: {} };
  // An explicit seed keeps faker from seeding itself with Math.random; it is reseeded per person anyway.
  const faker = new Faker({ locale: [en_US, en], randomizer: generateMersenne53Randomizer(seed) });
  const ssnTaken = new Set<string>([MARIA_SSN]);
  emitPerson(mariaPlan(), ctx);
  const oak = bundle('clinic-oak');
  oak.add(relatedChild({ ...DANIEL, uri: oak.src.uri, patientId: MARIA_IDS['clinic-oak'] }));
  opts.onPatient?.(1);
  for (let i = 1; i < patients; i++) {
    emitPerson(planPerson(seed, i, faker, ssnTaken), ctx);
    opts.onPatient?.(i + 1);
  }

  const sources: SourceFile[] = SOURCES.map((src) => ({
    id: src.id,
    uri: src.uri,
    name: src.name,
    kind: src.kind,
    organizationId: src.organizationId,
    fileName: `${src.id}.json`,
    bundle: bundle(src.id).build(),
  }));
  const files: ManifestFile[] = sources.map((s) => ({
    id: s.id,
    uri: s.uri,
    kind: s.kind,
    organizationId: s.organizationId,
    fileName: s.fileName,
    resources: sortedCounts(bundle(s.id as SourceId).counts),
  }));
  return {
    sources,
    people: namedPeople(),
    truth: ctx.truth,
    manifest: { seed, patients, window: { start: WINDOW_START, end: WINDOW_END }, files },
  };
}
