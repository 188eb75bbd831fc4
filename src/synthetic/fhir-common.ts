/** Small FHIR building blocks shared by the resource builders. */
import { SYSTEMS } from './codes.js';
import type { CodeableConcept, Coding, Concept, Reference } from './fhir-types.js';
import { hashSeed } from './prng.js';

export function ref(resourceType: string, id: string): Reference {
  return { reference: `${resourceType}/${id}` };
}

export function coding(system: string, code: string, display?: string): Coding {
  return display === undefined ? { system, code } : { system, code, display };
}

export function concept(system: string, code: string, display?: string, text?: string): CodeableConcept {
  const c: Concept = { coding: [coding(system, code, display)] };
  if (text !== undefined) c.text = text;
  return c;
}

/** The fields every emitted resource starts with, in a fixed key order. */
export function head<T extends string>(resourceType: T, id: string, uri: string): { resourceType: T; id: string; meta: { source: string } } {
  return { resourceType, id, meta: { source: uri } };
}

function luhnCheckDigit(payload: string): number {
  let sum = 0;
  let double = true;
  for (let i = payload.length - 1; i >= 0; i--) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * A synthetic but well-formed NPI (10 digits, Luhn check over the 80840
 * prefix, as CMS specifies), derived from a stable key so it never changes.
 */
export function npiFor(key: string): string {
  const body = `${key.startsWith('org:') ? '2' : '1'}${String(hashSeed('npi', key) % 100_000_000).padStart(8, '0')}`;
  return `${body}${luhnCheckDigit(`80840${body}`)}`;
}

export function npiIdentifier(key: string): { system: string; value: string } {
  return { system: SYSTEMS.npi, value: npiFor(key) };
}

export function identifierType(code: 'MR' | 'MB' | 'SS' | 'NPI', display: string): CodeableConcept {
  return concept(SYSTEMS.identifierType, code, display);
}
