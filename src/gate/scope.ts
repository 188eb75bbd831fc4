import type { Requester } from '../auth/requester.js';
import { allows } from '../auth/scopes.js';
import { FhirError } from '../fhir/errors.js';

export type Permission = 'r' | 's';

/** Directory data: not about a patient, readable by any authenticated requester with the scope. */
export const DIRECTORY_TYPES: readonly string[] = ['Organization', 'Practitioner', 'PractitionerRole', 'Location'];

const contextsOf = (r: Requester): ('patient' | 'user' | 'system')[] => (r.kind === 'system' ? ['system'] : ['patient', 'user']);

/** Does the token grant this permission on this type in any of its contexts? Decided before any lookup. */
export function scopeAllows(r: Requester, type: string, permission: Permission): boolean {
  return allows(r.scopes, type, permission, contextsOf(r));
}

/**
 * The first step of every gate method: a token without the scope is refused before anything is
 * looked up, so the refusal is the same whether or not the id exists.
 */
export function requireScope(r: Requester, type: string, permission: Permission): void {
  if (!scopeAllows(r, type, permission)) throw FhirError.of(403, 'forbidden', `The token does not grant ${permission === 'r' ? 'read' : 'search'} on ${type}`);
}

/** A patient-scoped grant covers only its own patient; user and system grants cover anyone the policy allows. */
export function scopeCoversPatient(r: Requester, type: string, permission: Permission, person: string): boolean {
  if (r.kind === 'system') return true;
  return allows(r.scopes, type, permission, ['user']) || (r.patient === person && allows(r.scopes, type, permission, ['patient']));
}
