/**
 * Accumulates one source's resources as a FHIR transaction of PUTs. Stable ids
 * plus PUT make re-ingesting the same file idempotent.
 */
import type { SourceDef } from './catalog.js';
import type { Bundle, BundleEntry } from './fhir-types.js';
import { pad } from './demographics.js';
import type { Rng } from './prng.js';

import { FHIR_ID } from '../fhir/types.js';

export { FHIR_ID };

export class SourceBundle {
  private readonly entries: BundleEntry[] = [];
  readonly counts: Record<string, number> = {};
  private readonly sequences = new Map<string, number>();
  private readonly patientNumbers = new Set<number>();
  private readonly localIds = new Set<string>();

  constructor(readonly src: SourceDef) {}

  /** Sequential ids per resource kind, e.g. hosp-mercy-enc-0000042. */
  nextId(kind: string): string {
    const n = (this.sequences.get(kind) ?? 0) + 1;
    this.sequences.set(kind, n);
    return `${this.src.id}-${kind}-${pad(n, 7)}`;
  }

  /**
   * Patient ids are drawn at random rather than in sequence, so the number in
   * an id says nothing about the person (or about their ids elsewhere).
   */
  drawPatientId(rng: Rng): string {
    for (;;) {
      const n = rng.int(100_000, 999_999);
      if (!this.patientNumbers.has(n)) {
        this.patientNumbers.add(n);
        return `${this.src.id}-pat-${pad(n, 6)}`;
      }
    }
  }

  /** MRNs and member ids: random digits, unique within the source. */
  drawLocalId(rng: Rng, prefix: string, digits: number): string {
    for (;;) {
      const value = `${prefix}${pad(rng.int(0, 10 ** digits - 1), digits)}`;
      if (!this.localIds.has(value)) {
        this.localIds.add(value);
        return value;
      }
    }
  }

  add(resource: { resourceType: string; id?: string }): void {
    const { resourceType, id } = resource;
    if (id === undefined || !FHIR_ID.test(id)) throw new Error(`invalid FHIR id ${String(id)}`);
    this.entries.push({
      fullUrl: `${this.src.uri}/${resourceType}/${id}`,
      resource,
      request: { method: 'PUT', url: `${resourceType}/${id}` },
    });
    this.counts[resourceType] = (this.counts[resourceType] ?? 0) + 1;
  }

  get size(): number {
    return this.entries.length;
  }

  build(): Bundle {
    return { resourceType: 'Bundle', type: 'transaction', meta: { source: this.src.uri }, entry: this.entries };
  }
}
