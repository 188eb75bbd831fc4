import { FHIR_ID } from './types.js';

/** A literal reference, split: `Patient/p1`, or `Observation/o1/_history/2` with its version. */
export interface Reference {
  type: string;
  id: string;
  version?: string;
}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * The one reference parser. Accepts relative (`Patient/1`), absolute
 * (`https://x/fhir/Patient/1`) and versioned (`Patient/1/_history/2`) forms; anything else,
 * including ids that break the FHIR id rule, is undefined. With `types`, only those types.
 *
 * @example parseReference('Patient/p1', ['Patient']) // { type: 'Patient', id: 'p1' }
 */
export function parseReference(reference: unknown, types?: readonly string[]): Reference | undefined {
  if (typeof reference !== 'string' || reference.length > 2048) return undefined;
  const parts = reference.split('/');
  let version: string | undefined;
  if (parts.length >= 4 && parts[parts.length - 2] === '_history') {
    version = parts[parts.length - 1];
    parts.splice(-2, 2);
    if (!version || !FHIR_ID.test(version)) return undefined;
  }
  if (parts.length < 2) return undefined;
  const id = parts[parts.length - 1]!;
  const type = parts[parts.length - 2]!;
  // Absolute references must be URLs; relative ones are exactly Type/id.
  if (parts.length > 2 && !/^https?:$/.test(parts[0]!)) return undefined;
  if (!TYPE.test(type) || !FHIR_ID.test(id)) return undefined;
  if (types && !types.includes(type)) return undefined;
  return version === undefined ? { type, id } : { type, id, version };
}

/** `Type/id` for an id that must be of one type: `Patient/p1` or `p1` both give `p1`. */
export function idOf(reference: string, type: string): string | undefined {
  if (FHIR_ID.test(reference)) return reference;
  return parseReference(reference, [type])?.id;
}
