/** Shared helpers for the synthetic-region tests: flat views over a generated Region. */
import { generateRegion, type Region } from '../../src/synthetic/index.js';

/** Loose view of a generated resource; the tests inspect fields by path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Res = { resourceType: string; id: string; meta: { source: string } } & Record<string, any>;

const cache = new Map<string, Region>();

/** Regions are expensive enough to share between tests in one file; they are never mutated. */
export function region(patients: number, seed: number): Region {
  const key = `${patients}/${seed}`;
  let r = cache.get(key);
  if (!r) {
    r = generateRegion({ patients, seed });
    cache.set(key, r);
  }
  return r;
}

export function resources(r: Region, sourceId?: string): Res[] {
  const out: Res[] = [];
  for (const s of r.sources) {
    if (sourceId !== undefined && s.id !== sourceId) continue;
    for (const e of s.bundle.entry ?? []) out.push(e.resource as Res);
  }
  return out;
}

export function ofType(r: Region, type: string, sourceId?: string): Res[] {
  return resources(r, sourceId).filter((x) => x.resourceType === type);
}

export function idOf(reference: string): string {
  return reference.slice(reference.indexOf('/') + 1);
}

/** Same normalisation record linkage uses: case, accents, punctuation and spacing removed. */
export function norm(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

export function ssnOf(patient: Res): string | undefined {
  return (patient.identifier as { system: string; value: string }[]).find((i) => i.system === 'http://hl7.org/fhir/sid/us-ssn')?.value;
}

export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(b.slice(0, 10)) - Date.parse(a.slice(0, 10))) / 86_400_000);
}

/** Age in completed years on a date (both ISO yyyy-mm-dd). */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = date.slice(0, 10).split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}
